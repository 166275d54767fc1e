//! Arbitrary input never panics: every outcome is a report or a `TransformError`.

use proptest::prelude::*;
use sdlf_transform::{InferenceLimits, InputFormat, Options, transform};

/// Bytes biased towards the characters the parsers branch on.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => prop::sample::select(b",\"\n\r{}[]:\\ 0123456789.-eEtrufalsn\xEF\xBB\xBF\xC3\xA9".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_input_never_panics(input in tricky_bytes(), sample_records in 0usize..4) {
        let options = Options {
            inference: InferenceLimits { max_records: sample_records, max_bytes: 64 },
            ..Options::default()
        };
        for format in [
            InputFormat::Csv,
            InputFormat::JsonLines,
            InputFormat::JsonArray,
            InputFormat::Json,
        ] {
            let mut output = Vec::new();
            let _ = transform(&input[..], format, &options, &mut output);
        }
    }
}
