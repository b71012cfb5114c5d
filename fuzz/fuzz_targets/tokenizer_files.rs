//! The converter's tokenizer inputs: SentencePiece `tokenizer.model` (protobuf) and llama2.c
//! `tokenizer.bin` (the first byte picks the format and the vocabulary size).
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_tools::{sentencepiece, tokenizer_bin};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let tokenizer = if selector & 1 == 0 {
        sentencepiece::load(rest)
    } else {
        tokenizer_bin::load(rest, 1 + (selector as usize >> 1) * 3, Some(1), Some(2))
    };
    if let Ok(tokenizer) = tokenizer {
        let mut ids = Vec::new();
        tokenizer.encode("It is a truth", true, false, &mut ids);
    }
});
