//! The Q8 matrix-vector product: the portable algorithm with its integer core on MMI.
//!
//! `llm_engine::PortableKernels` quantizes the activations to i8 per group, sums `w_code · x_code` per group in
//! i32, and then, in f32, `acc += sum as f32 · w_scale · x_scale`. This module does exactly the same: it
//! quantizes with [`crate::quantize`] (bit-identical to the engine's function, in integer arithmetic), gets the
//! same i32 group sums from MMI `pmaddh` ([`backend::q8_group_sums_f32`], converted to f32 exactly), and
//! applies the scales with the same Rust expression in the same order, in soft-float: bit-identical outputs.

use alloc::vec::Vec;

use llm_engine::quant::{MatrixRef, f32_at};

use crate::Q8Scaling;
use crate::backend::{self, CHUNK, Quad, ScaleQuad};
use crate::quantize::quantize_activations;

/// Scratch for one Q8 product: quantized activations (i8 and widened to i16 quads), their scales, and the
/// group sums of one row. Grows on demand and is reused across calls.
///
/// The forward pass multiplies the same vector by several matrices in a row (Wq, Wk, Wv; W1, W3), so the
/// scratch remembers the bit pattern and group size it last quantized and skips quantizing them again:
/// quantization depends on nothing else, so the results stay identical.
#[derive(Clone, Debug, Default)]
pub struct Q8Scratch {
    codes: Vec<i8>,
    scales: Vec<f32>,
    quads: Vec<Quad>,
    /// For [`backend::q8_matvec_vu0`] (allocated on its first use): `quads` and `scales` padded with zeros to
    /// whole blocks of four groups of 32.
    vu0_quads: Vec<Quad>,
    vu0_scales: Vec<ScaleQuad>,
    sums: Vec<f32>,
    /// Bits of the vector `codes`/`scales`/`quads` hold, and its group size (0: nothing held).
    quantized_bits: Vec<u32>,
    quantized_group: usize,
}

impl Q8Scratch {
    /// Scratch sized for vectors up to `max_cols` elements (it grows when a larger one comes).
    pub fn new(max_cols: usize) -> Self {
        let mut scratch = Self::default();
        scratch.reserve(max_cols);
        scratch
    }

    fn reserve(&mut self, cols: usize) {
        if self.codes.len() < cols {
            self.codes.resize(cols, 0);
            self.scales.resize(cols, 0.0);
            self.sums.resize(cols, 0.0);
            self.quads.resize(cols.div_ceil(CHUNK), Quad::default());
        }
    }

    /// Whether [`matvec`](Self::matvec) handles this matrix: Q8 data whose group size is a positive multiple of
    /// 8 (one MMI chunk) dividing `cols`, and whose rows hold their scales and codes. Other shapes go to the
    /// portable kernel.
    pub fn supports(w: &MatrixRef<'_>) -> bool {
        let gs = w.group_size;
        gs > 0
            && gs.is_multiple_of(CHUNK)
            && w.cols.is_multiple_of(gs)
            && w.row_stride >= 4 * (w.cols / gs) + w.cols
            && w.data.len() / w.row_stride.max(1) >= w.rows
    }

    /// Quantizes `x` into `codes`, `scales` and `quads` unless they already hold exactly this vector.
    fn quantize(&mut self, x: &[f32], group_size: usize) {
        let held = self.quantized_group == group_size
            && self.quantized_bits.len() == x.len()
            && self.quantized_bits.iter().zip(x).all(|(&bits, v)| bits == v.to_bits());
        if held {
            return;
        }
        let cols = x.len();
        let codes = &mut self.codes[..cols];
        quantize_activations(x, group_size, codes, &mut self.scales[..cols / group_size]);
        for (quad, chunk) in self.quads[..cols / CHUNK].iter_mut().zip(codes.as_chunks::<CHUNK>().0) {
            for (lane, &code) in quad.0.iter_mut().zip(chunk) {
                *lane = code as i16;
            }
        }
        self.quantized_bits.clear();
        self.quantized_bits.extend(x.iter().map(|v| v.to_bits()));
        self.quantized_group = group_size;
    }

    /// `out[r] = Σ_g (Σ_{c∈g} w_code·x_code) · w_scale[r][g] · x_scale[g]`, bit-identical to the portable
    /// kernel with [`Q8Scaling::Exact`], within the bound documented there with [`Q8Scaling::Fpu`].
    /// Requires [`supports`](Self::supports)`(w)`, `x.len() == w.cols` and `out.len() <= w.rows`.
    pub fn matvec(&mut self, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32], scaling: Q8Scaling) {
        self.matvec_streamed(out, w, x, scaling, false, false);
    }

    /// [`matvec`](Self::matvec); with [`Q8Scaling::Fpu`] and `spr_streaming`, the rows are streamed through the
    /// scratchpad by DMA ([`backend::q8_matvec_fpu_spr`], bit-identical to the unstreamed product).
    /// With [`Q8Scaling::Fpu`], `vu0` and groups of 32, the scales are applied on VU0
    /// ([`backend::q8_matvec_vu0`], within its bound of the exact result).
    pub fn matvec_streamed(
        &mut self,
        out: &mut [f32],
        w: &MatrixRef<'_>,
        x: &[f32],
        scaling: Q8Scaling,
        spr_streaming: bool,
        vu0: bool,
    ) {
        assert!(Self::supports(w) && x.len() == w.cols && out.len() <= w.rows, "Q8 matvec: shape mismatch");
        let (cols, group_size) = (w.cols, w.group_size);
        let groups = cols / group_size;
        self.reserve(cols);
        self.quantize(x, group_size);
        if scaling == Q8Scaling::Fpu && vu0 && group_size == 32 {
            let blocks = groups.div_ceil(4);
            // Whole blocks of four groups: the missing groups' activations and scales are zero, so they add nothing.
            self.vu0_quads.clear();
            self.vu0_quads.extend_from_slice(&self.quads[..cols / CHUNK]);
            self.vu0_quads.resize(16 * blocks, Quad::default());
            self.vu0_scales.clear();
            self.vu0_scales.extend(self.scales[..groups].chunks(4).map(|four| {
                ScaleQuad(core::array::from_fn(|i| four.get(i).copied().unwrap_or(0.0)))
            }));
            backend::q8_matvec_vu0(out, w.data, w.row_stride, &self.vu0_quads, &self.vu0_scales, groups, spr_streaming);
            return;
        }
        let scales = &self.scales[..groups];
        let quads = &self.quads[..cols / CHUNK];
        let sums = &mut self.sums[..groups];
        if scaling == Q8Scaling::Fpu {
            let product = if spr_streaming { backend::q8_matvec_fpu_spr } else { backend::q8_matvec_fpu };
            product(out, w.data, w.row_stride, quads, group_size / CHUNK, scales);
            return;
        }
        for (r, o) in out.iter_mut().enumerate() {
            let row = w.row(r);
            let (scale_bytes, weight_codes) = row.split_at(4 * groups);
            // `sum as f32`, converted by `cvt.s.w` where that is exact (always, for groups up to 1024).
            backend::q8_group_sums_f32(&weight_codes[..cols], quads, group_size / CHUNK, sums);
            // The same expression, in the same order, as the portable kernel: bit-identical results.
            let mut acc = 0.0f32;
            for (g, (&sum, &x_scale)) in sums.iter().zip(scales.iter()).enumerate() {
                acc += sum * f32_at(scale_bytes, 4 * g) * x_scale;
            }
            *o = acc;
        }
    }
}
