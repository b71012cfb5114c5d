//! The primitives the kernels are built from, with one implementation per architecture:
//! R5900 assembly on the EE (the private `ee` module), and plain Rust elsewhere, so host builds and tests run the
//! same scaffolding (activation widening, group walking, scale application) around a reference core.
//!
//! Every function here takes safe slices and checks the lengths the assembly relies on, so no caller
//! can make the assembly read or write out of bounds.

/// Eight sign-extended activation codes, 16-byte aligned so one `lq` loads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct Quad(pub [i16; 8]);

/// Elements per MMI chunk: one `pmaddh` multiplies eight halfword pairs.
pub const CHUNK: usize = 8;

/// Four activation scales, 16-byte aligned so one VU0 `lqc2` loads them ([`q8_matvec_vu0`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(16))]
pub struct ScaleQuad(pub [f32; 4]);

/// Bytes past a row's codes that [`q8_matvec_vu0`]'s routine may read (it works in blocks of four groups of 32,
/// plus the aligned quad after): `128 · ⌈groups / 4⌉ − 32 · groups + 16`.
pub const fn q8_vu0_overread(groups: usize) -> usize {
    128 * groups.div_ceil(4) - 32 * groups + 16
}

/// For each group `g`, `sums[g] = Σ codes[i] · activations[i]` over the group's
/// `chunks_per_group · 8` elements (`codes` as i8, wrapping i32 arithmetic like the portable sum).
///
/// Panics when the slices are shorter than `sums.len()` groups.
pub fn q8_group_sums(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [i32]) {
    let chunks = sums.len() * chunks_per_group;
    assert!(codes.len() >= chunks * CHUNK && activations.len() >= chunks, "q8_group_sums: short input");
    if sums.is_empty() || chunks_per_group == 0 {
        sums.fill(0);
        return;
    }
    imp::q8_group_sums(codes, activations, chunks_per_group, sums);
}

/// The largest group [`q8_group_sums_f32`] converts on the FPU: `1024 · 128 · 127 < 2^24`, so every sum is
/// exactly representable and `cvt.s.w` equals the round-to-nearest `as f32`.
pub const MAX_FPU_CONVERTED_GROUP: usize = 1024;

/// [`q8_group_sums`], each sum converted to f32 exactly as `sum as f32` (on the EE by `cvt.s.w`, exact for
/// groups up to [`MAX_FPU_CONVERTED_GROUP`] elements; larger groups convert in soft-float).
pub fn q8_group_sums_f32(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [f32]) {
    let chunks = sums.len() * chunks_per_group;
    assert!(codes.len() >= chunks * CHUNK && activations.len() >= chunks, "q8_group_sums_f32: short input");
    if sums.is_empty() || chunks_per_group == 0 {
        sums.fill(0.0);
        return;
    }
    if chunks_per_group * CHUNK <= MAX_FPU_CONVERTED_GROUP {
        imp::q8_group_sums_f32(codes, activations, chunks_per_group, sums);
    } else {
        for (g, out) in sums.iter_mut().enumerate() {
            let mut sum = [0i32];
            let range = g * chunks_per_group..(g + 1) * chunks_per_group;
            imp::q8_group_sums(&codes[range.start * CHUNK..range.end * CHUNK], &activations[range], chunks_per_group, &mut sum);
            *out = sum[0] as f32;
        }
    }
}

/// One Q8 row with the scales applied in f32: `Σ_g (sum_g as f32 · w_scale_g) · x_scales[g]`, where `sum_g` is
/// the group sum of [`q8_group_sums`] and `w_scale_g` the little-endian f32 at `w_scales[4g..]`.
///
/// The order is the portable kernel's; on the EE the FPU truncates (see [`crate::Q8Scaling::Fpu`]), elsewhere
/// the result is the portable one. Panics when the slices are shorter than `x_scales.len()` groups.
pub fn q8_row_fpu(codes: &[u8], activations: &[Quad], chunks_per_group: usize, x_scales: &[f32], w_scales: &[u8]) -> f32 {
    let groups = x_scales.len();
    let chunks = groups * chunks_per_group;
    assert!(
        codes.len() >= chunks * CHUNK && activations.len() >= chunks && w_scales.len() >= 4 * groups,
        "q8_row_fpu: short input"
    );
    if groups == 0 || chunks_per_group == 0 {
        return 0.0;
    }
    imp::q8_row_fpu(codes, activations, chunks_per_group, x_scales, w_scales)
}

/// A whole Q8 matrix-vector product with the scales applied in f32: `out[r]` is [`q8_row_fpu`] of row `r`,
/// whose `4 · groups` little-endian f32 scales start at `matrix[r · row_stride]` and whose codes follow them
/// (`groups = x_scales.len()`). On the EE, groups of 32 run as one assembly routine over all rows.
///
/// Panics when `matrix` is shorter than `out.len()` such rows or `activations` shorter than the groups.
pub fn q8_matvec_fpu(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    chunks_per_group: usize,
    x_scales: &[f32],
) {
    if q8_matvec_needs_kernel(out, matrix, row_stride, activations, chunks_per_group, x_scales) {
        imp::q8_matvec_fpu(out, matrix, row_stride, activations, chunks_per_group, x_scales);
    }
}

/// The argument checks both whole-matrix products share: panics on short input, answers an empty product
/// itself (zeros, or nothing), and says whether the kernel has rows and groups to compute.
fn q8_matvec_needs_kernel(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    chunks_per_group: usize,
    x_scales: &[f32],
) -> bool {
    let groups = x_scales.len();
    let row_bytes = groups * (4 + chunks_per_group * CHUNK);
    let fits = out.is_empty() || (row_stride >= row_bytes && matrix.len() >= (out.len() - 1) * row_stride + row_bytes);
    assert!(fits && activations.len() >= groups * chunks_per_group, "q8_matvec_fpu: short input");
    if groups == 0 || chunks_per_group == 0 {
        out.fill(0.0);
        return false;
    }
    !out.is_empty()
}

/// [`q8_matvec_fpu`] with the rows streamed through the scratchpad: on the EE, toSPR DMA copies chunks of rows
/// (as many as fit in 8 KiB) into the two halves of the 16 KiB scratchpad, and the same whole-matrix routine
/// runs on each copy while the next chunk's transfer fills the other half. The arithmetic, the routines and
/// the order are those of [`q8_matvec_fpu`] (each copy keeps its bytes' addresses modulo 16, so the same
/// routine is chosen), so the results are bit-identical to it. Elsewhere it is [`q8_matvec_fpu`].
///
/// On the EE the data cache is written back (all of it, by index: 128 `CACHE` operations) before the first
/// transfer, because DMA reads memory behind the cache; see the README. The scratchpad is used whole while
/// this runs. A row longer than a buffer, or a matrix not in main RAM, takes [`q8_matvec_fpu`].
///
/// Panics as [`q8_matvec_fpu`] does.
pub fn q8_matvec_fpu_spr(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    chunks_per_group: usize,
    x_scales: &[f32],
) {
    #[cfg(target_arch = "mips")]
    if q8_matvec_needs_kernel(out, matrix, row_stride, activations, chunks_per_group, x_scales) {
        imp::q8_matvec_fpu_spr(out, matrix, row_stride, activations, chunks_per_group, x_scales);
    }
    #[cfg(not(target_arch = "mips"))]
    q8_matvec_fpu(out, matrix, row_stride, activations, chunks_per_group, x_scales);
}

/// The Q8 product for groups of 32 with the scales applied on VU0: the group sums of [`q8_matvec_fpu`] (exact,
/// from MMI `phmadh`, four groups at a time), converted and scaled as four lanes, `acc_lane += sum · (w · x)`,
/// the lanes added at the end. Each output differs from the exact one by at most
/// `(groups + 4) · 2^-22 · Σ_g |sum_g · w_scale_g · x_scale_g|` (two roundings per term, one per running sum of
/// a lane, two for the lanes; against nearest-rounded ones), the bound of [`q8_matvec_fpu`] with two more terms.
/// With `spr_streaming` the rows stream through the scratchpad as in [`q8_matvec_fpu_spr`].
///
/// `activations` holds the quads of `groups` groups (4 per group) followed by zero quads up to a whole block of
/// four groups; `x_scales` the scales in blocks of four, zero past `groups`. On the EE, a matrix whose last row
/// is not followed by [`q8_vu0_overread`] readable bytes in RAM takes [`q8_matvec_fpu`]. Elsewhere: the portable
/// arithmetic, as [`q8_matvec_fpu`].
///
/// Panics on short input or non-zero padding.
pub fn q8_matvec_vu0(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    x_scales: &[ScaleQuad],
    groups: usize,
    spr_streaming: bool,
) {
    let blocks = groups.div_ceil(4);
    assert!(activations.len() >= 16 * blocks && x_scales.len() >= blocks, "q8_matvec_vu0: short padding");
    let padding_is_zero = activations[4 * groups..16 * blocks].iter().all(|q| *q == Quad::default())
        && x_scales[..blocks].iter().flat_map(|q| q.0).skip(groups).all(|s| s == 0.0);
    assert!(padding_is_zero, "q8_matvec_vu0: the padding of the last block must be zero");
    let flat = flatten_scales(&x_scales[..blocks]);
    let scales = &flat[..groups];
    if !q8_matvec_needs_kernel(out, matrix, row_stride, activations, 4, scales) {
        return;
    }
    #[cfg(target_arch = "mips")]
    {
        let row_bytes = 36 * groups;
        let tail = q8_vu0_overread(groups);
        let compute = |out: &mut [f32], rows: &[u8]| crate::vu0::q8_matvec_g32(out, rows, row_stride, activations, x_scales, groups);
        let done = if spr_streaming {
            imp::stream_rows_through_spr(out, matrix, row_stride, row_bytes, tail, compute)
        } else {
            let end = (out.len() - 1) * row_stride + row_bytes + tail;
            let readable = imp::in_main_ram(matrix.as_ptr() as usize, end);
            if readable {
                compute(out, matrix);
            }
            readable
        };
        if !done {
            imp::q8_matvec_fpu(out, matrix, row_stride, activations, 4, scales);
        }
    }
    #[cfg(not(target_arch = "mips"))]
    {
        let _ = spr_streaming;
        imp::q8_matvec_fpu(out, matrix, row_stride, activations, 4, scales);
    }
}

/// `&[ScaleQuad]` as the f32s it holds.
fn flatten_scales(quads: &[ScaleQuad]) -> &[f32] {
    // SAFETY: `ScaleQuad` is `repr(C)` around `[f32; 4]` with size 16, so `len` of them are `4 · len` f32s.
    unsafe { core::slice::from_raw_parts(quads.as_ptr().cast::<f32>(), 4 * quads.len()) }
}

/// RoPE over heads of `head_size` floats: each pair `(a, b)` of head-relative index `p` becomes
/// `(a·cos[p] − b·sin[p], a·sin[p] + b·cos[p])`, each product rounded, then the sum (the portable order). On the
/// EE the FPU does it when `head_size` is a multiple of 4 and `values` whole heads (truncating: each output within
/// `2^-22 · (|a·cos| + |b·sin|)` of the rounded one); elsewhere, and for other shapes, the portable loop.
///
/// # Panics
/// If `cos` or `sin` is shorter than `head_size / 2`.
pub fn rope(values: &mut [f32], cos: &[f32], sin: &[f32], head_size: usize) {
    let pairs = head_size / 2;
    assert!(cos.len() >= pairs && sin.len() >= pairs, "rope: {pairs} angles needed");
    #[cfg(target_arch = "mips")]
    if head_size % 4 == 0 && head_size > 0 && !values.is_empty() && values.len().is_multiple_of(head_size) {
        return imp::rope(values, cos, sin, pairs);
    }
    if head_size == 0 {
        return;
    }
    for head in values.chunks_mut(head_size) {
        for (pair, (&c, &s)) in head.chunks_mut(2).zip(cos.iter().zip(sin)) {
            let (a, b) = (pair[0], pair[1]);
            pair[0] = a * c - b * s;
            pair[1] = a * s + b * c;
        }
    }
}

/// The activation quantizer's products on the EE's FPU: `codes[i]` = the engine's `roundf(x[i]·inv) as i8`, or
/// -128 where the truncating FPU product lies too close to a half for the two to be known equal; returns how
/// many those are (the caller redoes them with [`crate::quantize::round_product_to_i8`]). Requires `x.len()` even
/// and no larger than `codes`, finite values, and `|x[i]|·inv ≤ 127` (inv = 127 / the group's largest
/// magnitude). Elsewhere: the exact expression, never -128 for such input.
///
/// # Panics
/// If `x.len()` is odd or `codes` is shorter.
pub fn quantize_pairs(x: &[f32], inv: f32, codes: &mut [i8]) -> usize {
    assert!(x.len() % 2 == 0 && codes.len() >= x.len(), "quantize_pairs: odd or short input");
    if x.is_empty() {
        return 0;
    }
    #[cfg(target_arch = "mips")]
    return imp::quantize_pairs(x, inv, codes);
    #[cfg(not(target_arch = "mips"))]
    {
        for (c, &v) in codes.iter_mut().zip(x) {
            *c = crate::quantize::round_product_to_i8(v, inv);
        }
        0
    }
}

/// `Σ a[i] · b[i]`, accumulated in order. On the EE the FPU rounds toward zero (see the crate docs).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    imp::dot(&a[..n], &b[..n])
}

/// `out[i] += a · x[i]` (product rounded, then sum rounded, as the portable code does).
pub fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
    let n = out.len().min(x.len());
    if n == 0 {
        return;
    }
    imp::axpy(&mut out[..n], a, &x[..n]);
}

/// [`axpy`] on VU0 when both vectors pass [`vu0_fits`] (four fields per instruction; its float
/// rules are the FPU's, so the result is the same), else [`axpy`].
pub fn axpy_vu0(out: &mut [f32], a: f32, x: &[f32]) {
    let n = out.len().min(x.len());
    #[cfg(target_arch = "mips")]
    if vu0_fits(&out[..n]) && vu0_fits(&x[..n]) {
        return crate::vu0::axpy(&mut out[..n], a, &x[..n]);
    }
    axpy(&mut out[..n], a, &x[..n]);
}

/// Whether VU0's routines can take `v`: 16-byte aligned (`lqc2` needs it) and a positive multiple of
/// 8 floats (they work in pairs of quads).
pub fn vu0_fits(v: &[f32]) -> bool {
    !v.is_empty() && v.len() % 8 == 0 && v.as_ptr() as usize % 16 == 0
}

/// One attention head's scores: `scores[t] = dot(q, keys[t·stride ..][..q.len()]) · scale`.
///
/// On the EE, when `q` and the first key pass [`vu0_fits`] and `stride` keeps the keys aligned
/// (`stride % 4 == 0`), one VU0 routine does every position: each dot product in four lanes
/// (`vmadda` into ACC), the lanes added as `(a + b) + (c + d)`, then scaled, all truncating. Its
/// difference from the portable (round-to-nearest, sequential) score is below
/// `(n + 2) · 2^-21 · |scale| · Σ|q_i·k_i|`, the crate's truncation bound for `n + 1` roundings.
/// Otherwise [`dot`] per position and a multiplication. Elsewhere the portable arithmetic.
///
/// # Panics
/// If a key of `scores.len()` positions lies outside `keys`.
pub fn attention_scores_vu0(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
    if scores.is_empty() {
        return;
    }
    let n = q.len();
    assert!(
        (scores.len() - 1).checked_mul(stride).and_then(|end| end.checked_add(n)).is_some_and(|end| end <= keys.len()),
        "attention_scores_vu0: {} positions of {n} floats, stride {stride}, do not fit in {} keys",
        scores.len(),
        keys.len()
    );
    #[cfg(target_arch = "mips")]
    if vu0_fits(q) && vu0_fits(&keys[..n]) && stride % 4 == 0 {
        return crate::vu0::attention_scores(scores, q, keys, stride, scale);
    }
    for (t, score) in scores.iter_mut().enumerate() {
        *score = dot(q, &keys[t * stride..][..n]) * scale;
    }
}

/// `x[i] = exp(x[i] - shift)`, returning `Σ x[i]` (the middle of a softmax; `shift` is the maximum).
///
/// On the EE: Cody-Waite reduction and a degree-7 polynomial on the FPU, relative error about
/// `1e-6 + 2^-22·|x[i] - shift|` per element, exponents below -86 give e^-86 instead of 0, no Inf/NaN;
/// elsewhere `libm::expf`, as the portable softmax.
pub fn exp_shifted(x: &mut [f32], shift: f32) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    imp::exp_shifted(x, shift)
}

/// SwiGLU's gate in place: `h[i] = h[i] / (1 + exp(-h[i])) · up[i]` (the portable expression and order).
///
/// On the EE the exponential is [`exp_shifted`]'s (argument clamped to [-86, 88]) and the division and product
/// truncate: relative error about `2e-6 + 2^-22·|h[i]|`; gates below -88 give results of about `1e-38·|h|`
/// instead of smaller ones. Elsewhere `libm::expf`, as the engine.
pub fn silu_mul(h: &mut [f32], up: &[f32]) {
    let n = h.len().min(up.len());
    if n > 0 {
        imp::silu_mul(&mut h[..n], &up[..n]);
    }
}

/// `x[i] *= s`.
pub fn scale(x: &mut [f32], s: f32) {
    if !x.is_empty() {
        imp::scale(x, s);
    }
}

/// `out[i] = (x[i] · s) · w[i]` (rmsnorm's last step, in the portable order).
pub fn scale_mul(out: &mut [f32], x: &[f32], w: &[f32], s: f32) {
    let n = out.len().min(x.len()).min(w.len());
    if n > 0 {
        imp::scale_mul(&mut out[..n], &x[..n], &w[..n], s);
    }
}

#[cfg(target_arch = "mips")]
use crate::ee as imp;

#[cfg(not(target_arch = "mips"))]
mod imp {
    //! Reference implementations with the exact arithmetic of `llm_engine::PortableKernels`.
    use super::{CHUNK, Quad};

    pub fn q8_group_sums(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [i32]) {
        let group = chunks_per_group * CHUNK;
        for (g, sum) in sums.iter_mut().enumerate() {
            let codes = &codes[g * group..(g + 1) * group];
            let quads = &activations[g * chunks_per_group..(g + 1) * chunks_per_group];
            let lanes = quads.iter().flat_map(|q| q.0);
            *sum = codes.iter().zip(lanes).fold(0i32, |acc, (&w, x)| acc.wrapping_add(w as i8 as i32 * x as i32));
        }
    }

    pub fn q8_group_sums_f32(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [f32]) {
        let mut exact = alloc::vec![0; sums.len()];
        q8_group_sums(codes, activations, chunks_per_group, &mut exact);
        for (out, sum) in sums.iter_mut().zip(exact) {
            *out = sum as f32;
        }
    }

    pub fn q8_row_fpu(codes: &[u8], activations: &[Quad], chunks_per_group: usize, x_scales: &[f32], w_scales: &[u8]) -> f32 {
        let mut sums = alloc::vec![0; x_scales.len()];
        q8_group_sums(codes, activations, chunks_per_group, &mut sums);
        let mut acc = 0.0f32;
        for (g, (&sum, &x_scale)) in sums.iter().zip(x_scales).enumerate() {
            acc += sum as f32 * llm_engine::quant::f32_at(w_scales, 4 * g) * x_scale;
        }
        acc
    }

    pub fn q8_matvec_fpu(
        out: &mut [f32],
        matrix: &[u8],
        row_stride: usize,
        activations: &[Quad],
        chunks_per_group: usize,
        x_scales: &[f32],
    ) {
        let codes_offset = 4 * x_scales.len();
        for (r, o) in out.iter_mut().enumerate() {
            let row = &matrix[r * row_stride..];
            *o = q8_row_fpu(&row[codes_offset..], activations, chunks_per_group, x_scales, row);
        }
    }

    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    pub fn exp_shifted(x: &mut [f32], shift: f32) -> f32 {
        let mut sum = 0.0;
        for v in x.iter_mut() {
            *v = libm::expf(*v - shift);
            sum += *v;
        }
        sum
    }

    pub fn silu_mul(h: &mut [f32], up: &[f32]) {
        for (h, &up) in h.iter_mut().zip(up) {
            let gate = *h;
            *h = gate / (1.0 + libm::expf(-gate)) * up;
        }
    }

    pub fn scale(x: &mut [f32], s: f32) {
        for v in x.iter_mut() {
            *v *= s;
        }
    }

    pub fn scale_mul(out: &mut [f32], x: &[f32], w: &[f32], s: f32) {
        for ((o, &v), &w) in out.iter_mut().zip(x).zip(w) {
            *o = v * s * w;
        }
    }

    pub fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o += a * v;
        }
    }
}
