//! Object keys as S3 event notifications spell them.
//!
//! S3 writes the key of an event URL-encoded the way HTML forms are
//! (`application/x-www-form-urlencoded`): a space is `+`, a literal `+` is `%2B`, every other
//! byte outside the unreserved set is `%XX`, and the bytes are the key's UTF-8. `/` usually
//! stays as it is, but some emulators (MiniStack) send it as `%2F`; both decode the same.

/// A key of an S3 event that is not a valid encoding. The event is malformed: S3 itself never
/// sends one, so the message should go to the dead-letter queue for a look.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("object key `{raw}` has a bad escape at byte {at}: `%` must be followed by two hex digits")]
    BadEscape { raw: String, at: usize },
    #[error("object key `{raw}` does not decode to UTF-8; S3 keys are UTF-8, so the event is corrupt")]
    NotUtf8 { raw: String },
}

/// Decodes a key from an S3 event: `+` → space, `%XX` → that byte, the bytes read as UTF-8.
pub fn decode(raw: &str) -> Result<String, KeyError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|hex| Some(hex_value(hex[0])? << 4 | hex_value(hex[1])?))
                    .ok_or_else(|| KeyError::BadEscape { raw: raw.to_owned(), at: i })?;
                out.push(byte);
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| KeyError::NotUtf8 { raw: raw.to_owned() })
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// S3's encoding of a key in an event: unreserved characters and `/` kept, space → `+`,
    /// every other UTF-8 byte → `%XX` (upper-case hex).
    fn s3_encode(key: &str) -> String {
        let mut out = String::new();
        for &b in key.as_bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    #[test]
    fn plus_is_a_space_and_escaped_plus_is_a_plus() {
        assert_eq!(decode("red+flower%2B1.jpg").unwrap(), "red flower+1.jpg");
    }

    #[test]
    fn multi_byte_escapes_assemble_into_utf8() {
        assert_eq!(decode("caf%C3%A9/%E2%82%AC/%F0%9F%98%80").unwrap(), "café/€/😀");
        assert_eq!(decode("Caf%c3%a9").unwrap(), "Café", "lower-case hex is accepted");
    }

    #[test]
    fn encoded_slashes_decode_like_plain_ones() {
        assert_eq!(decode("team%2Fdataset%2Ffile.csv").unwrap(), "team/dataset/file.csv");
    }

    #[test]
    fn bad_escapes_name_the_raw_key() {
        for (raw, at) in [("a%2", 1), ("a%zz", 1), ("%", 0), ("ok%4g", 2)] {
            assert_eq!(decode(raw), Err(KeyError::BadEscape { raw: raw.into(), at }), "{raw}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let err = decode("a%C3%28").unwrap_err();
        assert_eq!(err, KeyError::NotUtf8 { raw: "a%C3%28".into() });
        assert!(err.to_string().contains("a%C3%28"));
    }

    proptest! {
        #[test]
        fn decode_undoes_s3_encoding(key in "\\PC*") {
            prop_assert_eq!(decode(&s3_encode(&key)).unwrap(), key);
        }

        #[test]
        fn decode_undoes_s3_encoding_of_awkward_ascii(key in "[ +%/a-z0-9&=?#~,;:!*'()]{0,40}") {
            prop_assert_eq!(decode(&s3_encode(&key)).unwrap(), key);
        }
    }
}
