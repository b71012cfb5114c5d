//! Math kernels behind one trait, so the EE can replace the hot ones with R5900 code
//! (FPU `madd.s`, MMI integer multiply-adds) while the forward pass stays portable.
//!
//! [`PortableKernels`] is plain Rust. Its Q8 matrix-vector product quantizes the activation
//! vector to i8 per group (as llama2.c's `runq.c` does) and accumulates integer products inside a
//! group, applying the two scales once per group. That is the shape an MMI kernel will take on the
//! EE, and on the host it is the fastest portable variant. The price is an extra activation
//! rounding error of at most half a step (1/254 of the group's largest activation). Q4 takes the
//! same path (4-bit weight codes × i8 activation codes); ternary and f32 use f32 activations.
//!
//! Speed without changing a bit: every f32 sum is still accumulated in index order into one f32
//! (the arithmetic of a plain loop, so results equal the simple code's and other kernels that
//! follow it, e.g. `llm-kernels-r5900`'s); the portable kernels run several rows (or several
//! attention positions) side by side, each its own sequential chain, so the chains overlap in the
//! CPU instead of each add waiting for the previous one. Weights are decoded four bytes at a time
//! from `[u8; 4]` chunks (no per-byte bounds checks), Q8 group sums are integer dot products over
//! activation codes widened to i16 once per product, which compilers vectorise.
//!
//! Exact arithmetic of the portable Q8 product, for kernels that want to be bit-identical:
//! 1. per group `g` of the input (see [`quantize_activations`]): `max = max |x|` (f32 `max`),
//!    `x_scale[g] = max / 127.0`, `inv = 127.0 / max` (0 when `max == 0`),
//!    `code = roundf(x · inv)` (half away from zero) as i8;
//! 2. per row: `acc = 0.0f32`; for each group in order,
//!    `acc += (isum as f32 · w_scale[g]) · x_scale[g]`, where `isum` is the exact i32 sum of
//!    `w_code · x_code` over the group; the row's output is `acc`.

use alloc::vec;
use alloc::vec::Vec;

use crate::quant::{MatrixRef, Quant, dequantize_row, f32_at};

/// The math the forward pass needs. Every slice length is checked by the caller (the transformer)
/// once at construction, so kernels may index without further validation.
pub trait Kernels {
    /// `out[r] = Σ_c w[r][c] · x[c]` for a stored matrix of any [`Quant`].
    fn matvec(&mut self, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]);

    /// `out = x / sqrt(mean(x²) + eps) · weight`.
    fn rmsnorm(&mut self, out: &mut [f32], x: &[f32], weight: &[f32], eps: f32) {
        let sum_sq = x.iter().map(|v| v * v).sum::<f32>();
        let inv = 1.0 / libm::sqrtf(sum_sq / x.len() as f32 + eps);
        for ((o, &v), &w) in out.iter_mut().zip(x).zip(weight) {
            *o = v * inv * w;
        }
    }

    /// In-place softmax (max-subtracted for stability).
    fn softmax(&mut self, x: &mut [f32]) {
        let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0;
        for v in x.iter_mut() {
            *v = libm::expf(*v - max);
            sum += *v;
        }
        let inv = 1.0 / sum;
        for v in x.iter_mut() {
            *v *= inv;
        }
    }

    /// Dot product.
    fn dot(&mut self, a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Attention scores of one head: `scores[t] = dot(q, keys[t·stride ..][..q.len()]) · scale`
    /// for every `t < scores.len()` (the keys of successive positions lie `stride` floats apart
    /// in the KV cache). The default calls [`Kernels::dot`] per position.
    fn attention_scores(&mut self, scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
        for (t, score) in scores.iter_mut().enumerate() {
            *score = self.dot(q, &keys[t * stride..][..q.len()]) * scale;
        }
    }

    /// SwiGLU's gate: `h[i] = silu(h[i]) · up[i]`, with `silu(g) = g / (1 + e^-g)`.
    fn silu_mul(&mut self, h: &mut [f32], up: &[f32]) {
        for (h, &up) in h.iter_mut().zip(up) {
            let gate = *h;
            *h = gate / (1.0 + libm::expf(-gate)) * up;
        }
    }

    /// `out += a · x`.
    fn axpy(&mut self, out: &mut [f32], a: f32, x: &[f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o += a * v;
        }
    }

    /// RoPE: rotates each adjacent pair `(2p, 2p+1)` of every head of `values` (heads of `head_size`
    /// floats) by the angle whose cosine and sine are `cos[p]` and `sin[p]`:
    /// `(a, b) → (a·cos − b·sin, a·sin + b·cos)`, each product rounded, then the sum.
    fn rope(&mut self, values: &mut [f32], cos: &[f32], sin: &[f32], head_size: usize) {
        for head in values.chunks_mut(head_size) {
            for (pair, (&c, &s)) in head.chunks_mut(2).zip(cos.iter().zip(sin)) {
                let (a, b) = (pair[0], pair[1]);
                pair[0] = a * c - b * s;
                pair[1] = a * s + b * c;
            }
        }
    }

    /// Decodes one row of a stored matrix (embedding lookup).
    fn dequantize_row(&mut self, out: &mut [f32], w: &MatrixRef<'_>, row_bytes: &[u8]) {
        dequantize_row(w.quant, row_bytes, w.group_size, out);
    }
}

/// Portable kernels with preallocated scratch for the quantized activations.
#[derive(Clone, Debug)]
pub struct PortableKernels {
    activation_codes: Vec<i8>,
    /// The same codes widened to i16 for the Q8 product's integer dot products.
    wide_codes: Vec<i16>,
    activation_scales: Vec<f32>,
}

impl PortableKernels {
    /// Scratch sized for input vectors up to `max_cols` elements.
    pub fn new(max_cols: usize) -> Self {
        Self { activation_codes: vec![0; max_cols], wide_codes: vec![0; max_cols], activation_scales: vec![0.0; max_cols] }
    }

    fn ensure_capacity(&mut self, cols: usize) {
        if self.activation_codes.len() < cols {
            self.activation_codes.resize(cols, 0);
            self.wide_codes.resize(cols, 0);
            self.activation_scales.resize(cols, 0.0);
        }
    }
}

/// Quantizes `x` to i8 per group of `group_size`: `x ≈ code · scale`.
pub fn quantize_activations(x: &[f32], group_size: usize, codes: &mut [i8], scales: &mut [f32]) {
    for ((group, codes), scale) in x.chunks(group_size).zip(codes.chunks_mut(group_size)).zip(scales.iter_mut()) {
        let max = group.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        *scale = max / 127.0;
        let inv = if max > 0.0 { 127.0 / max } else { 0.0 };
        for (c, &v) in codes.iter_mut().zip(group) {
            *c = libm::roundf(v * inv) as i8;
        }
    }
}

/// Rows (or attention positions) computed side by side: independent sequential sums, enough to
/// keep a superscalar FPU busy while each sum waits on its own previous add.
const INTERLEAVE: usize = 8;

/// The stored f32 values of a row as 4-byte chunks, exactly `cols` of them.
#[inline(always)]
fn f32_chunks(row: &[u8], cols: usize) -> &[[u8; 4]] {
    &row[..4 * cols].as_chunks::<4>().0[..cols]
}

/// `Σ_c w[c] · x[c]` accumulated in index order (`acc += w · x`, from 0.0).
#[inline(always)]
fn dot_stored(w: &[[u8; 4]], x: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for (bytes, &v) in w.iter().zip(x) {
        acc += f32::from_le_bytes(*bytes) * v;
    }
    acc
}

fn matvec_f32(out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) {
    let cols = x.len();
    let (blocks, rest) = out.as_chunks_mut::<INTERLEAVE>();
    let mut r = 0;
    for block in blocks {
        let rows: [&[[u8; 4]]; INTERLEAVE] = core::array::from_fn(|k| f32_chunks(w.row(r + k), cols));
        let mut acc = [0.0f32; INTERLEAVE];
        // Four columns of every row at a time (contiguous loads), then used column by column:
        // each row's sum still takes its products in column order.
        let (x_quads, x_rest) = x.as_chunks::<4>();
        for (q, xs) in x_quads.iter().enumerate() {
            let quad: [[f32; 4]; INTERLEAVE] =
                core::array::from_fn(|k| core::array::from_fn(|j| f32::from_le_bytes(rows[k][4 * q + j])));
            for j in 0..4 {
                for k in 0..INTERLEAVE {
                    acc[k] += quad[k][j] * xs[j];
                }
            }
        }
        let done = 4 * x_quads.len();
        for (c, &v) in x_rest.iter().enumerate() {
            for k in 0..INTERLEAVE {
                acc[k] += f32::from_le_bytes(rows[k][done + c]) * v;
            }
        }
        *block = acc;
        r += INTERLEAVE;
    }
    for o in rest {
        *o = dot_stored(f32_chunks(w.row(r), cols), x);
        r += 1;
    }
}

/// `Σ a[i] · b[i]` in index order from −0.0, as [`Kernels::dot`]'s default (`Iterator::sum`)
/// computes it.
#[inline(always)]
fn dot_sequential(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = -0.0f32;
    for (&x, &y) in a.iter().zip(b) {
        acc += x * y;
    }
    acc
}

/// [`Kernels::attention_scores`] with [`INTERLEAVE`] positions side by side; each score is the
/// sequential dot product, so the results are those of the default.
fn attention_scores_interleaved(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
    let n = q.len();
    let (blocks, rest) = scores.as_chunks_mut::<INTERLEAVE>();
    let mut t = 0;
    for block in blocks {
        let k: [&[f32]; INTERLEAVE] = core::array::from_fn(|j| &keys[(t + j) * stride..][..n]);
        let mut acc = [-0.0f32; INTERLEAVE];
        for (i, &qi) in q.iter().enumerate() {
            for j in 0..INTERLEAVE {
                acc[j] += qi * k[j][i];
            }
        }
        for (score, acc) in block.iter_mut().zip(acc) {
            *score = acc * scale;
        }
        t += INTERLEAVE;
    }
    for score in rest {
        *score = dot_sequential(q, &keys[t * stride..][..n]) * scale;
        t += 1;
    }
}

/// Exact `Σ w_code · x_code` over one group: weight codes as stored bytes, activation codes
/// widened to i16. Integer addition is associative, so the compiler may vectorise freely.
#[inline(always)]
fn group_sum_q8(weights: &[u8], activations: &[i16]) -> i32 {
    let mut lanes = [0i32; 16];
    let (w_blocks, w_rest) = weights.as_chunks::<16>();
    let (x_blocks, x_rest) = activations.as_chunks::<16>();
    for (w, x) in w_blocks.iter().zip(x_blocks) {
        for l in 0..16 {
            lanes[l] += w[l] as i8 as i32 * x[l] as i32;
        }
    }
    let mut sum: i32 = lanes.iter().sum();
    for (&w, &x) in w_rest.iter().zip(x_rest) {
        sum += w as i8 as i32 * x as i32;
    }
    sum
}

/// Q8 weights × i8 activation codes (widened to i16): the portable Q8 product (module docs).
fn matvec_q8(out: &mut [f32], w: &MatrixRef<'_>, codes: &[i16], x_scales: &[f32]) {
    let group_size = w.group_size;
    let groups = x_scales.len();
    for (r, o) in out.iter_mut().enumerate() {
        let row = w.row(r);
        let (scale_bytes, weight_codes) = row.split_at(4 * groups);
        let w_scales = &scale_bytes.as_chunks::<4>().0[..groups];
        let mut acc = 0.0f32;
        for ((wq, xq), (w_scale, &x_scale)) in
            weight_codes.chunks_exact(group_size).zip(codes.chunks_exact(group_size)).zip(w_scales.iter().zip(x_scales))
        {
            acc += group_sum_q8(wq, xq) as f32 * f32::from_le_bytes(*w_scale) * x_scale;
        }
        *o = acc;
    }
}

/// Q4 weights × i8-quantized activations: integer products per group, as for Q8.
fn matvec_q4(out: &mut [f32], w: &MatrixRef<'_>, codes: &[i8], x_scales: &[f32]) {
    let group_size = w.group_size;
    let groups = w.cols / group_size;
    for (r, o) in out.iter_mut().enumerate() {
        let row = w.row(r);
        let (scale_bytes, nibbles) = row.split_at(4 * groups);
        let mut acc = 0.0f32;
        for (g, (packed, (xq, &x_scale))) in
            nibbles.chunks_exact(group_size / 2).zip(codes.chunks_exact(group_size).zip(x_scales.iter())).enumerate()
        {
            let sum: i32 = packed
                .iter()
                .zip(xq.as_chunks::<2>().0)
                .map(|(&byte, &[lo, hi])| ((byte & 0x0F) as i32 - 8) * lo as i32 + ((byte >> 4) as i32 - 8) * hi as i32)
                .sum();
            acc += sum as f32 * f32_at(scale_bytes, 4 * g) * x_scale;
        }
        *o = acc;
    }
}

fn matvec_ternary(out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) {
    for (r, o) in out.iter_mut().enumerate() {
        let row = w.row(r);
        let mut acc = 0.0f32;
        for (c, &v) in x.iter().enumerate() {
            match (row[4 + c / 4] >> (2 * (c % 4))) & 0b11 {
                0b01 => acc += v,
                0b10 => acc -= v,
                _ => {}
            }
        }
        *o = acc * f32_at(row, 0);
    }
}

impl Kernels for PortableKernels {
    fn matvec(&mut self, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) {
        debug_assert_eq!(x.len(), w.cols);
        debug_assert_eq!(out.len(), w.rows);
        match w.quant {
            Quant::F32 | Quant::Raw => matvec_f32(out, w, x),
            Quant::Ternary => matvec_ternary(out, w, x),
            Quant::Q4 => {
                self.ensure_capacity(w.cols);
                let groups = w.cols / w.group_size;
                let codes = &mut self.activation_codes[..w.cols];
                let scales = &mut self.activation_scales[..groups];
                quantize_activations(x, w.group_size, codes, scales);
                matvec_q4(out, w, codes, scales);
            }
            Quant::Q8 => {
                self.ensure_capacity(w.cols);
                let groups = w.cols / w.group_size;
                let codes = &mut self.activation_codes[..w.cols];
                let scales = &mut self.activation_scales[..groups];
                quantize_activations(x, w.group_size, codes, scales);
                let wide = &mut self.wide_codes[..w.cols];
                for (wide, &code) in wide.iter_mut().zip(codes.iter()) {
                    *wide = code as i16;
                }
                matvec_q8(out, w, wide, scales);
            }
        }
    }

    fn dot(&mut self, a: &[f32], b: &[f32]) -> f32 {
        dot_sequential(a, b)
    }

    fn attention_scores(&mut self, scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
        attention_scores_interleaved(scores, q, keys, stride, scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::quantize_matrix;

    fn reference(values: &[f32], rows: usize, cols: usize, x: &[f32]) -> Vec<f32> {
        (0..rows).map(|r| (0..cols).map(|c| values[r * cols + c] * x[c]).sum()).collect()
    }

    #[test]
    fn every_format_matches_the_dequantized_product() {
        let (rows, cols, group) = (5, 32, 8);
        let values: Vec<f32> = (0..rows * cols).map(|i| libm::sinf(i as f32 * 1.3)).collect();
        let x: Vec<f32> = (0..cols).map(|i| libm::cosf(i as f32 * 0.4)).collect();
        let mut kernels = PortableKernels::new(cols);
        for quant in [Quant::F32, Quant::Q8, Quant::Q4, Quant::Ternary] {
            let data = quantize_matrix(quant, &values, rows, cols, group);
            let stride = quant.row_stride(cols as u32, group as u32).unwrap() as usize;
            let w = MatrixRef { quant, rows, cols, group_size: group, row_stride: stride, data: &data };
            let mut dequantized = vec![0.0; rows * cols];
            for r in 0..rows {
                dequantize_row(quant, w.row(r), group, &mut dequantized[r * cols..(r + 1) * cols]);
            }
            let want = reference(&dequantized, rows, cols, &x);
            let mut got = vec![0.0; rows];
            kernels.matvec(&mut got, &w, &x);
            // Q8 and Q4 add the activation rounding (half a step of 1/127 per group).
            let tolerance = if matches!(quant, Quant::Q8 | Quant::Q4) { 0.05 } else { 1e-4 };
            for (a, b) in want.iter().zip(&got) {
                assert!((a - b).abs() < tolerance, "{quant:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let mut kernels = PortableKernels::new(1);
        let mut x = [1.0, 3.0, 2.0, -50.0];
        kernels.softmax(&mut x);
        assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(x[1] > x[2] && x[2] > x[0] && x[0] > x[3]);
    }
}
