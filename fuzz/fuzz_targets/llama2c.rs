//! A llama2.c checkpoint (v0, v1, v2 Q8_0), converted to a `PLLM` file in memory when it parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_engine::Quant;
use llm_tools::{convert, llama2c, synth};

fuzz_target!(|data: &[u8]| {
    if let Ok(mut model) = llama2c::read_checkpoint(data) {
        model.config.group_size = convert::choose_group_size(32, model.config.dim, model.config.hidden_dim);
        let vocab = model.config.vocab_size as usize;
        if let Ok(tokenizer) = synth::synthetic_tokenizer(vocab.min(300), 1) {
            let mut out = std::io::Cursor::new(Vec::new());
            let _ = convert::convert(&mut out, &model, &tokenizer, Quant::Q8, |_| {});
        }
    }
});
