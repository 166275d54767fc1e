//! Byte searches done eight bytes at a time in a `u64` (SWAR): for the short fields and strings
//! of a record they beat a call to `memchr`, whose vector setup only pays off on longer input.

use memchr::memchr2;

const LOW_SEVEN_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// `byte` in every byte of a word.
#[inline]
pub(crate) const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// The eight bytes at `data[at..]` as a little-endian word (byte `i` in bits `8 i ..`).
#[inline]
pub(crate) fn word_at(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// 0x80 in each byte of `word` that equals the byte repeated in `splat`, 0 elsewhere (exact:
/// no false positives, unlike the shorter `haszero` trick).
#[inline]
pub(crate) fn bytes_equal(word: u64, splat: u64) -> u64 {
    let x = word ^ splat;
    !(((x & LOW_SEVEN_BITS).wrapping_add(LOW_SEVEN_BITS)) | x | LOW_SEVEN_BITS)
}

/// The index of the byte a word's mask (from [`bytes_equal`]) marks first.
#[inline]
pub(crate) fn first_marked(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// How far the word-at-a-time search goes before handing over to `memchr2`.
const SHORT_SEARCH: usize = 32;

/// The position of the first `a` or `b` at or after `from`.
#[inline]
pub(crate) fn find_either(data: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let (splat_a, splat_b) = (splat(a), splat(b));
    let mut pos = from;
    let short_end = data.len().min(from + SHORT_SEARCH);
    while pos + 8 <= short_end {
        let word = word_at(data, pos);
        let found = bytes_equal(word, splat_a) | bytes_equal(word, splat_b);
        if found != 0 {
            return Some(pos + first_marked(found));
        }
        pos += 8;
    }
    memchr2(a, b, &data[pos..]).map(|at| pos + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_of_two_bytes_anywhere() {
        let text = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789\"\\";
        for from in 0..text.len() {
            for (index, &byte) in text.iter().enumerate().skip(from) {
                let expected = text[from..].iter().position(|&b| b == byte || b == b'#').map(|at| from + at);
                assert_eq!(find_either(text, from, byte, b'#'), expected, "{from} {index}");
            }
        }
        assert_eq!(find_either(b"abc", 0, b'x', b'y'), None);
        assert_eq!(bytes_equal(word_at(b"a,b,c,d,", 0), splat(b',')), 0x8000_8000_8000_8000);
        // Exact: a byte that differs only in its high bit, or by one, is not a match.
        assert_eq!(bytes_equal(word_at(b"\xAC-+\x2C\x2C\x2C\x2C\x2C", 0), splat(b',')), 0x8080_8080_8000_0000);
    }
}
