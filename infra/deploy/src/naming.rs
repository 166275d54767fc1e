//! Change-set names: deterministic, so a re-run finds (and replaces) its own earlier change
//! set, and CI logs can link to it; valid for CloudFormation (`[a-zA-Z][-a-zA-Z0-9]*`).

use sha2::{Digest, Sha256};

/// `sdlf-{first 12 hex digits of SHA-256 over the stack name and template body}`.
pub fn change_set_name(stack: &str, template: &str) -> String {
    let mut h = Sha256::new();
    h.update(stack.as_bytes());
    h.update([0]);
    h.update(template.as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sdlf-{hex}")
}

/// Lowercase hex SHA-256 of `body`: the key of an uploaded template.
pub fn content_hash(body: &str) -> String {
    Sha256::digest(body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::change_set_name;

    #[test]
    fn names_are_stable_valid_and_differ_with_the_template() {
        let a = change_set_name("lake-foundations", "{}");
        assert_eq!(a, change_set_name("lake-foundations", "{}"));
        assert_ne!(a, change_set_name("lake-foundations", "{ }"));
        assert_ne!(a, change_set_name("lake-team", "{}"));
        assert!(a.starts_with("sdlf-") && a.len() == 17);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
