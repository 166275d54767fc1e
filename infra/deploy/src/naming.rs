//! Change-set names: `sdlf-{content}-{run}`. The content part is deterministic (CI logs can
//! link a change set to the template it carries); the run part tells one run's change sets
//! from another's, so two deploys of the same stack never collide and a run only ever
//! deletes or executes its own. Valid for CloudFormation (`[a-zA-Z][-a-zA-Z0-9]*`).

use sha2::{Digest, Sha256};

/// `sdlf-{first 12 hex digits of SHA-256 over the stack name and template body}-{run}`.
pub fn change_set_name(stack: &str, template: &str, run: &str) -> String {
    let mut h = Sha256::new();
    h.update(stack.as_bytes());
    h.update([0]);
    h.update(template.as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sdlf-{hex}-{run}")
}

/// Whether `change_set` was made by run `run` (see [`change_set_name`]).
pub fn is_own(change_set: &str, run: &str) -> bool {
    change_set.strip_suffix(run).is_some_and(|rest| rest.ends_with('-'))
}

/// A new run's id: the process id and the clock's nanoseconds in base 36, lowercase
/// alphanumerics. Two runs on one machine differ by the process id; two machines would
/// have to start in the same nanosecond with the same process id to collide.
pub fn new_run_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mixed = nanos ^ (u128::from(std::process::id()) << 64);
    let mut digits = Vec::new();
    let mut n = mixed % 36u128.pow(12);
    for _ in 0..12 {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
    }
    String::from_utf8(digits).expect("ASCII digits")
}

/// Lowercase hex SHA-256 of `body`: the key of an uploaded template.
pub fn content_hash(body: &str) -> String {
    Sha256::digest(body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{change_set_name, is_own, new_run_id};

    #[test]
    fn names_are_stable_valid_and_differ_with_the_template_and_the_run() {
        let a = change_set_name("lake-foundations", "{}", "run1");
        assert_eq!(a, change_set_name("lake-foundations", "{}", "run1"));
        assert_ne!(a, change_set_name("lake-foundations", "{ }", "run1"));
        assert_ne!(a, change_set_name("lake-team", "{}", "run1"));
        assert_ne!(a, change_set_name("lake-foundations", "{}", "run2"));
        assert!(a.starts_with("sdlf-") && a.len() == 22, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn a_run_knows_its_own_change_sets_only() {
        let name = change_set_name("s", "{}", "abc");
        assert!(is_own(&name, "abc"));
        assert!(!is_own(&name, "bc"), "a suffix of the run id is another run");
        assert!(!is_own(&name, "abd"));
    }

    #[test]
    fn run_ids_are_twelve_lowercase_alphanumerics_and_differ_between_calls() {
        let a = new_run_id();
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()), "{a}");
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert_ne!(a, new_run_id());
    }
}
