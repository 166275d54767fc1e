//! Rust names for schema names: snake_case fields, PascalCase types and enum variants.
//!
//! Acronyms count as one word (`SSESpecification` → `sse_specification`, `SseSpecification`),
//! as the Rust API guidelines ask; digits stay with the word before them (`S3`, `AES256`).

/// Tokens kept as one word although their letter case says otherwise (`GiB` would split
/// into `Gi` + `B`; `DynamoDB` is one word in service names, e.g. the `dynamodb` module).
const WHOLE_TOKENS: &[&str] = &["GiB", "MiB", "KiB", "TiB", "IPv4", "IPv6", "DynamoDB", "DocumentDB", "MongoDB"];

/// Every keyword of the 2024 edition, strict and reserved.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; these get a trailing `_` instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Splits a name into words at case changes, digit-to-letter changes and punctuation.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !chunk.is_empty() {
            split_chunk(chunk, &mut out);
        }
    }
    out
}

fn split_chunk(chunk: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = chunk.chars().collect();
    // Positions covered by a whole token: no boundary strictly inside one, one at each end.
    let mut inside = vec![false; chars.len() + 1];
    let mut forced = vec![false; chars.len() + 1];
    for token in WHOLE_TOKENS {
        let mut from = 0;
        while let Some(at) = chunk[from..].find(token) {
            let start = from + at;
            let end = start + token.len();
            inside[start + 1..end].iter_mut().for_each(|b| *b = true);
            forced[start] = true;
            forced[end] = true;
            from = end;
        }
    }
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = if i == 0 || inside[i] {
            false
        } else if forced[i] {
            true
        } else {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())))
        };
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        out.push(word);
    }
}

/// A field or module name: `KMSMasterKeyID` → `kms_master_key_id`, `Type` → `r#type`.
pub fn snake(name: &str) -> String {
    let joined = words(name).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    let ident = if joined.starts_with(|c: char| c.is_ascii_digit()) { format!("n{joined}") } else { joined };
    escape_keyword(ident)
}

/// A type or variant name: `aws:kms` → `AwsKms`, `PAY_PER_REQUEST` → `PayPerRequest`,
/// `SSESpecification` → `SseSpecification`. Names starting with a digit get a `V` prefix
/// (`1` → `V1`); a name with no letter or digit at all gives an empty string.
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    escape_keyword(out)
}

/// The module of a service: `AWS::DynamoDB::Table` → `dynamodb` (service prefixes are
/// written in one word, as in IAM policy actions).
pub fn service_module(service: &str) -> String {
    escape_keyword(service.to_ascii_lowercase())
}

fn escape_keyword(ident: String) -> String {
    if NOT_RAW.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_keeps_acronyms_together() {
        let cases = [
            ("BucketName", "bucket_name"),
            ("SSESpecification", "sse_specification"),
            ("KMSMasterKeyID", "kms_master_key_id"),
            ("KMSKeyArn", "kms_key_arn"),
            ("DefinitionS3Location", "definition_s3_location"),
            ("S3", "s3"),
            ("S3Bucket", "s3_bucket"),
            ("OKActions", "ok_actions"),
            ("WebsiteURL", "website_url"),
            ("DynamoDBTargets", "dynamodb_targets"),
            ("DocumentDBEventSourceConfig", "documentdb_event_source_config"),
            ("Ipv6AllowedForDualStack", "ipv6_allowed_for_dual_stack"),
            ("ExecutionEnvironmentMemoryGiBPerVCpu", "execution_environment_memory_gib_per_v_cpu"),
            ("deadLetterTargetArn", "dead_letter_target_arn"),
            ("SchemaRegistryURI", "schema_registry_uri"),
            ("PrincipalOrgID", "principal_org_id"),
        ];
        for (name, want) in cases {
            assert_eq!(snake(name), want, "{name}");
        }
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(snake("Match"), "r#match");
        assert_eq!(snake("Gen"), "r#gen");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(service_module("Type"), "r#type");
    }

    #[test]
    fn enum_variants_are_pascal_case() {
        let cases = [
            ("aws:kms", "AwsKms"),
            ("aws:kms:dsse", "AwsKmsDsse"),
            ("AES256", "Aes256"),
            ("PAY_PER_REQUEST", "PayPerRequest"),
            ("PublicReadWrite", "PublicReadWrite"),
            ("python3.12", "Python312"),
            ("nodejs4.3-edge", "Nodejs43Edge"),
            ("x86_64", "X8664"),
            ("Bits/Second", "BitsSecond"),
            ("G.1X", "G1X"),
            ("ETag", "ETag"),
            ("notBreaching", "NotBreaching"),
            ("1", "V1"),
            ("2192", "V2192"),
            ("None", "None"),
            ("*", ""),
        ];
        for (name, want) in cases {
            assert_eq!(pascal(name), want, "{name}");
        }
    }

    #[test]
    fn type_names_treat_acronyms_as_words() {
        assert_eq!(pascal("SSESpecification"), "SseSpecification");
        assert_eq!(pascal("iso8601UTC"), "Iso8601Utc");
        assert_eq!(pascal("SnapStartResponse.ApplyOn"), "SnapStartResponseApplyOn");
        assert_eq!(service_module("DynamoDB"), "dynamodb");
    }
}
