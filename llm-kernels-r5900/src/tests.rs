//! Host tests: on the host the primitives are the portable arithmetic, so every result must be bit-identical
//! to `PortableKernels`. This checks the scaffolding around the assembly (activation widening, group walking,
//! scale order, alignment and fallback paths); the EE tests (`tests/ee_kernels.rs`) check the assembly.

use super::*;
use crate::backend::Quad;
use alloc::vec;
use llm_engine::quant::quantize_matrix;

struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

fn random(rng: &mut XorShift, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.unit()).collect()
}

fn both(quant: Quant, rows: usize, cols: usize, group: usize, shift: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    both_scaled(quant, rows, cols, group, shift, seed, Q8Scaling::Exact)
}

fn both_scaled(
    quant: Quant,
    rows: usize,
    cols: usize,
    group: usize,
    shift: usize,
    seed: u32,
    scaling: Q8Scaling,
) -> (Vec<f32>, Vec<f32>) {
    let mut rng = XorShift(seed);
    let values = random(&mut rng, rows * cols);
    let x = random(&mut rng, cols);
    let encoded = quantize_matrix(quant, &values, rows, cols, group);
    // `shift` bytes in front move the matrix off its natural alignment.
    let mut data = vec![0u8; shift];
    data.extend_from_slice(&encoded);
    let stride = quant.row_stride(cols as u32, group as u32).unwrap() as usize;
    let w = MatrixRef { quant, rows, cols, group_size: group, row_stride: stride, data: &data[shift..] };
    let (mut want, mut got) = (vec![0.0; rows], vec![0.0; rows]);
    PortableKernels::new(cols).matvec(&mut want, &w, &x);
    R5900Kernels::new(cols).with_q8_scaling(scaling).matvec(&mut got, &w, &x);
    (want, got)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}

#[test]
fn q8_matches_portable_bit_for_bit() {
    for (rows, cols, group, shift) in [(1, 8, 8, 0), (7, 24, 8, 1), (5, 96, 32, 3), (33, 288, 32, 0), (3, 64, 64, 2)] {
        for scaling in [Q8Scaling::Exact, Q8Scaling::Fpu] {
            // On the host the FPU path is the portable arithmetic too, so both modes are exact here.
            let (want, got) = both_scaled(Quant::Q8, rows, cols, group, shift, 0x1234_5678 ^ cols as u32, scaling);
            assert_eq!(bits(&want), bits(&got), "{rows}x{cols} group {group} {scaling:?}");
        }
    }
}

#[test]
fn q8_groups_that_are_not_whole_chunks_use_the_portable_kernel() {
    let (want, got) = both(Quant::Q8, 4, 36, 12, 0, 99);
    assert_eq!(bits(&want), bits(&got));
    assert!(!Q8Scratch::supports(&MatrixRef {
        quant: Quant::Q8,
        rows: 1,
        cols: 36,
        group_size: 12,
        row_stride: 48,
        data: &[0; 48]
    }));
}

#[test]
fn f32_matvec_matches_portable_aligned_or_not() {
    for shift in [0, 1, 2, 4] {
        let (want, got) = both(Quant::F32, 6, 13, 1, shift, 7 + shift as u32);
        assert_eq!(bits(&want), bits(&got), "shift {shift}");
    }
}

#[test]
fn other_formats_go_to_the_portable_kernel() {
    for quant in [Quant::Q4, Quant::Ternary] {
        let (want, got) = both(quant, 5, 32, 8, 0, 3);
        assert_eq!(bits(&want), bits(&got), "{quant:?}");
    }
}

#[test]
fn group_sums_sign_extend_weight_codes() {
    let codes: Vec<u8> = (0..16).map(|i| (i * 16) as u8 ^ 0x80).collect();
    let quads = [Quad([1, -1, 2, -2, 3, -3, 127, -127]), Quad([-128, 127, 0, 1, 1, 1, 1, 1])];
    let mut sums = [0; 2];
    backend::q8_group_sums(&codes, &quads, 1, &mut sums);
    let want = |g: usize| (0..8).map(|i| (codes[8 * g + i] as i8 as i32) * quads[g].0[i] as i32).sum::<i32>();
    assert_eq!(sums, [want(0), want(1)]);
}

#[test]
fn dot_and_axpy_match_the_trait_defaults_and_accept_empty_input() {
    let mut rng = XorShift(42);
    let (a, b) = (random(&mut rng, 19), random(&mut rng, 19));
    let mut kernels = R5900Kernels::new(19);
    let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert_eq!(kernels.dot(&a, &b).to_bits(), want.to_bits());
    assert_eq!(kernels.dot(&[], &[]), 0.0);
    let mut out = b.clone();
    kernels.axpy(&mut out, 0.75, &a);
    let want: Vec<f32> = b.iter().zip(&a).map(|(o, v)| o + 0.75 * v).collect();
    assert_eq!(bits(&out), bits(&want));
}

#[test]
fn rmsnorm_and_softmax_match_the_trait_defaults() {
    let mut rng = XorShift(5);
    let (x, w) = (random(&mut rng, 37), random(&mut rng, 37));
    let (mut want, mut got) = (vec![0.0; 37], vec![0.0; 37]);
    PortableKernels::new(1).rmsnorm(&mut want, &x, &w, 1e-5);
    R5900Kernels::new(1).rmsnorm(&mut got, &x, &w, 1e-5);
    assert_eq!(bits(&want), bits(&got));
    let mut want: Vec<f32> = x.iter().map(|v| v * 30.0).collect();
    let mut got = want.clone();
    PortableKernels::new(1).softmax(&mut want);
    R5900Kernels::new(1).softmax(&mut got);
    assert_eq!(bits(&want), bits(&got));
    R5900Kernels::new(1).softmax(&mut []);
}

#[test]
fn repeated_and_changed_vectors_give_the_portable_results() {
    let mut rng = XorShift(11);
    let (rows, cols) = (6, 64);
    let values = random(&mut rng, rows * cols);
    let mut kernels = R5900Kernels::new(cols);
    let mut portable = PortableKernels::new(cols);
    let x1 = random(&mut rng, cols);
    let mut x2 = x1.clone();
    x2[17] = -x2[17]; // one element changed: must not reuse the quantized x1
    for (x, group) in [(&x1, 16), (&x1, 16), (&x2, 16), (&x2, 32), (&x1, 32)] {
        let data = quantize_matrix(Quant::Q8, &values, rows, cols, group);
        let stride = Quant::Q8.row_stride(cols as u32, group as u32).unwrap() as usize;
        let w = MatrixRef { quant: Quant::Q8, rows, cols, group_size: group, row_stride: stride, data: &data };
        let (mut want, mut got) = (vec![0.0; rows], vec![0.0; rows]);
        portable.matvec(&mut want, &w, x);
        kernels.matvec(&mut got, &w, x);
        assert_eq!(bits(&want), bits(&got), "group {group}");
    }
}

#[test]
fn silu_mul_is_the_engine_expression() {
    let mut rng = XorShift(8);
    let up = random(&mut rng, 40);
    let gates: Vec<f32> = random(&mut rng, 40).iter().map(|v| v * 12.0).collect();
    let mut got = gates.clone();
    backend::silu_mul(&mut got, &up);
    let want: Vec<f32> = gates.iter().zip(&up).map(|(&g, &u)| g / (1.0 + libm::expf(-g)) * u).collect();
    assert_eq!(bits(&got), bits(&want));
}
