//! CRC-64/XZ (ECMA-182 polynomial, reflected), the checksum of model files.
//!
//! A CRC of 64 bits detects every single-bit error, every burst error of up to 64 bits
//! and all but 2^-64 of other corruptions; no dependency of this crate offers one.

/// The reflected ECMA-182 polynomial.
const POLY: u64 = 0xC96C_5795_D787_0F42;

/// The byte-at-a-time lookup table, built at compile time.
const TABLE: [u64; 256] = {
    let mut table = [0_u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// A CRC-64/XZ computed over several slices in turn, as if they were one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crc64(u64);

impl Crc64 {
    /// The checksum of no bytes yet.
    pub(crate) fn new() -> Self {
        Self(u64::MAX)
    }

    /// Adds `bytes` to the checksummed data.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut crc = self.0;
        for &b in bytes {
            crc = TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
        }
        self.0 = crc;
    }

    /// The checksum of everything added.
    pub(crate) fn finish(self) -> u64 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc(bytes: &[u8]) -> u64 {
        let mut c = Crc64::new();
        c.update(bytes);
        c.finish()
    }

    #[test]
    fn matches_the_crc64_xz_check_value() {
        // The catalogue's check value: CRC-64/XZ of the ASCII digits "123456789".
        assert_eq!(crc(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc(b""), 0);
    }

    #[test]
    fn slices_in_turn_give_the_checksum_of_the_whole() {
        let mut c = Crc64::new();
        c.update(b"1234");
        c.update(b"");
        c.update(b"56789");
        assert_eq!(c.finish(), crc(b"123456789"));
    }

    #[test]
    fn every_single_bit_flip_changes_the_checksum() {
        let data: Vec<u8> = (0..=255).collect();
        let good = crc(&data);
        for i in 0..data.len() * 8 {
            let mut bad = data.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert_ne!(crc(&bad), good, "bit {i}");
        }
    }
}
