//! EE tests of the R5900 kernels, run in the simulator (or PCSX2) through the runner:
//! `cargo test -p llm-kernels-r5900 --test ee_kernels`. On the host this file builds to an empty program.
//!
//! - Q8: the MMI kernel must be bit-identical to `PortableKernels` (random matrices, odd shapes, unaligned
//!   rows, raw codes including -128).
//! - f32: the FPU truncates toward zero where the portable soft-float code rounds to nearest. Each of the
//!   `n` products and `n` additions of a dot product then errs by less than one unit in the last place
//!   (2^-23 relative) of a value no larger than `S = Σ|aᵢbᵢ|`, against half a unit for round-to-nearest; so the
//!   two results differ by less than `2n · 2^-23 · S · 1.5 ≤ (n + 1) · 2^-21 · S`, plus 2^-126 for a flushed
//!   denormal. The tests assert that bound.
//! - A benchmark prints the cycles of one Q8 matvec (288×288 and 768×288, group 32), portable vs R5900.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::vec;
    use alloc::vec::Vec;

    use llm_engine::kernels::{Kernels, PortableKernels};
    use llm_engine::quant::{MatrixRef, Quant, quantize_matrix};
    use llm_engine::kernels::quantize_activations;
    use llm_engine::quant::f32_at;
    use llm_kernels_r5900::{Q8Scaling, R5900Kernels};
    use llm_kernels_r5900::backend::{self, Quad};
    use ps2_alloc as _;
    use ps2_sys::clock::Instant;

    ps2_sys::test_main!(
        integer_quantizer_matches_the_engine,
        mmi_group_sums_match_scalar_sums,
        q8_matvec_is_bit_identical_to_portable,
        q8_matvec_with_raw_codes_including_minus_128,
        q8_fpu_scaling_is_within_its_bound,
        q8_spr_streaming_is_bit_identical_to_the_fpu_product,
        f32_matvec_is_within_the_truncation_bound,
        dot_and_axpy_are_within_the_truncation_bound,
        vu0_attention_and_axpy_are_within_their_bounds,
        rope_is_within_the_truncation_bound,
        softmax_is_within_its_documented_error,
        rmsnorm_is_within_the_truncation_bound,
        silu_mul_is_within_its_documented_error,
        forward_pass_agrees_with_the_portable_kernels,
        benchmark_q8_and_f32_matvec,
        benchmark_softmax_and_rmsnorm,
        benchmark_flagship_shape_forward,
    );

    /// Marsaglia xorshift32: reproducible data without a dependency.
    struct XorShift(u32);

    impl XorShift {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }

        /// Uniform in [-1, 1), 2^-23 steps.
        fn unit(&mut self) -> f32 {
            (self.next() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        }

        fn vec(&mut self, n: usize) -> Vec<f32> {
            (0..n).map(|_| self.unit()).collect()
        }
    }

    /// A stored matrix placed `shift` bytes into its buffer (shift 1..3 misaligns every row).
    struct Stored {
        bytes: Vec<u8>,
        shift: usize,
        quant: Quant,
        rows: usize,
        cols: usize,
        group: usize,
    }

    impl Stored {
        fn new(quant: Quant, encoded: &[u8], rows: usize, cols: usize, group: usize, shift: usize) -> Self {
            let mut bytes = vec![0xA5; shift];
            bytes.extend_from_slice(encoded);
            Self { bytes, shift, quant, rows, cols, group }
        }

        fn random(quant: Quant, rng: &mut XorShift, rows: usize, cols: usize, group: usize, shift: usize) -> Self {
            let values = rng.vec(rows * cols);
            Self::new(quant, &quantize_matrix(quant, &values, rows, cols, group), rows, cols, group, shift)
        }

        fn view(&self) -> MatrixRef<'_> {
            let stride = self.quant.row_stride(self.cols as u32, self.group as u32).unwrap() as usize;
            MatrixRef {
                quant: self.quant,
                rows: self.rows,
                cols: self.cols,
                group_size: self.group,
                row_stride: stride,
                data: &self.bytes[self.shift..],
            }
        }
    }

    fn matvec_both(w: &MatrixRef<'_>, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut want, mut got) = (vec![0.0; w.rows], vec![0.0; w.rows]);
        PortableKernels::new(w.cols).matvec(&mut want, w, x);
        R5900Kernels::new(w.cols).matvec(&mut got, w, x);
        (want, got)
    }

    fn assert_bit_identical(want: &[f32], got: &[f32], what: &str) {
        for (r, (a, b)) in want.iter().zip(got).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{what}: row {r}: portable {a} vs R5900 {b}");
        }
    }

    /// The documented bound between a round-to-nearest and a truncating sum of `n` products.
    fn truncation_bound(n: usize, sum_abs_products: f32) -> f32 {
        (n as f32 + 1.0) * sum_abs_products / (1u32 << 21) as f32 + f32::MIN_POSITIVE
    }

    fn integer_quantizer_matches_the_engine() {
        let mut rng = XorShift(0xACE1);
        for (n, group, magnitude) in [(288, 32, 1.0f32), (768, 64, 40.0), (96, 8, 1e-3), (64, 16, 1e5)] {
            let mut x: Vec<f32> = (0..n).map(|_| rng.unit() * magnitude).collect();
            x[n / 2] = 0.0;
            x[n / 3] = f32::from_bits(rng.next()); // any bit pattern, NaN and denormals included
            let groups = n / group;
            let (mut want, mut want_scales) = (vec![0i8; n], vec![0.0f32; groups]);
            let (mut got, mut got_scales) = (vec![0i8; n], vec![0.0f32; groups]);
            quantize_activations(&x, group, &mut want, &mut want_scales);
            llm_kernels_r5900::quantize::quantize_activations(&x, group, &mut got, &mut got_scales);
            assert_eq!(got, want, "codes {n}/{group}");
            for (a, b) in want_scales.iter().zip(&got_scales) {
                assert_eq!(a.to_bits(), b.to_bits(), "scales {n}/{group}");
            }
        }
        // Products at and around halves (k + 0.5, a few units in the last place either side): the FPU path
        // must leave those to the exact rounding (-128 from `quantize_pairs`), and the codes must still match.
        let max = 3.0f32;
        let mut x: Vec<f32> = Vec::new();
        for k in -126..126 {
            let centre = (k as f32 + 0.5) * (max / 127.0);
            for ulps in -3i32..=3 {
                x.push(f32::from_bits((centre.to_bits() as i32 + ulps) as u32));
            }
        }
        x.push(max);
        x.truncate(x.len() / 32 * 32);
        let inv = 127.0 / max;
        let mut fast = vec![0i8; x.len()];
        let undecided = backend::quantize_pairs(&x, inv, &mut fast);
        assert!(undecided > 0, "no product was left to the exact rounding");
        for (i, (&code, &v)) in fast.iter().zip(&x).enumerate() {
            let exact = libm::roundf(v * inv) as i8;
            assert!(code == exact || code == i8::MIN, "[{i}] {v:e}: FPU code {code}, exact {exact}");
        }
        let (mut want, mut want_scales) = (vec![0i8; x.len()], vec![0.0f32; x.len() / 32]);
        let (mut got, mut got_scales) = (vec![0i8; x.len()], vec![0.0f32; x.len() / 32]);
        quantize_activations(&x, 32, &mut want, &mut want_scales);
        llm_kernels_r5900::quantize::quantize_activations(&x, 32, &mut got, &mut got_scales);
        assert_eq!(got, want, "codes around halves");
        // Random bit patterns against a fixed scale, element by element.
        for _ in 0..2000 {
            let (v, inv) = (f32::from_bits(rng.next()), 127.0 / (rng.unit().abs() + 1e-3));
            let want = libm::roundf(v * inv) as i8; // the engine's per-element expression
            assert_eq!(llm_kernels_r5900::quantize::round_product_to_i8(v, inv), want, "{v:e} · {inv:e}");
        }
    }

    fn mmi_group_sums_match_scalar_sums() {
        let mut rng = XorShift(0x9E37_79B9);
        for (groups, chunks) in [(1, 1), (3, 1), (2, 3), (2, 4), (9, 4), (1, 36)] {
            let n = groups * chunks * 8;
            let codes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            let quads: Vec<Quad> =
                (0..n / 8).map(|_| Quad(core::array::from_fn(|_| (rng.next() as u8 as i8) as i16))).collect();
            let mut sums = vec![0x5555_5555; groups];
            backend::q8_group_sums(&codes, &quads, chunks, &mut sums);
            let mut converted = vec![f32::NAN; groups];
            backend::q8_group_sums_f32(&codes, &quads, chunks, &mut converted);
            for (&sum, &float) in sums.iter().zip(&converted) {
                assert_eq!(float.to_bits(), (sum as f32).to_bits(), "{groups} groups of {chunks} chunks: as f32");
            }
            for (g, &sum) in sums.iter().enumerate() {
                let want: i32 = (g * chunks * 8..(g + 1) * chunks * 8)
                    .map(|i| codes[i] as i8 as i32 * quads[i / 8].0[i % 8] as i32)
                    .sum();
                assert_eq!(sum, want, "{groups} groups of {chunks} chunks: group {g}");
            }
        }
    }

    fn q8_matvec_is_bit_identical_to_portable() {
        let mut rng = XorShift(0x1234_5678);
        for (rows, cols, group, shift) in
            [(1, 8, 8, 0), (7, 24, 8, 1), (5, 96, 32, 3), (3, 72, 24, 2), (17, 288, 32, 0), (2, 128, 64, 1), (4, 40, 40, 0)]
        {
            let stored = Stored::random(Quant::Q8, &mut rng, rows, cols, group, shift);
            let mut x = rng.vec(cols);
            x[cols / 2] *= 40.0; // an outlier, so groups get different scales
            let (want, got) = matvec_both(&stored.view(), &x);
            assert_bit_identical(&want, &got, "q8");
        }
    }

    fn q8_matvec_with_raw_codes_including_minus_128() {
        // Codes straight from the generator (the converter never writes -128, a file could).
        let mut rng = XorShift(0xDEAD_BEEF);
        let (rows, cols, group) = (6, 64, 16);
        let groups = cols / group;
        let mut encoded = Vec::new();
        for r in 0..rows {
            for g in 0..groups {
                encoded.extend_from_slice(&(0.001 * (1 + r + g) as f32).to_le_bytes());
            }
            encoded.extend((0..cols).map(|c| if c % 7 == 0 { 0x80 } else { rng.next() as u8 }));
        }
        let stored = Stored::new(Quant::Q8, &encoded, rows, cols, group, 1);
        let x: Vec<f32> = (0..cols).map(|c| if c % 5 == 0 { -3.0 } else { rng.unit() * 3.0 }).collect();
        let (want, got) = matvec_both(&stored.view(), &x);
        assert_bit_identical(&want, &got, "raw q8");
    }

    /// `Σ_g |sum_g · w_scale_g · x_scale_g|` of row `r`: the magnitude the FPU-scaled result's bound scales with.
    fn q8_term_magnitude(w: &MatrixRef<'_>, r: usize, x: &[f32]) -> f32 {
        let groups = w.cols / w.group_size;
        let (mut codes, mut scales) = (vec![0i8; w.cols], vec![0.0f32; groups]);
        quantize_activations(x, w.group_size, &mut codes, &mut scales);
        let row = w.row(r);
        (0..groups)
            .map(|g| {
                let sum: i32 = (g * w.group_size..(g + 1) * w.group_size)
                    .map(|c| row[4 * groups + c] as i8 as i32 * codes[c] as i32)
                    .sum();
                (sum as f32 * f32_at(row, 4 * g) * scales[g]).abs()
            })
            .sum()
    }

    fn q8_fpu_scaling_is_within_its_bound() {
        let mut rng = XorShift(0x5EED_0001);
        for (rows, cols, group, shift) in [
            (1, 8, 8, 0),
            (7, 24, 8, 1),
            (2, 32, 32, 0),
            (4, 64, 32, 1),
            (5, 96, 32, 3),
            (6, 256, 32, 0),
            (17, 288, 32, 2),
            (5, 192, 64, 0),
            (4, 128, 64, 2),
            (3, 768, 64, 0),
        ] {
            let stored = Stored::random(Quant::Q8, &mut rng, rows, cols, group, shift);
            let w = stored.view();
            let x = rng.vec(cols);
            let (mut want, mut got) = (vec![0.0; rows], vec![0.0; rows]);
            PortableKernels::new(cols).matvec(&mut want, &w, &x);
            R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu).matvec(&mut got, &w, &x);
            for r in 0..rows {
                let bound = truncation_bound(cols / group, q8_term_magnitude(&w, r, &x));
                assert!(
                    (want[r] - got[r]).abs() <= bound,
                    "q8 fpu {rows}x{cols}/{group}: row {r}: portable {} vs R5900 {} (bound {bound})",
                    want[r],
                    got[r]
                );
            }
        }
    }

    fn f32_matvec_is_within_the_truncation_bound() {
        let mut rng = XorShift(0x0BAD_F00D);
        for (rows, cols, shift) in [(1, 1, 0), (3, 13, 0), (5, 33, 1), (4, 64, 2), (9, 288, 0)] {
            let stored = Stored::random(Quant::F32, &mut rng, rows, cols, 1, shift);
            let x = rng.vec(cols);
            let w = stored.view();
            let (want, got) = matvec_both(&w, &x);
            for r in 0..rows {
                let row = w.row(r);
                let sum_abs: f32 =
                    (0..cols).map(|c| (llm_engine::quant::f32_at(row, 4 * c) * x[c]).abs()).sum();
                let bound = truncation_bound(cols, sum_abs);
                assert!(
                    (want[r] - got[r]).abs() <= bound,
                    "f32 {rows}x{cols}: row {r}: portable {} vs R5900 {} (bound {bound})",
                    want[r],
                    got[r]
                );
            }
        }
        // 16-byte-aligned rows and input, a multiple of 8 columns: the VU0 path (the attention routine).
        use llm_engine::buffer::F32Buffer;
        for (rows, cols) in [(1, 8), (7, 64), (9, 288)] {
            let mut matrix = F32Buffer::zeroed(rows * cols, "matrix").unwrap();
            matrix.iter_mut().zip(rng.vec(rows * cols)).for_each(|(m, v)| *m = v);
            let mut x = F32Buffer::zeroed(cols, "x").unwrap();
            x.iter_mut().zip(rng.vec(cols)).for_each(|(m, v)| *m = v);
            // SAFETY: the f32s' bytes, as the model loader sees them.
            let bytes = unsafe { core::slice::from_raw_parts(matrix.as_ptr().cast::<u8>(), 4 * matrix.len()) };
            let w = MatrixRef { quant: Quant::F32, rows, cols, group_size: 1, row_stride: 4 * cols, data: bytes };
            assert!(backend::vu0_fits(&x) && backend::vu0_fits(&matrix[..cols]));
            let (want, got) = matvec_both(&w, &x);
            for r in 0..rows {
                let row = &matrix[r * cols..(r + 1) * cols];
                let sum_abs: f32 = row.iter().zip(x.iter()).map(|(a, b)| (a * b).abs()).sum();
                let bound = truncation_bound(cols, sum_abs);
                assert!((want[r] - got[r]).abs() <= bound, "vu0 f32 {rows}x{cols}: row {r}: {} vs {}", want[r], got[r]);
            }
        }
    }

    fn dot_and_axpy_are_within_the_truncation_bound() {
        let mut rng = XorShift(77);
        let mut kernels = R5900Kernels::new(1);
        for n in [1, 2, 7, 48, 301] {
            let (a, b) = (rng.vec(n), rng.vec(n));
            let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let got = kernels.dot(&a, &b);
            let sum_abs: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
            assert!((want - got).abs() <= truncation_bound(n, sum_abs), "dot {n}: {want} vs {got}");
            // Exactly representable values: the FPU must agree bit for bit.
            let halves: Vec<f32> = (0..n).map(|i| (i % 9) as f32 * 0.5).collect();
            let want: f32 = halves.iter().map(|v| v * v).sum();
            assert_eq!(kernels.dot(&halves, &halves), want, "exact dot {n}");

            let mut out = b.clone();
            kernels.axpy(&mut out, -1.75, &a);
            for i in 0..n {
                let want = b[i] + -1.75 * a[i];
                let bound = truncation_bound(1, b[i].abs() + (1.75 * a[i]).abs());
                assert!((out[i] - want).abs() <= bound, "axpy {n}[{i}]: {want} vs {}", out[i]);
            }
        }
        assert_eq!(kernels.dot(&[], &[]), 0.0);
    }

    /// VU0 attention (the default of `R5900Kernels`) against the portable scores: every score within
    /// `(n + 2)·2^-21·|scale|·Σ|q·k|` (n + 1 truncating roundings, `backend::attention_scores_vu0`), each axpy
    /// element within one rounding of its terms. Aligned buffers take the VU0 path (asserted); a misaligned `q`
    /// takes the FPU path and meets the same bound.
    fn vu0_attention_and_axpy_are_within_their_bounds() {
        use llm_engine::buffer::F32Buffer;
        let mut rng = XorShift(4242);
        let mut vu0 = R5900Kernels::new(1);
        assert!(vu0.vu0(), "VU0 attention is the default");
        let mut portable = PortableKernels::new(1);
        for head_size in [8, 32, 48, 64] {
            let kv_dim = 2 * head_size;
            for positions in [1, 5, 33] {
                let mut keys = F32Buffer::zeroed(positions * kv_dim, "keys").unwrap();
                keys.iter_mut().zip(rng.vec(positions * kv_dim)).for_each(|(k, v)| *k = v);
                let mut q = F32Buffer::zeroed(head_size + 4, "q").unwrap();
                q.iter_mut().zip(rng.vec(head_size + 4)).for_each(|(k, v)| *k = v);
                let keys = &keys[head_size..]; // the second KV head
                let scale = 1.0 / libm::sqrtf(head_size as f32);
                for (label, q) in [("aligned", &q[..head_size]), ("misaligned", &q[1..head_size + 1])] {
                    assert_eq!(backend::vu0_fits(q) && backend::vu0_fits(&keys[..head_size]), label == "aligned");
                    let mut want = vec![0.0; positions];
                    let mut got = vec![0.0; positions];
                    portable.attention_scores(&mut want, q, keys, kv_dim, scale);
                    vu0.attention_scores(&mut got, q, keys, kv_dim, scale);
                    for t in 0..positions {
                        let key = &keys[t * kv_dim..][..head_size];
                        let sum_abs: f32 = q.iter().zip(key).map(|(a, b)| (a * b).abs()).sum();
                        let bound = truncation_bound(head_size + 1, sum_abs * scale);
                        assert!(
                            (want[t] - got[t]).abs() <= bound,
                            "{label} scores hs {head_size} t {t}/{positions}: {} vs {} (bound {bound})",
                            want[t],
                            got[t]
                        );
                    }
                }
                let mut out = F32Buffer::zeroed(head_size, "out").unwrap();
                out.iter_mut().zip(rng.vec(head_size)).for_each(|(o, v)| *o = v);
                let start: Vec<f32> = out.to_vec();
                let value = &keys[..head_size];
                assert!(backend::vu0_fits(&out) && backend::vu0_fits(value));
                vu0.axpy(&mut out, -0.625, value);
                for i in 0..head_size {
                    let want = start[i] + -0.625 * value[i];
                    let bound = truncation_bound(1, start[i].abs() + (0.625 * value[i]).abs());
                    assert!((out[i] - want).abs() <= bound, "vu0 axpy hs {head_size}[{i}]: {want} vs {}", out[i]);
                }
            }
        }
    }

    /// RoPE on the FPU against the portable rotation: each output within one truncation of each product and
    /// of the sum (`2^-21·(|a·c| + |b·s|)`), for head sizes 8-64 and 1-6 heads; a head size that is not a
    /// multiple of 4 takes the portable loop and matches exactly.
    fn rope_is_within_the_truncation_bound() {
        let mut rng = XorShift(0x0B0E);
        let mut kernels = R5900Kernels::new(1);
        let mut portable = PortableKernels::new(1);
        for (head_size, heads) in [(8, 1), (32, 6), (48, 3), (64, 2), (6, 2)] {
            let pairs = head_size / 2;
            let angles: Vec<f32> = (0..pairs).map(|p| 0.37 * (p + 1) as f32).collect();
            let (cos, sin): (Vec<f32>, Vec<f32>) = angles.iter().map(|&a| (libm::cosf(a), libm::sinf(a))).unzip();
            let x = rng.vec(head_size * heads);
            let (mut want, mut got) = (x.clone(), x.clone());
            portable.rope(&mut want, &cos, &sin, head_size);
            kernels.rope(&mut got, &cos, &sin, head_size);
            for i in 0..x.len() {
                let (a, b, p) = (x[i & !1], x[i | 1], (i % head_size) / 2);
                let bound = ((a * cos[p]).abs() + (b * sin[p]).abs() + (a * sin[p]).abs() + (b * cos[p]).abs())
                    / (1u32 << 21) as f32
                    + f32::MIN_POSITIVE;
                if head_size % 4 == 0 {
                    assert!((want[i] - got[i]).abs() <= bound, "rope hs {head_size} [{i}]: {} vs {}", want[i], got[i]);
                } else {
                    assert_eq!(want[i].to_bits(), got[i].to_bits(), "portable rope hs {head_size} [{i}]");
                }
            }
        }
    }

    /// Softmax: each exponential within `1e-6 + 2^-22·|x - max|` relative (reduction, polynomial and truncation),
    /// the sum and the final scaling within `(n + 2)·2^-22`, exponents below -86 giving at most e^-86 ≈ 4.5e-38.
    fn softmax_is_within_its_documented_error() {
        let mut rng = XorShift(31337);
        let mut kernels = R5900Kernels::new(1);
        for n in [1, 2, 5, 64, 257] {
            for spread in [1.0f32, 10.0, 50.0] {
                let input: Vec<f32> = (0..n).map(|_| rng.unit() * spread).collect();
                let mut want = input.clone();
                PortableKernels::new(1).softmax(&mut want);
                let mut got = input.clone();
                kernels.softmax(&mut got);
                let max = input.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                for i in 0..n {
                    let relative = 1e-6 + ((max - input[i]) + (n as f32 + 2.0)) / (1u32 << 22) as f32;
                    let bound = want[i] * relative + 1e-37;
                    assert!(
                        (want[i] - got[i]).abs() <= bound,
                        "softmax n={n} spread {spread}: [{i}] portable {} vs R5900 {} (bound {bound})",
                        want[i],
                        got[i]
                    );
                }
            }
        }
    }

    /// Rmsnorm: the sum of squares within `n·2^-22` relative, its inverse square root within half that, and
    /// two truncating products.
    fn rmsnorm_is_within_the_truncation_bound() {
        let mut rng = XorShift(4242);
        let mut kernels = R5900Kernels::new(1);
        for n in [1, 3, 48, 288, 769] {
            let (x, w) = (rng.vec(n), rng.vec(n));
            let (mut want, mut got) = (vec![0.0; n], vec![0.0; n]);
            PortableKernels::new(1).rmsnorm(&mut want, &x, &w, 1e-5);
            kernels.rmsnorm(&mut got, &x, &w, 1e-5);
            for i in 0..n {
                let bound = want[i].abs() * (n as f32 + 4.0) / (1u32 << 22) as f32 + 1e-37;
                assert!((want[i] - got[i]).abs() <= bound, "rmsnorm n={n}: [{i}] {} vs {}", want[i], got[i]);
            }
        }
    }

    /// SwiGLU gate: relative error within `2e-6 + 2^-22·(|gate| + 8)` (the exponential of `-gate`, then one
    /// addition, division and product, each truncated); below the -88 clamp, an absolute error under
    /// `1e-37·|gate·up|`.
    fn silu_mul_is_within_its_documented_error() {
        let mut rng = XorShift(0x0511);
        for spread in [1.0f32, 8.0, 30.0, 100.0] {
            let n = 301;
            let gates: Vec<f32> = (0..n).map(|_| rng.unit() * spread).collect();
            let up = rng.vec(n);
            let mut got = gates.clone();
            backend::silu_mul(&mut got, &up);
            for i in 0..n {
                let want = gates[i] / (1.0 + libm::expf(-gates[i])) * up[i];
                let relative = 2e-6 + (gates[i].abs() + 8.0) / (1u32 << 22) as f32;
                let bound = want.abs() * relative + 1e-37 * (gates[i] * up[i]).abs() + 1e-37;
                assert!(
                    (want - got[i]).abs() <= bound,
                    "silu gate {} up {}: want {want} got {} (bound {bound})",
                    gates[i],
                    up[i],
                    got[i]
                );
            }
        }
    }

    fn benchmark_softmax_and_rmsnorm() {
        let mut rng = XorShift(99);
        let scores: Vec<f32> = (0..256).map(|_| rng.unit() * 8.0).collect();
        let (x, w) = (rng.vec(288), rng.vec(288));
        let mut out = vec![0.0; 288];
        let mut portable = PortableKernels::new(1);
        let mut r5900 = R5900Kernels::new(1);
        let mut measure = |kernels: &mut dyn Kernels| {
            let mut att = scores.clone();
            let start = Instant::now();
            kernels.softmax(&mut att);
            let softmax = Instant::now().cycles_since(start);
            let start = Instant::now();
            kernels.rmsnorm(&mut out, &x, &w, 1e-5);
            (softmax, Instant::now().cycles_since(start))
        };
        // SwiGLU's gate over a hidden layer of 512: the engine's loop vs backend::silu_mul.
        let gates: Vec<f32> = (0..512).map(|_| rng.unit() * 6.0).collect();
        let up = rng.vec(512);
        let mut h = gates.clone();
        let start = Instant::now();
        for (h, &up) in h.iter_mut().zip(&up) {
            let gate = *h;
            *h = gate / (1.0 + libm::expf(-gate)) * up;
        }
        let silu_portable = Instant::now().cycles_since(start);
        let mut h = gates.clone();
        let start = Instant::now();
        backend::silu_mul(&mut h, &up);
        let silu_r5900 = Instant::now().cycles_since(start);
        ps2_sys::println!("\nbench SwiGLU gate 512: engine loop {silu_portable} cycles, backend::silu_mul {silu_r5900} cycles");
        let (softmax_portable, rmsnorm_portable) = measure(&mut portable);
        let (softmax_r5900, rmsnorm_r5900) = measure(&mut r5900);
        ps2_sys::println!(
            "\nbench softmax 256: portable {softmax_portable} cycles, R5900 {softmax_r5900} cycles; \
             rmsnorm 288: portable {rmsnorm_portable} cycles, R5900 {rmsnorm_r5900} cycles"
        );
    }

    /// The shape of a small random test model (GQA, SwiGLU, shared classifier).
    fn small_config() -> llm_engine::ModelConfig {
        llm_engine::ModelConfig {
            dim: 64,
            hidden_dim: 160,
            n_layers: 2,
            n_heads: 4,
            n_kv_heads: 2,
            vocab_size: 256,
            seq_len: 16,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            shared_classifier: true,
            group_size: 32,
        }
    }

    /// The shape of the ps2-rs demo model (the `llm` example's: dim 192, hidden 512, 5 layers, 6 heads,
    /// 3 KV heads, vocab 2048, context 128), with Q8 groups of 64.
    fn flagship_config() -> llm_engine::ModelConfig {
        llm_engine::ModelConfig {
            dim: 192,
            hidden_dim: 512,
            n_layers: 5,
            n_heads: 6,
            n_kv_heads: 3,
            vocab_size: 2048,
            seq_len: 128,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            shared_classifier: true,
            group_size: 64,
        }
    }

    /// Q8 rows with random codes and scales written directly (quantizing millions of floats in soft-float
    /// would dominate the test's run time).
    fn random_q8(rng: &mut XorShift, rows: usize, cols: usize, group: usize, amplitude: f32) -> Vec<u8> {
        let stride = Quant::Q8.row_stride(cols as u32, group as u32).unwrap() as usize;
        let mut data = Vec::with_capacity(rows * stride);
        for _ in 0..rows {
            let start = data.len();
            for _ in 0..cols / group {
                data.extend_from_slice(&(amplitude / 127.0 * (0.75 + 0.25 * rng.unit())).to_le_bytes());
            }
            data.extend((0..cols).map(|_| (rng.next() % 255) as u8 ^ 0x80)); // codes in [-127, 127]
            data.resize(start + stride, 0);
        }
        data
    }

    /// A random model of `config` in `quant`, norms in f32 near 1, weights of amplitude 1/sqrt(cols).
    fn random_model(config: &llm_engine::ModelConfig, quant: Quant, rng: &mut XorShift) -> Vec<u8> {
        use llm_engine::TensorRole;
        use llm_engine::format::{TensorSpec, write_model};
        let mut tensors = Vec::new();
        for role in TensorRole::ALL {
            if role == TensorRole::Tokenizer || role == TensorRole::Classifier {
                continue;
            }
            let layers = if role.is_per_layer() { config.n_layers as u16 } else { 1 };
            for layer in 0..layers {
                let (rows, cols) = config.expected_shape(role).unwrap();
                let (r, c, g) = (rows as usize, cols as usize, config.group_size as usize);
                let amplitude = 1.0 / libm::sqrtf(cols as f32);
                let (q, data) = if role.is_norm() {
                    let values: Vec<f32> = (0..r * c).map(|_| 1.0 + 0.2 * rng.unit()).collect();
                    (Quant::F32, quantize_matrix(Quant::F32, &values, r, c, g))
                } else if quant == Quant::Q8 {
                    (quant, random_q8(rng, r, c, g, amplitude))
                } else {
                    let values: Vec<f32> = (0..r * c).map(|_| rng.unit() * amplitude).collect();
                    (quant, quantize_matrix(quant, &values, r, c, g))
                };
                tensors.push((TensorSpec { role, layer, quant: q, rows, cols }, data));
            }
        }
        write_model(config, &tensors).unwrap()
    }

    /// Logits of each of `tokens` and the mean cycles per token.
    fn forward_logits<K: Kernels>(file: &[u8], kernels: K, tokens: &[u32]) -> (Vec<Vec<f32>>, u64) {
        use llm_engine::{InMemoryWeights, Transformer};
        let mut model = Transformer::new(InMemoryWeights::new(file).unwrap(), kernels).unwrap();
        let start = Instant::now();
        let logits = tokens.iter().enumerate().map(|(pos, &t)| model.forward(t, pos).unwrap().to_vec()).collect();
        (logits, Instant::now().cycles_since(start) / tokens.len() as u64)
    }

    /// Runs `tokens` through `config` with each kernel set: the logits must agree with the portable ones
    /// within 1% of their largest magnitude (the FPU's truncation can move an activation across a Q8 rounding
    /// boundary, which changes one code by one step); prints the cycles per token.
    fn compare_forward(config: &llm_engine::ModelConfig, quant: Quant, tokens: &[u32], what: &str) {
        let mut rng = XorShift(0xF0F0_1234);
        let file = random_model(config, quant, &mut rng);
        let cols = config.hidden_dim.max(config.dim) as usize;
        let (want, portable) = forward_logits(&file, PortableKernels::new(cols), tokens);
        let (exact, exact_cycles) = forward_logits(&file, R5900Kernels::new(cols), tokens);
        let kernels = R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu);
        let (fpu, fpu_cycles) = forward_logits(&file, kernels, tokens);
        for (name, got) in [("exact", &exact), ("fpu", &fpu)] {
            for (pos, (w, g)) in want.iter().zip(got).enumerate() {
                let largest = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                for (i, (a, b)) in w.iter().zip(g).enumerate() {
                    assert!((a - b).abs() <= 0.01 * largest, "{what} {quant:?} {name}: pos {pos} logit {i}: {a} vs {b}");
                }
            }
        }
        ps2_sys::println!(
            "\nbench forward {what} {quant:?}: portable {portable}, R5900 {exact_cycles}, R5900 FPU-scaled \
             {fpu_cycles} cycles/token"
        );
    }

    fn forward_pass_agrees_with_the_portable_kernels() {
        let tokens = [1, 72, 101, 108, 108, 111];
        compare_forward(&small_config(), Quant::Q8, &tokens, "dim 64 hidden 160 2 layers");
        compare_forward(&small_config(), Quant::F32, &tokens, "dim 64 hidden 160 2 layers");
    }

    fn benchmark_flagship_shape_forward() {
        compare_forward(&flagship_config(), Quant::Q8, &[1, 400, 1999], "dim 192 hidden 512 5 layers vocab 2048");
    }

    /// Cycles of one call of `kernels.matvec`. A first call with another vector sizes the scratch, so the
    /// measured call neither allocates nor finds its vector already quantized.
    /// `with_spr_streaming(true)` copies the rows into the scratchpad by DMA and runs the same routines on the
    /// copies: the outputs must be bit-identical to the unstreamed `Q8Scaling::Fpu` product. Shapes: rows that
    /// fill no buffer (one chunk), matrices larger than the whole scratchpad (several chunks, both buffers
    /// reused), every routine (groups of 8, 32 unaligned and aligned, 64), misaligned rows, and a row longer
    /// than a buffer (the fallback).
    fn q8_spr_streaming_is_bit_identical_to_the_fpu_product() {
        let mut rng = XorShift(0x5EED_0002);
        for (rows, cols, group, shift) in [
            (1, 8, 8, 0),
            (7, 24, 8, 1),
            (5, 96, 32, 3),
            (17, 288, 32, 2),
            (60, 288, 32, 0),
            (101, 288, 32, 1),
            (30, 1024, 8, 0),
            (9, 768, 32, 2),
            (40, 768, 64, 0),
            (21, 192, 64, 0),
            (3, 8192, 64, 0),
        ] {
            let stored = Stored::random(Quant::Q8, &mut rng, rows, cols, group, shift);
            let w = stored.view();
            let x = rng.vec(cols);
            let (mut want, mut got) = (vec![0.0; rows], vec![f32::NAN; rows]);
            R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu).matvec(&mut want, &w, &x);
            R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu).with_spr_streaming(true).matvec(&mut got, &w, &x);
            for (r, (a, b)) in want.iter().zip(&got).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "spr {rows}x{cols}/{group}+{shift}: row {r}: {a} vs streamed {b}");
            }
        }
        // Weights the CPU has just written (dirty in the data cache) are written back before the DMA reads them.
        let mut stored = Stored::random(Quant::Q8, &mut rng, 40, 288, 32, 0);
        let x = rng.vec(288);
        for byte in stored.bytes.iter_mut().skip(36).step_by(7) {
            *byte = byte.wrapping_add(3);
        }
        let w = stored.view();
        let (mut want, mut got) = (vec![0.0; 40], vec![0.0; 40]);
        // Streamed first: the other product would read the matrix through the cache and evict the dirty lines.
        R5900Kernels::new(288).with_q8_scaling(Q8Scaling::Fpu).with_spr_streaming(true).matvec(&mut got, &w, &x);
        R5900Kernels::new(288).with_q8_scaling(Q8Scaling::Fpu).matvec(&mut want, &w, &x);
        assert_eq!(want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), got.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }

    fn cycles_of(kernels: &mut dyn Kernels, out: &mut [f32], w: &MatrixRef<'_>, x: &[f32]) -> u64 {
        let other: Vec<f32> = x.iter().map(|v| -v).collect();
        kernels.matvec(out, w, &other);
        let start = Instant::now();
        kernels.matvec(out, w, x);
        Instant::now().cycles_since(start)
    }

    fn benchmark_q8_and_f32_matvec() {
        let mut rng = XorShift(2024);
        // The soft-float activation quantization every Q8 product starts with (shared by all variants).
        let x = rng.vec(288);
        let (mut codes, mut scales) = (vec![0i8; 288], vec![0.0f32; 9]);
        let start = Instant::now();
        quantize_activations(&x, 32, &mut codes, &mut scales);
        let engine = Instant::now().cycles_since(start);
        let start = Instant::now();
        llm_kernels_r5900::quantize::quantize_activations(&x, 32, &mut codes, &mut scales);
        let integer = Instant::now().cycles_since(start);
        ps2_sys::println!("\nbench quantize_activations 288 group 32: engine {engine} cycles, integer {integer} cycles");
        for (quant, rows, cols, group) in
            [(Quant::Q8, 288, 288, 32), (Quant::Q8, 768, 288, 32), (Quant::F32, 288, 288, 1)]
        {
            let stored = Stored::random(quant, &mut rng, rows, cols, group, 0);
            let w = stored.view();
            let x = rng.vec(cols);
            let mut out = vec![0.0; rows];
            let portable = cycles_of(&mut PortableKernels::new(cols), &mut out, &w, &x);
            let exact = cycles_of(&mut R5900Kernels::new(cols), &mut out, &w, &x);
            let speedup = |cycles: u64| (portable / cycles.max(1), portable * 100 / cycles.max(1) % 100);
            let (whole, hundredths) = speedup(exact);
            ps2_sys::println!(
                "\nbench {quant:?} {rows}x{cols} group {group}: portable {portable} cycles, R5900 {exact} cycles ({whole}.{hundredths:02}x)"
            );
            if quant == Quant::Q8 {
                let kernels = &mut R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu);
                let fpu = cycles_of(kernels, &mut out, &w, &x);
                let (whole, hundredths) = speedup(fpu);
                ps2_sys::println!("bench {quant:?} {rows}x{cols} group {group}: R5900 FPU-scaled {fpu} cycles ({whole}.{hundredths:02}x)");
                let kernels = &mut R5900Kernels::new(cols).with_q8_scaling(Q8Scaling::Fpu).with_spr_streaming(true);
                let spr = cycles_of(kernels, &mut out, &w, &x);
                let (whole, hundredths) = speedup(spr);
                ps2_sys::println!("bench {quant:?} {rows}x{cols} group {group}: R5900 FPU-scaled, SPR-streamed {spr} cycles ({whole}.{hundredths:02}x)");
            }
        }
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_kernels: EE-only tests, run with `cargo test -p llm-kernels-r5900 --test ee_kernels` (EE target)");
}
