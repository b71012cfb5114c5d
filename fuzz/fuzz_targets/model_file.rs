//! A `PLLM` model file: header, directory, tensor data and tokenizer blob, loaded in RAM and streamed,
//! then a few forward passes and samples.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_engine::streaming::SliceReader;
use llm_engine::{EngineError, InMemoryWeights, Sampler, StreamingWeights, Transformer, WeightSource, load_tokenizer, portable_kernels};

/// libFuzzer counts a large allocation as a crash; a valid header may ask for a KV cache of gigabytes
/// (the engine allocates it zeroed, which is legal): such models are parsed and checked, not run.
const RUN_LIMIT: u64 = 256 << 20;

fn run<S: WeightSource>(mut weights: S) -> Result<(), EngineError> {
    let tokenizer = load_tokenizer(&mut weights)?;
    let config = weights.info().config;
    if llm_engine::transformer::runtime_bytes(&config) > RUN_LIMIT {
        return Ok(());
    }
    let mut model = Transformer::new(weights, portable_kernels(&config))?;
    let mut sampler = Sampler::try_new(Default::default(), config.vocab_size as usize)?;
    let mut ids = Vec::new();
    tokenizer.encode("a hello", true, false, &mut ids);
    for (pos, &id) in ids.iter().take(2).enumerate() {
        let mut logits = model.forward(id, pos)?.to_vec();
        let next = sampler.sample(&mut logits, &ids);
        let _ = tokenizer.decode_piece(Some(id), next);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    if let Ok(weights) = InMemoryWeights::new(data) {
        let _ = run(weights);
    }
    if let Ok(weights) = StreamingWeights::new(SliceReader::new(data), 40 << 10) {
        let _ = run(weights);
    }
});
