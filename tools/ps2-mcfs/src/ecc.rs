//! The memory card's error-correcting code: 3 bytes per 128-byte chunk, 12 bytes per 512-byte page.
//!
//! Definition (Ross Ridge's "PlayStation 2 Memory Card File System"; mymcplus `ps2mc_ecc.py`; PCSX2
//! `MemoryCardFile.cpp` `CalculateECC`): with `P(b)` the parity of a byte, the column parity byte
//! starts at `0x77` and is XORed with a mask of six partial parities of every byte; the two line
//! parity bytes start at `0x7F` and, for every byte of odd parity at index `i`, are XORed with `!i & 0x7F`
//! and `i`.

/// Bytes covered by one ECC triple.
pub const CHUNK: usize = 128;

fn parity(b: u8) -> u8 {
    (b.count_ones() & 1) as u8
}

/// The column-parity contribution of one byte: bits 0-2 are the parities of the odd bits, the odd
/// pairs and the low nibble; bits 4-6 those of the even bits, the even pairs and the high nibble.
fn column_mask(b: u8) -> u8 {
    parity(b & 0x55)
        | parity(b & 0x33) << 1
        | parity(b & 0x0F) << 2
        | parity(b & 0xAA) << 4
        | parity(b & 0xCC) << 5
        | parity(b & 0xF0) << 6
}

/// The 3 ECC bytes (column parity, line parity 0, line parity 1) of a 128-byte chunk.
pub fn chunk_ecc(chunk: &[u8; CHUNK]) -> [u8; 3] {
    let (mut cp, mut lp0, mut lp1) = (0x77u8, 0x7Fu8, 0x7Fu8);
    for (i, &b) in chunk.iter().enumerate() {
        cp ^= column_mask(b);
        if parity(b) == 1 {
            lp0 ^= !(i as u8) & 0x7F;
            lp1 ^= i as u8;
        }
    }
    [cp, lp0, lp1]
}

/// The 12 ECC bytes of a 512-byte page: the four chunks' triples in order.
pub fn page_ecc(page: &[u8; 512]) -> [u8; 12] {
    let mut out = [0u8; 12];
    for (i, chunk) in page.as_chunks::<CHUNK>().0.iter().enumerate() {
        out[3 * i..3 * i + 3].copy_from_slice(&chunk_ecc(chunk));
    }
    out
}

/// What checking a chunk against its stored ECC found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Data and ECC agree.
    Ok,
    /// One data bit was wrong and has been flipped back: byte index and bit.
    CorrectedData {
        /// Index of the corrected byte in the chunk.
        byte: usize,
        /// The bit that was flipped (0-7).
        bit: u8,
    },
    /// The data is right; the stored ECC itself has a flipped bit.
    EccDamaged,
    /// More than one bit is wrong: the data cannot be trusted.
    Uncorrectable,
}

/// Checks `chunk` against `stored` and corrects a single flipped data bit in place.
pub fn check_and_correct(chunk: &mut [u8; CHUNK], stored: [u8; 3]) -> Check {
    let calc = chunk_ecc(chunk);
    if calc == stored {
        return Check::Ok;
    }
    let d0 = (calc[0] ^ stored[0]) & 0x77;
    let d1 = (calc[1] ^ stored[1]) & 0x7F;
    let d2 = (calc[2] ^ stored[2]) & 0x7F;
    let column = (d0 >> 4) ^ (d0 & 7);
    if d1 ^ d2 == 0x7F && column == 7 {
        let (byte, bit) = (d2 as usize, d0 >> 4);
        chunk[byte] ^= 1 << bit;
        return Check::CorrectedData { byte, bit };
    }
    if (d0 == 0 && d1 == 0 && d2 == 0) || (d1 ^ d2).count_ones() + column.count_ones() == 1 {
        return Check::EccDamaged;
    }
    Check::Uncorrectable
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk_with(byte: usize, value: u8) -> [u8; CHUNK] {
        let mut c = [0u8; CHUNK];
        c[byte] = value;
        c
    }

    /// Vectors derived by hand from the definition:
    /// - all zero: no byte has odd parity, every mask is 0 → the start values `77 7F 7F`.
    /// - all 0xFF: every byte has even parity (8 ones) and every partial parity of 0xFF is even
    ///   (4 or 2 ones per mask) → `77 7F 7F`.
    /// - byte 0 = 0x01: masks 0x55, 0x33, 0x0F contain bit 0 → M = 0x07, CP = 0x77^0x07 = 0x70;
    ///   odd parity at i = 0 → LP0 = 0x7F ^ 0x7F = 0x00, LP1 = 0x7F ^ 0 = 0x7F.
    /// - byte 5 = 0x80: masks 0xAA, 0xCC, 0xF0 contain bit 7 → M = 0x70, CP = 0x07;
    ///   LP0 = 0x7F ^ (!5 & 0x7F = 0x7A) = 0x05, LP1 = 0x7F ^ 5 = 0x7A.
    #[test]
    fn hand_derived_vectors() {
        assert_eq!(chunk_ecc(&[0u8; CHUNK]), [0x77, 0x7F, 0x7F]);
        assert_eq!(chunk_ecc(&[0xFFu8; CHUNK]), [0x77, 0x7F, 0x7F]);
        assert_eq!(chunk_ecc(&chunk_with(0, 0x01)), [0x70, 0x00, 0x7F]);
        assert_eq!(chunk_ecc(&chunk_with(5, 0x80)), [0x07, 0x05, 0x7A]);
    }

    #[test]
    fn every_single_bit_flip_is_located_and_corrected() {
        let mut original = [0u8; CHUNK];
        for (i, b) in original.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let stored = chunk_ecc(&original);
        for byte in 0..CHUNK {
            for bit in 0..8u8 {
                let mut damaged = original;
                damaged[byte] ^= 1 << bit;
                assert_eq!(check_and_correct(&mut damaged, stored), Check::CorrectedData { byte, bit });
                assert_eq!(damaged, original);
            }
        }
    }

    #[test]
    fn damaged_ecc_and_double_flips_are_told_apart() {
        let mut data = [0x5Au8; CHUNK];
        let stored = chunk_ecc(&data);
        let mut bad = stored;
        bad[1] ^= 0x04;
        assert_eq!(check_and_correct(&mut data, bad), Check::EccDamaged);
        let mut two = data;
        two[3] ^= 1;
        two[90] ^= 0x10;
        assert_eq!(check_and_correct(&mut two, stored), Check::Uncorrectable);
    }
}
