//! R5900 (PlayStation 2 Emotion Engine) math kernels for [`llm_engine`].
//!
//! [`R5900Kernels`] implements [`Kernels`] with hand-written R5900 code for the hot paths, because the EE target
//! is soft-float (every f32 operation in compiled code is a library call) and has no SIMD in compiled code:
//!
//! - **Q8 matvec on MMI**: the per-group integer sums of the portable kernel, eight `i8·i8` products per
//!   `pmaddh`. Activation quantization is an integer rewrite checked equal by tests ([`quantize`]) and the
//!   scale application is the portable expression, so the output is **bit-identical** to
//!   [`PortableKernels`] (see [`q8`]). Applying the scales costs most of
//!   the time in soft-float, so [`Q8Scaling::Fpu`] offers the same sums scaled on the FPU (truncating).
//! - **Attention on VU0** (macro mode: `lqc2`, `vmadda` into ACC, `vmuli`): each head's scores in one call,
//!   the values' weighted sum four fields per instruction, when the vectors are 16-byte aligned (the engine's
//!   KV cache and activations are); see [`backend::attention_scores_vu0`] for the bound and
//!   [`R5900Kernels::with_vu0`] to turn it off.
//! - **f32 matvec on VU0** when the rows are 16-byte aligned (the attention routine with scale 1), else
//! - **f32 matvec, dot and axpy on the FPU** (`madda.s` into ACC, `mul.s`/`add.s`). The EE FPU is not IEEE
//!   754: it truncates every result toward zero, flushes denormals to zero and has no Inf/NaN. A sum of `n`
//!   products therefore differs from the round-to-nearest result by less than `(n + 1) · 2^-21 · Σ|aᵢbᵢ|`
//!   (two roundings per term, each below one unit in the last place, `2^-23` relative, against half a unit
//!   for round-to-nearest); the EE tests check that bound.
//! - **rmsnorm and softmax on the FPU**: the same formulas; the exponential is a Cody-Waite reduction with a
//!   degree-7 polynomial (relative error about `1e-6 + 2^-22·|x - max|`, see [`backend::exp_shifted`]).
//!   [`backend::silu_mul`] does SwiGLU's gate with it, for an engine that routes that loop to kernels.
//! - Q4 and ternary matrices and row decoding use the portable code.
//!
//! On every other architecture the primitives ([`backend`]) are plain Rust with the portable arithmetic, so
//! the crate builds and tests on the host and computes exactly what [`PortableKernels`] computes.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(target_arch = "mips", feature(asm_experimental_arch))]
#![warn(missing_docs)]

extern crate alloc;

pub mod backend;
#[cfg(target_arch = "mips")]
mod ee;
#[cfg(target_arch = "mips")]
mod vu0;
pub mod q8;
pub mod quantize;

use alloc::vec::Vec;

use llm_engine::kernels::{Kernels, PortableKernels};
use llm_engine::quant::{MatrixRef, Quant, f32_at};

use crate::q8::Q8Scratch;

/// How the Q8 kernel applies the weight and activation scales to its exact integer group sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Q8Scaling {
    /// The portable kernel's soft-float expression: outputs are bit-identical to [`PortableKernels`].
    #[default]
    Exact,
    /// `acc += (sum as f32 · w_scale) · x_scale` on the FPU, in the same order but truncating toward zero
    /// (`cvt.s.w`, two `mul.s`, one `add.s` per group). Against [`Exact`](Self::Exact) each output differs by
    /// at most `(groups + 2) · 2^-22 · Σ_g |sum_g · w_scale_g · x_scale_g|` (three truncations of at most
    /// 2^-23 per term, one per running sum, against the nearest-rounded ones), which is far below the
    /// quantization error of the activations themselves (1/254 of a group's largest value). About 3.7× faster
    /// than `Exact` on the EE (see the README). Exact as long as `|sum_g| < 2^24`, i.e. for groups up to 1024 elements.
    Fpu,
}

/// [`Kernels`] for the Emotion Engine: MMI for Q8, the FPU for f32, the portable code for the rest.
#[derive(Clone, Debug)]
pub struct R5900Kernels {
    portable: PortableKernels,
    q8: Q8Scratch,
    /// One f32 row, for stored rows that are not 4-byte aligned (the FPU loads aligned words).
    row: Vec<f32>,
    q8_scaling: Q8Scaling,
    spr_streaming: bool,
    vu0: bool,
}

impl R5900Kernels {
    /// Kernels with scratch for input vectors up to `max_cols` elements (larger ones grow it).
    pub fn new(max_cols: usize) -> Self {
        Self {
            portable: PortableKernels::new(max_cols),
            q8: Q8Scratch::new(max_cols),
            row: Vec::new(),
            q8_scaling: Q8Scaling::Exact,
            spr_streaming: false,
            vu0: true,
        }
    }

    /// The same kernels with Q8 scales applied as `scaling` says ([`Q8Scaling::Exact`] by default).
    pub fn with_q8_scaling(mut self, scaling: Q8Scaling) -> Self {
        self.q8_scaling = scaling;
        self
    }

    /// The same kernels with the [`Q8Scaling::Fpu`] Q8 products streaming their rows through the scratchpad
    /// by DMA when `on` ([`backend::q8_matvec_fpu_spr`]: same results; off by default, see the README for
    /// what it gains in the simulator's model). No effect with [`Q8Scaling::Exact`]. During each product it
    /// owns the whole 16 KiB scratchpad and the toSPR DMA channel (9): a program that keeps its own data in the
    /// scratchpad, or runs toSPR transfers of its own, must leave this off.
    pub fn with_spr_streaming(mut self, on: bool) -> Self {
        self.spr_streaming = on;
        self
    }

    /// The same kernels with attention on VU0 in macro mode when `on` (the default): scores by
    /// [`backend::attention_scores_vu0`], the weighted sum of values by [`backend::axpy_vu0`]. With
    /// `off`, the FPU does them. The kernels then use VU0's VF1–VF6, ACC and I register between
    /// instructions of their own; a program that runs VU0 micro code at the same time must turn this off.
    pub fn with_vu0(mut self, on: bool) -> Self {
        self.vu0 = on;
        self
    }

    /// Whether attention runs on VU0.
    pub fn vu0(&self) -> bool {
        self.vu0
    }

    /// Whether the Q8 products stream their rows through the scratchpad.
    pub fn spr_streaming(&self) -> bool {
        self.spr_streaming
    }

    /// How Q8 scales are applied.
    pub fn q8_scaling(&self) -> Q8Scaling {
        self.q8_scaling
    }

    fn matvec_f32(&mut self, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) {
        let cols = x.len();
        if self.vu0 && cfg!(target_endian = "little") && !out.is_empty() && w.row_stride.is_multiple_of(16) {
            // Rows that start on 16-byte boundaries are the keys of an attention head with scale 1 (exact): one
            // VU0 routine for the whole product.
            let used = (out.len() - 1) * w.row_stride + 4 * cols;
            // SAFETY: every bit pattern is a valid f32; `align_to` only returns a body that is aligned.
            let (prefix, rows, _) = unsafe { w.data[..used].align_to::<f32>() };
            if prefix.is_empty() && backend::vu0_fits(x) && backend::vu0_fits(&rows[..cols]) {
                backend::attention_scores_vu0(out, x, rows, w.row_stride / 4, 1.0);
                return;
            }
        }
        for (r, o) in out.iter_mut().enumerate() {
            let row = &w.row(r)[..4 * cols];
            // SAFETY: every bit pattern is a valid f32; `align_to` only returns a body that is aligned.
            let (prefix, body, _) = unsafe { row.align_to::<f32>() };
            *o = if cfg!(target_endian = "little") && prefix.is_empty() {
                backend::dot(&body[..cols], x)
            } else {
                self.row.clear();
                self.row.extend((0..cols).map(|c| f32_at(row, 4 * c)));
                backend::dot(&self.row, x)
            };
        }
    }
}

impl Kernels for R5900Kernels {
    fn matvec(&mut self, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) {
        match w.quant {
            Quant::F32 | Quant::Raw if x.len() == w.cols && w.row_stride >= 4 * w.cols => self.matvec_f32(out, w, x),
            Quant::Q8 if Q8Scratch::supports(w) && x.len() == w.cols && out.len() <= w.rows => {
                self.q8.matvec_streamed(out, w, x, self.q8_scaling, self.spr_streaming, self.vu0)
            }
            _ => self.portable.matvec(out, w, x),
        }
    }

    fn dot(&mut self, a: &[f32], b: &[f32]) -> f32 {
        backend::dot(a, b)
    }

    /// The portable formula with the sum of squares ([`backend::dot`]) and the scaling
    /// ([`backend::scale_mul`]) on the FPU; the one square root stays soft-float.
    fn rmsnorm(&mut self, out: &mut [f32], x: &[f32], weight: &[f32], eps: f32) {
        let sum_sq = backend::dot(x, x);
        let inv = 1.0 / libm::sqrtf(sum_sq / x.len() as f32 + eps);
        backend::scale_mul(out, x, weight, inv);
    }

    /// The portable formula with the exponentials and scaling on the FPU ([`backend::exp_shifted`]).
    fn softmax(&mut self, x: &mut [f32]) {
        let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let sum = backend::exp_shifted(x, max);
        backend::scale(x, 1.0 / sum);
    }

    fn silu_mul(&mut self, h: &mut [f32], up: &[f32]) {
        backend::silu_mul(h, up);
    }

    fn rope(&mut self, values: &mut [f32], cos: &[f32], sin: &[f32], head_size: usize) {
        backend::rope(values, cos, sin, head_size);
    }

    fn attention_scores(&mut self, scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
        if self.vu0 {
            backend::attention_scores_vu0(scores, q, keys, stride, scale);
        } else {
            for (t, score) in scores.iter_mut().enumerate() {
                *score = backend::dot(q, &keys[t * stride..][..q.len()]) * scale;
            }
        }
    }

    fn axpy(&mut self, out: &mut [f32], a: f32, x: &[f32]) {
        if self.vu0 {
            backend::axpy_vu0(out, a, x)
        } else {
            backend::axpy(out, a, x)
        }
    }
}

#[cfg(test)]
mod tests;
