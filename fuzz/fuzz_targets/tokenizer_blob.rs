//! The tokenizer blob stored in a model file (role 12), then encoding and decoding with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_engine::{TextDecoder, Tokenizer};

fuzz_target!(|data: &[u8]| {
    if let Ok(tokenizer) = Tokenizer::from_bytes(data) {
        let mut ids = Vec::new();
        tokenizer.encode(" hello  world \u{e9}\u{1F600}x", true, true, &mut ids);
        let mut decoder = TextDecoder::new();
        for pair in ids.windows(2) {
            let _ = decoder.push(tokenizer.decode_piece(Some(pair[0]), pair[1]));
        }
        let _ = decoder.finish();
        let again = Tokenizer::from_bytes(&tokenizer.to_bytes()).expect("a parsed blob re-encodes to a valid one");
        assert_eq!(again.vocab_size(), tokenizer.vocab_size());
    }
});
