//! Streaming vs in-RAM weights: bit-identical logits for every residency plan, and the planner's
//! choices.

mod common;

use common::{build_model, tiny_config};
use llm_engine::streaming::{SliceReader, plan_residency};
use llm_engine::{EngineError, InMemoryWeights, ModelInfo, Quant, StreamingWeights, TensorRole, Transformer, WeightSource, portable_kernels};

fn logits_in_ram(file: &[u8], tokens: &[u32]) -> Vec<Vec<f32>> {
    let weights = InMemoryWeights::new(file.to_vec()).unwrap();
    let mut model = Transformer::new(weights, portable_kernels(&tiny_config(true))).unwrap();
    tokens.iter().enumerate().map(|(pos, &t)| model.forward(t, pos).unwrap().to_vec()).collect()
}

fn logits_streamed(file: &[u8], tokens: &[u32], budget: u64) -> (Vec<Vec<f32>>, u64) {
    let weights = StreamingWeights::new(SliceReader::new(file.to_vec()), budget).unwrap();
    let mut model = Transformer::new(weights, portable_kernels(&tiny_config(true))).unwrap();
    let logits = tokens.iter().enumerate().map(|(pos, &t)| model.forward(t, pos).unwrap().to_vec()).collect();
    (logits, model.source().reader().reads)
}

#[test]
fn streamed_logits_are_bit_identical_to_in_ram() {
    let tokens = [1, 40, 41, 300 - 1, 7, 7, 100];
    for shared in [true, false] {
        for quant in [Quant::Q8, Quant::Q4, Quant::Ternary, Quant::F32] {
            let file = build_model(&tiny_config(shared), quant, 11);
            let want = logits_in_ram(&file, &tokens);
            let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
            let total = info.weight_bytes();
            let mut previous_reads = 0;
            // From "everything resident" down to the smallest budget that holds the buffers.
            for budget in [total * 2, total * 3 / 4, total / 2, total / 4, 0] {
                let budget = budget.max(minimum_budget(&info));
                let (got, reads) = logits_streamed(&file, &tokens, budget);
                for (a, b) in want.iter().zip(&got) {
                    let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "shared={shared} {quant:?} budget={budget}: logits differ");
                }
                assert!(reads >= previous_reads, "smaller budgets must not read less");
                previous_reads = reads;
            }
        }
    }
}

fn minimum_budget(info: &ModelInfo) -> u64 {
    (1..).map(|k| k * 1024).find(|&b| plan_residency(info, b).is_ok()).unwrap()
}

#[test]
fn planner_keeps_the_shared_classifier_first_and_respects_the_budget() {
    let config = llm_engine::ModelConfig { n_layers: 8, ..tiny_config(true) };
    let file = build_model(&config, Quant::Q8, 3);
    let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
    let embedding = info.find(TensorRole::TokenEmbedding, 0).unwrap();
    let sector = |n: u64| n.div_ceil(2048) * 2048;
    let embedding_bytes = sector(info.tensors[embedding].byte_len);
    // Room for the embedding plus two streaming buffers of its size and the row buffer.
    let budget = 3 * embedding_bytes + 2 * 2048;
    assert!(budget < info.weight_bytes(), "test model must need streaming");
    let plan = plan_residency(&info, budget).unwrap();
    assert!(plan.resident[embedding], "the shared embedding is used twice per token: kept first");
    assert!(plan.resident_bytes + plan.buffer_bytes <= budget);
    assert!(plan.streamed_bytes_per_token > 0);
    let all = plan_residency(&info, u64::MAX).unwrap();
    assert_eq!(all.streamed_bytes_per_token, 0);
    assert_eq!(all.buffer_bytes, 0);
}

#[test]
fn too_small_a_budget_is_a_clear_error() {
    let file = build_model(&tiny_config(true), Quant::Q8, 3);
    let error = StreamingWeights::new(SliceReader::new(file), 100).unwrap_err();
    assert!(matches!(error, EngineError::OutOfMemory { available: Some(100), .. }), "{error}");
}

#[test]
fn streamed_tensor_corruption_is_caught_on_first_read() {
    let mut file = build_model(&tiny_config(true), Quant::Q8, 5);
    let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
    let wo = info.find(TensorRole::Wo, 1).unwrap();
    file[info.tensors[wo].offset as usize + 3] ^= 0x40;
    let weights = StreamingWeights::new(SliceReader::new(file), minimum_budget(&info)).unwrap();
    let mut model = Transformer::new(weights, portable_kernels(&tiny_config(true))).unwrap();
    let error = model.forward(1, 0).unwrap_err().to_string();
    assert!(error.contains("layers.1.wo") && error.contains("CRC"), "{error}");
}

#[test]
fn row_reads_match_in_memory_rows() {
    let file = build_model(&tiny_config(false), Quant::Q8, 9);
    let mut ram = InMemoryWeights::new(file.clone()).unwrap();
    let info = ram.info().clone();
    let mut streamed = StreamingWeights::new(SliceReader::new(file), minimum_budget(&info)).unwrap();
    let embedding = info.find(TensorRole::TokenEmbedding, 0).unwrap();
    for row in [0, 1, 150, 299] {
        assert_eq!(streamed.row(embedding, row).unwrap(), ram.row(embedding, row).unwrap());
    }
    assert!(streamed.row(embedding, 300).is_err());
}

#[test]
fn each_streamed_tensor_is_read_once_per_token() {
    for shared in [true, false] {
        let file = build_model(&tiny_config(shared), Quant::Q8, 13);
        let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
        let budget = minimum_budget(&info);
        let weights = StreamingWeights::new(SliceReader::new(file), budget).unwrap();
        let plan = weights.plan().clone();
        let streamed = llm_engine::transformer::access_order(&info).iter().filter(|&&i| !plan.resident[i]).count() as u64;
        let embedding = info.find(TensorRole::TokenEmbedding, 0).unwrap();
        // An embedding that is not resident costs one row read per token (unless it is the
        // classifier still sitting in a streaming buffer).
        let row_reads = if plan.resident[embedding] { 0 } else { 1 };
        let mut model = Transformer::new(weights, portable_kernels(&tiny_config(shared))).unwrap();
        model.forward(1, 0).unwrap();
        let before = model.source().reader().reads;
        for pos in 1..5 {
            model.forward(pos as u32 * 7, pos).unwrap();
        }
        let per_token = (model.source().reader().reads - before) / 4;
        assert!(streamed > 2, "the plan should stream several tensors");
        assert!(
            per_token == streamed + row_reads || (shared && per_token == streamed),
            "shared={shared}: {per_token} reads per token for {streamed} streamed tensors"
        );
    }
}

/// A reader that checks the contract an asynchronous (DMA) device relies on: one read at a
/// time, `wait` with the very buffer given to `start_read`, sector-aligned offsets, 64-byte
/// aligned buffers, whole sectors except at the end of the file.
struct ContractReader {
    inner: SliceReader<Vec<u8>>,
    outstanding: Option<(u64, usize, usize)>,
}

impl llm_engine::TensorReader for ContractReader {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn start_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), EngineError> {
        assert!(self.outstanding.is_none(), "a second read was started before wait()");
        assert_eq!(offset % 2048, 0, "unaligned offset {offset}");
        assert_eq!(buf.as_ptr() as usize % 64, 0, "buffer not 64-byte aligned");
        assert!(buf.len() % 2048 == 0 || offset + buf.len() as u64 == self.len(), "partial sector read at {offset}: {} bytes of {}", buf.len(), self.len());
        self.outstanding = Some((offset, buf.as_ptr() as usize, buf.len()));
        self.inner.start_read(offset, buf)
    }

    fn wait(&mut self, buf: &mut [u8]) -> Result<(), EngineError> {
        let (_, ptr, len) = self.outstanding.take().expect("wait() without start_read()");
        assert_eq!((buf.as_ptr() as usize, buf.len()), (ptr, len), "wait() got another buffer");
        self.inner.wait(buf)
    }
}

#[test]
fn streaming_obeys_the_async_reader_contract() {
    for shared in [true, false] {
        let file = build_model(&tiny_config(shared), Quant::Q4, 17);
        let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
        let want = logits_in_ram(&file, &[1, 2, 3]);
        let reader = ContractReader { inner: SliceReader::new(file), outstanding: None };
        let weights = StreamingWeights::new(reader, minimum_budget(&info)).unwrap();
        let mut model = Transformer::new(weights, portable_kernels(&tiny_config(shared))).unwrap();
        for (pos, token) in [1, 2, 3].into_iter().enumerate() {
            assert_eq!(model.forward(token, pos).unwrap(), want[pos].as_slice());
        }
    }
}
