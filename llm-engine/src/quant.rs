//! Storage formats of tensors and their (de)quantization.
//!
//! Every quantized matrix is stored row by row; a row is `[scales][codes]`, padded to a multiple
//! of 4 bytes. Keeping a row's scales beside its codes means one row (an embedding lookup) is one
//! contiguous read, and a kernel walks the matrix strictly forwards.
//!
//! | quant   | row layout                                                         |
//! |---------|--------------------------------------------------------------------|
//! | F32     | `cols × f32`                                                       |
//! | Q8      | `(cols/G) × f32 scale`, then `cols × i8` (`w ≈ q·scale`, q ∈ ±127) |
//! | Q4      | `(cols/G) × f32 scale`, then `cols/2` bytes; element `2i` in the low nibble, stored `q+8`, q ∈ [-8, 7] |
//! | Ternary | one f32 scale (mean \|w\|), then `ceil(cols/4)` bytes, 2 bits per element, lowest bits first: `00`=0, `01`=+1, `10`=−1 |
//! | Raw     | opaque bytes (tokenizer blob)                                      |

use alloc::vec::Vec;

/// Storage format of one tensor (the code is stored in the directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quant {
    /// Little-endian f32.
    F32 = 0,
    /// 8-bit symmetric, one f32 scale per group of G elements.
    Q8 = 1,
    /// 4-bit symmetric, one f32 scale per group of G elements.
    Q4 = 2,
    /// Ternary {-1, 0, +1}, one f32 scale per row.
    Ternary = 3,
    /// Opaque bytes.
    Raw = 4,
}

impl Quant {
    /// Decodes a stored code.
    pub fn from_code(code: u8) -> Option<Self> {
        [Self::F32, Self::Q8, Self::Q4, Self::Ternary, Self::Raw].get(code as usize).copied()
    }

    /// Name as used on the converter's command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Q8 => "q8",
            Self::Q4 => "q4",
            Self::Ternary => "ternary",
            Self::Raw => "raw",
        }
    }

    /// Bytes of one stored row of `cols` elements, or `None` when `cols` does not fit the
    /// format (not a multiple of the group size, or zero).
    pub fn row_stride(self, cols: u32, group_size: u32) -> Option<u32> {
        if cols == 0 {
            return None;
        }
        let grouped = |code_bytes: u32| -> Option<u32> {
            if group_size == 0 || !cols.is_multiple_of(group_size) {
                return None;
            }
            let scale_bytes = (cols / group_size).checked_mul(4)?;
            Some(round4(scale_bytes.checked_add(code_bytes)?))
        };
        match self {
            Self::F32 => cols.checked_mul(4),
            Self::Raw => Some(cols),
            Self::Q8 => grouped(cols),
            Self::Q4 => {
                if !group_size.is_multiple_of(2) {
                    return None;
                }
                grouped(cols / 2)
            }
            Self::Ternary => Some(round4(4 + cols.div_ceil(4))),
        }
    }
}

fn round4(value: u32) -> u32 {
    value.div_ceil(4) * 4
}

/// Where a tensor holds a non-finite number that must be finite: every value of an f32 tensor,
/// every scale of a Q8, Q4 or ternary one (a NaN or infinite scale turns a whole group of weights
/// into NaN). Returns the byte offset within `data` of the first one, or `None` when all are
/// finite (raw data is not checked). `data` is the tensor's rows of `row_stride` bytes each.
pub fn first_non_finite(quant: Quant, cols: usize, group_size: usize, row_stride: usize, data: &[u8]) -> Option<usize> {
    let floats_per_row = match quant {
        Quant::F32 => cols,
        Quant::Q8 | Quant::Q4 => cols.checked_div(group_size)?,
        Quant::Ternary => 1,
        Quant::Raw => return None,
    };
    if row_stride == 0 {
        return None;
    }
    for (r, row) in data.chunks(row_stride).enumerate() {
        for (i, bytes) in row.as_chunks::<4>().0.iter().take(floats_per_row).enumerate() {
            // Exponent all ones: infinity or NaN. An integer test, cheap on the soft-float EE.
            if u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) & 0x7F80_0000 == 0x7F80_0000 {
                return Some(r * row_stride + 4 * i);
            }
        }
    }
    None
}

/// Reads the little-endian f32 at byte `at`.
#[inline(always)]
pub fn f32_at(bytes: &[u8], at: usize) -> f32 {
    let mut value = [0; 4];
    value.copy_from_slice(&bytes[at..at + 4]);
    f32::from_le_bytes(value)
}

/// A borrowed, stored matrix: the view kernels compute with.
#[derive(Clone, Copy, Debug)]
pub struct MatrixRef<'a> {
    /// Storage format.
    pub quant: Quant,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Elements per scale (Q8/Q4).
    pub group_size: usize,
    /// Bytes per stored row.
    pub row_stride: usize,
    /// `rows × row_stride` bytes.
    pub data: &'a [u8],
}

impl<'a> MatrixRef<'a> {
    /// Bytes of row `row`.
    pub fn row(&self, row: usize) -> &'a [u8] {
        &self.data[row * self.row_stride..(row + 1) * self.row_stride]
    }
}

fn round_half_away(value: f32) -> f32 {
    libm::roundf(value)
}

/// Encodes one row of f32 values in `quant`, appending `row_stride` bytes to `out`.
pub fn quantize_row(quant: Quant, row: &[f32], group_size: usize, out: &mut Vec<u8>) {
    let start = out.len();
    match quant {
        Quant::F32 | Quant::Raw => {
            for value in row {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        Quant::Q8 | Quant::Q4 => {
            let limit = if quant == Quant::Q8 { 127.0 } else { 7.0 };
            let mut scales = Vec::with_capacity(row.len() / group_size);
            for group in row.chunks(group_size) {
                let max = group.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                scales.push(if max > 0.0 { max / limit } else { 0.0 });
            }
            for scale in &scales {
                out.extend_from_slice(&scale.to_le_bytes());
            }
            let code = |value: f32, scale: f32| -> i32 {
                if scale == 0.0 {
                    return 0;
                }
                let q = round_half_away(value / scale);
                q.clamp(-limit - if quant == Quant::Q4 { 1.0 } else { 0.0 }, limit) as i32
            };
            if quant == Quant::Q8 {
                for (group, &scale) in row.chunks(group_size).zip(&scales) {
                    out.extend(group.iter().map(|&v| code(v, scale) as i8 as u8));
                }
            } else {
                for (group, &scale) in row.chunks(group_size).zip(&scales) {
                    for pair in group.chunks(2) {
                        let low = (code(pair[0], scale) + 8) as u8;
                        let high = (code(pair[1], scale) + 8) as u8;
                        out.push(low | (high << 4));
                    }
                }
            }
        }
        Quant::Ternary => {
            let mean = row.iter().map(|v| v.abs()).sum::<f32>() / row.len() as f32;
            let scale = if mean > 0.0 { mean } else { 1.0 };
            out.extend_from_slice(&scale.to_le_bytes());
            for chunk in row.chunks(4) {
                let mut byte = 0u8;
                for (slot, &value) in chunk.iter().enumerate() {
                    let q = round_half_away(value / scale).clamp(-1.0, 1.0) as i32;
                    let bits = match q {
                        1 => 0b01,
                        -1 => 0b10,
                        _ => 0b00,
                    };
                    byte |= bits << (2 * slot);
                }
                out.push(byte);
            }
        }
    }
    let stride = quant.row_stride(row.len() as u32, group_size as u32).unwrap_or(0) as usize;
    out.resize(start + stride.max(out.len() - start), 0);
}

/// Encodes a `rows × cols` row-major f32 matrix.
pub fn quantize_matrix(quant: Quant, values: &[f32], rows: usize, cols: usize, group_size: usize) -> Vec<u8> {
    let stride = quant.row_stride(cols as u32, group_size as u32).unwrap_or(0) as usize;
    let mut out = Vec::with_capacity(rows * stride);
    for row in values.chunks(cols).take(rows) {
        quantize_row(quant, row, group_size, &mut out);
    }
    out
}

/// Decodes one stored row into `out` (`out.len() == cols`).
pub fn dequantize_row(quant: Quant, row: &[u8], group_size: usize, out: &mut [f32]) {
    let cols = out.len();
    match quant {
        Quant::F32 | Quant::Raw => {
            for (value, bytes) in out.iter_mut().zip(&row[..4 * cols].as_chunks::<4>().0[..cols]) {
                *value = f32::from_le_bytes(*bytes);
            }
        }
        Quant::Q8 => {
            let groups = cols / group_size;
            let codes = &row[4 * groups..];
            for (i, value) in out.iter_mut().enumerate() {
                *value = codes[i] as i8 as f32 * f32_at(row, 4 * (i / group_size));
            }
        }
        Quant::Q4 => {
            let groups = cols / group_size;
            let codes = &row[4 * groups..];
            for (i, value) in out.iter_mut().enumerate() {
                let byte = codes[i / 2];
                let nibble = if i % 2 == 0 { byte & 0x0F } else { byte >> 4 };
                *value = (nibble as i32 - 8) as f32 * f32_at(row, 4 * (i / group_size));
            }
        }
        Quant::Ternary => {
            let scale = f32_at(row, 0);
            for (i, value) in out.iter_mut().enumerate() {
                let bits = (row[4 + i / 4] >> (2 * (i % 4))) & 0b11;
                *value = match bits {
                    0b01 => scale,
                    0b10 => -scale,
                    _ => 0.0,
                };
            }
        }
    }
}

/// Quantization error of one tensor: `max|w−ŵ| / max|w|` and `rms(w−ŵ) / rms(w)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QuantError {
    /// Largest absolute error relative to the largest absolute weight.
    pub max_relative: f32,
    /// RMS error relative to the RMS of the weights.
    pub rms_relative: f32,
}

/// Measures the error of storing `values` (`rows × cols`) in `quant`.
pub fn measure_error(quant: Quant, values: &[f32], rows: usize, cols: usize, group_size: usize) -> QuantError {
    let stride = quant.row_stride(cols as u32, group_size as u32).unwrap_or(0) as usize;
    let mut encoded = Vec::with_capacity(stride);
    let mut decoded = alloc::vec![0.0f32; cols];
    let (mut max_err, mut max_abs, mut sq_err, mut sq) = (0.0f32, 0.0f32, 0.0f64, 0.0f64);
    for row in values.chunks(cols).take(rows) {
        encoded.clear();
        quantize_row(quant, row, group_size, &mut encoded);
        dequantize_row(quant, &encoded, group_size, &mut decoded);
        for (&w, &d) in row.iter().zip(&decoded) {
            let err = (w - d).abs();
            max_err = max_err.max(err);
            max_abs = max_abs.max(w.abs());
            sq_err += (err as f64) * (err as f64);
            sq += (w as f64) * (w as f64);
        }
    }
    QuantError {
        max_relative: if max_abs > 0.0 { max_err / max_abs } else { 0.0 },
        rms_relative: if sq > 0.0 { libm::sqrt(sq_err / sq) as f32 } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample_row(n: usize) -> Vec<f32> {
        (0..n).map(|i| libm::sinf(i as f32 * 0.7) * (1.0 + (i % 5) as f32)).collect()
    }

    #[test]
    fn f32_roundtrip_is_exact() {
        let row = sample_row(16);
        let bytes = quantize_matrix(Quant::F32, &row, 1, 16, 8);
        let mut out = vec![0.0; 16];
        dequantize_row(Quant::F32, &bytes, 8, &mut out);
        assert_eq!(out, row);
    }

    #[test]
    fn quantized_roundtrips_stay_within_their_step() {
        let row = sample_row(64);
        for (quant, steps) in [(Quant::Q8, 127.0), (Quant::Q4, 7.0)] {
            let bytes = quantize_matrix(quant, &row, 1, 64, 16);
            assert_eq!(bytes.len(), quant.row_stride(64, 16).unwrap() as usize);
            let mut out = vec![0.0; 64];
            dequantize_row(quant, &bytes, 16, &mut out);
            for (g, (orig, got)) in row.chunks(16).zip(out.chunks(16)).enumerate() {
                let max = orig.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                for (a, b) in orig.iter().zip(got) {
                    assert!((a - b).abs() <= max / steps * 0.5001, "{quant:?} group {g}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn ternary_codes_signs_and_zero() {
        let row = [2.0, -2.0, 0.0, 0.1, 2.0];
        let bytes = quantize_matrix(Quant::Ternary, &row, 1, 5, 1);
        let mut out = vec![0.0; 5];
        dequantize_row(Quant::Ternary, &bytes, 1, &mut out);
        let scale = 6.1 / 5.0;
        assert_eq!(out, [scale, -scale, 0.0, 0.0, scale]);
        assert_eq!(bytes[4] & 0b11, 0b01);
        assert_eq!((bytes[4] >> 2) & 0b11, 0b10);
    }

    #[test]
    fn bad_shapes_have_no_stride() {
        assert_eq!(Quant::Q8.row_stride(30, 16), None);
        assert_eq!(Quant::Q4.row_stride(30, 3), None);
        assert_eq!(Quant::F32.row_stride(0, 16), None);
    }

    #[test]
    fn error_report_grows_with_coarser_formats() {
        let values = sample_row(256);
        let q8 = measure_error(Quant::Q8, &values, 4, 64, 32);
        let q4 = measure_error(Quant::Q4, &values, 4, 64, 32);
        let f32 = measure_error(Quant::F32, &values, 4, 64, 32);
        assert_eq!(f32, QuantError::default());
        assert!(q8.rms_relative > 0.0 && q8.rms_relative < 0.01, "{q8:?}");
        assert!(q4.rms_relative > q8.rms_relative, "{q4:?}");
    }
}
