//! Activation quantization with integer arithmetic, bit-identical to
//! [`llm_engine::kernels::quantize_activations`].
//!
//! The portable function spends about 400 EE cycles per element in soft-float (`v · inv`, `roundf`, the cast).
//! Here the same IEEE round-to-nearest product is formed from the two 24-bit significands with one 32×32→64
//! `multu`, rounded to 24 bits exactly as IEEE does (ties to even), and then rounded half away from zero to
//! an integer and saturated as `as i8` does. Inputs outside the plain case (denormals, Inf/NaN, a zero
//! scale) take the portable expression, so every input gives the portable result. The group maximum compares
//! the absolute values' bit patterns as integers, which orders non-NaN floats exactly as `f32::max`, and
//! skips NaNs as `f32::max` does.

/// Quantizes `x` to i8 per group of `group_size`, exactly as `llm_engine::kernels::quantize_activations`.
pub fn quantize_activations(x: &[f32], group_size: usize, codes: &mut [i8], scales: &mut [f32]) {
    if group_size == 0 {
        return;
    }
    for ((group, codes), scale) in x.chunks(group_size).zip(codes.chunks_mut(group_size)).zip(scales.iter_mut()) {
        let (mut max_bits, mut special) = (0, false);
        for v in group {
            let magnitude = v.to_bits() & 0x7FFF_FFFF;
            special |= magnitude >= 0x7F80_0000; // Inf or NaN
            if magnitude <= 0x7F80_0000 {
                max_bits = max_bits.max(magnitude);
            }
        }
        let max = f32::from_bits(max_bits);
        *scale = max / 127.0;
        let inv = if max > 0.0 { 127.0 / max } else { 0.0 };
        // On the EE the FPU does the products when nothing can go wrong there: finite values (it has no
        // Inf/NaN) and max ≥ 2^-100 (so denormals, which it reads as 0, round to code 0 anyway). Elements it
        // cannot decide come back as -128 and are redone exactly.
        if cfg!(target_arch = "mips") && !special && max_bits >= 0x0D80_0000 && group.len() % 2 == 0 {
            if crate::backend::quantize_pairs(group, inv, codes) > 0 {
                for (c, &v) in codes.iter_mut().zip(group) {
                    if *c == i8::MIN {
                        *c = round_product_to_i8(v, inv);
                    }
                }
            }
            continue;
        }
        for (c, &v) in codes.iter_mut().zip(group) {
            *c = round_product_to_i8(v, inv);
        }
    }
}

/// `libm::roundf(v * inv) as i8` (IEEE round-to-nearest-even product), computed in integers.
#[inline]
pub fn round_product_to_i8(v: f32, inv: f32) -> i8 {
    let (a, b) = (v.to_bits(), inv.to_bits());
    let (exp_a, exp_b) = ((a >> 23) & 0xFF, (b >> 23) & 0xFF);
    if a & 0x7FFF_FFFF == 0 {
        return 0; // ±0 · finite = ±0, rounds to 0 (and `inv` is never Inf/NaN here unless `v` is not finite)
    }
    if !(1..=254).contains(&exp_a) || !(1..=254).contains(&exp_b) {
        return libm::roundf(v * inv) as i8; // denormal, Inf, NaN or zero scale: the portable expression
    }
    let negative = (a ^ b) & 0x8000_0000 != 0;
    let product = ((a & 0x7F_FFFF) | 0x80_0000) as u64 * ((b & 0x7F_FFFF) | 0x80_0000) as u64; // in [2^46, 2^48)
    // Round the 47- or 48-bit product to 24 bits, ties to even.
    let shift = if product >> 47 != 0 { 24 } else { 23 };
    let mut significand = (product >> shift) as u32;
    let rest = product & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    if rest > half || (rest == half && significand & 1 == 1) {
        significand += 1; // may reach 2^24: still exact as a value, the exponent below stays right
    }
    // value = significand · 2^exponent
    let exponent = exp_a as i32 + exp_b as i32 - 2 * 150 + shift;
    let magnitude: u32 = if exponent >= 0 {
        u32::MAX // ≥ 2^23: saturates
    } else {
        let k = (-exponent) as u32;
        if k > 25 {
            0 // < 2^25 · 2^-26 = 0.5 (this also covers products IEEE would make denormal)
        } else {
            // Round half away from zero on the magnitude.
            ((significand as u64 + (1u64 << (k - 1))) >> k) as u32
        }
    };
    if negative {
        if magnitude >= 128 { i8::MIN } else { -(magnitude as i32) as i8 }
    } else if magnitude >= 127 {
        i8::MAX
    } else {
        magnitude as i8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn xorshift(state: &mut u32) -> u32 {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        *state
    }

    #[test]
    fn products_round_like_the_portable_expression_for_any_bit_patterns() {
        let mut state = 0x2545_F491;
        for i in 0..4_000_000u32 {
            let v = f32::from_bits(xorshift(&mut state));
            // Scales as the quantizer makes them (127/max) half of the time, arbitrary bits otherwise.
            let inv = if i % 2 == 0 { 127.0 / f32::from_bits(xorshift(&mut state) & 0x7FFF_FFFF) } else { f32::from_bits(xorshift(&mut state)) };
            assert_eq!(round_product_to_i8(v, inv), libm::roundf(v * inv) as i8, "{v:e} · {inv:e}");
        }
    }

    #[test]
    fn ties_and_saturation_match() {
        for (v, inv) in [(0.5f32, 1.0f32), (-0.5, 1.0), (1.5, 1.0), (2.5, 1.0), (-2.5, 1.0), (127.5, 1.0), (-128.5, 1.0),
            (-127.5, 1.0), (128.0, 1.0), (1e30, 1e30), (-1e30, 1e30), (1e-30, 1e-30), (0.0, f32::INFINITY),
            (f32::NAN, 1.0), (1.0, f32::NAN), (-0.0, 3.0), (f32::MIN_POSITIVE / 2.0, 1e30)]
        {
            assert_eq!(round_product_to_i8(v, inv), libm::roundf(v * inv) as i8, "{v:e} · {inv:e}");
        }
        // Exact halves after the product: v · inv = k + 0.5 for many k.
        for k in -130..130 {
            let v = k as f32 + 0.5;
            for inv in [1.0f32, 0.5, 2.0, 0.25] {
                let v = v / inv;
                assert_eq!(round_product_to_i8(v, inv), libm::roundf(v * inv) as i8, "{v:e} · {inv:e}");
            }
        }
    }

    #[test]
    fn vectors_quantize_exactly_as_the_engine_does() {
        let mut state = 7;
        for (n, group) in [(8, 8), (288, 32), (100, 25), (64, 64)] {
            for magnitude in [1e-3f32, 1.0, 37.0, 1e6] {
                let mut x: Vec<f32> =
                    (0..n).map(|_| ((xorshift(&mut state) >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * magnitude).collect();
                x[n / 3] = f32::NAN;
                x[n / 2] = 0.0;
                let groups = n / group;
                let (mut want_codes, mut want_scales) = (vec![0i8; n], vec![0.0f32; groups]);
                let (mut codes, mut scales) = (vec![0i8; n], vec![0.0f32; groups]);
                llm_engine::kernels::quantize_activations(&x, group, &mut want_codes, &mut want_scales);
                quantize_activations(&x, group, &mut codes, &mut scales);
                assert_eq!(codes, want_codes, "{n}/{group} ×{magnitude}");
                let bits = |s: &[f32]| s.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&scales), bits(&want_scales), "{n}/{group} ×{magnitude}");
            }
        }
    }
}
