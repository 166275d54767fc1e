//! The `sequencer` of S3 event notifications: the order of events on one object key.
//!
//! # Which side to pad
//!
//! Sequencers are hexadecimal strings of varying length; the greater one, after padding the
//! shorter with zeros, is the later event of the same key. AWS's pages disagree on the side:
//!
//! - the re:Post Knowledge Center article "Why do I see duplicate messages in Amazon SQS for
//!   the same Amazon S3 event?" (<https://repost.aws/knowledge-center/s3-duplicate-sqs-messages>)
//!   says "right-pad the shorter value with zeros, and then do a lexicographical comparison";
//!   so did the S3 User Guide's "Event message structure" page in its 2021–2023 revisions, and
//!   the `aws_lambda_events` crate quotes that text;
//! - older (2014–2019) and the latest revisions of that User Guide page say "left-pad".
//!
//! We right-pad, because the sequencer's own structure says so: in AWS's example
//! `0055AED6DCD90281E5`, the digits after the leading `00` are `55AED6DC` = 1 437 521 628,
//! a Unix time in July 2015, when the example was written. The time sits at a fixed offset
//! from the left, so a longer sequencer carries extra low-order digits on the right, and
//! left-padding would rank a later, shorter sequencer before an earlier, longer one.
//! Sequencers of one length (all we have seen) compare the same either way.
//!
//! # Stored form
//!
//! DynamoDB compares strings byte by byte without padding, so the catalog stores
//! [`Sequencer::sort_key`]: upper-case, right-padded with `0` to [`SORT_KEY_WIDTH`] digits.
//! Two sort keys compare with `<` exactly as the sequencers do.

use std::cmp::Ordering;
use std::fmt;

/// Width of [`Sequencer::sort_key`]. S3's sequencers have 18 digits; 64 leaves room for them
/// to grow without ever truncating (a longer one is refused, not cut).
pub const SORT_KEY_WIDTH: usize = 64;

/// A sequencer that is not a hexadecimal string of 1 to [`SORT_KEY_WIDTH`] digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "S3 event sequencer `{raw}` is not 1 to {SORT_KEY_WIDTH} hexadecimal digits; the event is malformed \
     (S3 sends hex strings such as `0055AED6DCD90281E5`)"
)]
pub struct SequencerError {
    pub raw: String,
}

/// A validated sequencer, upper-cased (S3 sends upper case; an emulator might not, and `a`
/// sorts after `F` in ASCII). Ordered as S3 documents: later events are greater.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sequencer(String);

impl Sequencer {
    pub fn parse(raw: &str) -> Result<Sequencer, SequencerError> {
        let valid = !raw.is_empty() && raw.len() <= SORT_KEY_WIDTH && raw.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(SequencerError { raw: raw.to_owned() });
        }
        Ok(Sequencer(raw.to_ascii_uppercase()))
    }

    /// The sequencer as received (upper-cased).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Right-padded with `0` to [`SORT_KEY_WIDTH`] digits: compares as a plain string the
    /// way the sequencers compare (see the module documentation).
    pub fn sort_key(&self) -> String {
        format!("{:0<width$}", self.0, width = SORT_KEY_WIDTH)
    }
}

/// The sort key of an event without a sequencer (some emulators send none): all zeros, older
/// than any real sequencer.
pub fn unsequenced_sort_key() -> String {
    "0".repeat(SORT_KEY_WIDTH)
}

impl Ord for Sequencer {
    fn cmp(&self, other: &Sequencer) -> Ordering {
        // Right-pad the shorter with zeros, then compare lexicographically.
        let width = self.0.len().max(other.0.len());
        fn padded(s: &str, width: usize) -> impl Iterator<Item = u8> + '_ {
            s.bytes().chain(std::iter::repeat(b'0')).take(width)
        }
        padded(&self.0, width).cmp(padded(&other.0, width))
    }
}

impl PartialOrd for Sequencer {
    fn partial_cmp(&self, other: &Sequencer) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Sequencer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How event `a` relates to event `b` of the same key: `Greater` when `a` happened later,
/// `Equal` for the same event delivered twice.
pub fn newer(a: &Sequencer, b: &Sequencer) -> Ordering {
    a.cmp(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seq(s: &str) -> Sequencer {
        Sequencer::parse(s).unwrap()
    }

    #[test]
    fn later_events_are_greater() {
        assert_eq!(newer(&seq("0055AED6DCD90281E6"), &seq("0055AED6DCD90281E5")), Ordering::Greater);
        assert_eq!(newer(&seq("0055AED6DCD90281E5"), &seq("0055AED6DCD90281E5")), Ordering::Equal);
    }

    #[test]
    fn shorter_sequencers_are_right_padded() {
        // Same time prefix, extra low-order digits: "…E5" == "…E500" < "…E501".
        assert_eq!(newer(&seq("0055AED6DCD90281E5"), &seq("0055AED6DCD90281E500")), Ordering::Equal);
        assert_eq!(newer(&seq("0055AED6DCD90281E5"), &seq("0055AED6DCD90281E501")), Ordering::Less);
        // A later time wins whatever the lengths.
        assert_eq!(newer(&seq("0055AED6DD"), &seq("0055AED6DCFFFFFFFFFF")), Ordering::Greater);
    }

    #[test]
    fn case_does_not_matter() {
        assert_eq!(seq("00ab").as_str(), "00AB");
        assert_eq!(newer(&seq("00ab"), &seq("00AB")), Ordering::Equal);
    }

    #[test]
    fn non_hex_empty_and_overlong_are_refused() {
        for raw in ["", "00G1", "0x12", &"1".repeat(SORT_KEY_WIDTH + 1)] {
            let err = Sequencer::parse(raw).unwrap_err();
            assert!(err.to_string().contains("hexadecimal"), "{raw}");
        }
    }

    #[test]
    fn the_unsequenced_key_is_older_than_any_sequencer() {
        assert!(unsequenced_sort_key() <= seq("0").sort_key());
        assert!(unsequenced_sort_key() < seq("01").sort_key());
    }

    proptest! {
        /// The stored sort keys compare as plain strings exactly like the sequencers: what
        /// the DynamoDB condition relies on.
        #[test]
        fn sort_keys_order_like_sequencers(a in "[0-9A-Fa-f]{1,24}", b in "[0-9A-Fa-f]{1,24}") {
            let (a, b) = (seq(&a), seq(&b));
            prop_assert_eq!(a.sort_key().cmp(&b.sort_key()), a.cmp(&b));
            prop_assert_eq!(a.sort_key().len(), SORT_KEY_WIDTH);
        }
    }
}
