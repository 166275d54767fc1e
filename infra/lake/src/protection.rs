//! Which of an environment's stacks get termination protection: decided by the environment,
//! not by the command that deploys it.

use std::collections::BTreeSet;

use crate::{Environment, Lake, Names};

/// The stacks of `env` that CloudFormation must refuse to delete. In an AWS account the
/// foundations stack is protected: it holds the key, the buckets and the catalog tables every
/// other stack builds on, and its deletion is the one that loses data. A local environment
/// protects nothing: the emulator is disposable, and `sdlf destroy` there must simply work.
pub fn protected_stacks(lake: &Lake, env: &Environment) -> BTreeSet<String> {
    if env.is_local() { BTreeSet::new() } else { BTreeSet::from([Names::new(lake, env).foundations_stack()]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lake() -> Lake {
        Lake {
            org: "anycompany".into(),
            domain: "datalake".into(),
            environments: vec![Environment::local("local"), Environment::aws("prod", "123456789012", "eu-west-1")],
            teams: Vec::new(),
        }
    }

    #[test]
    fn an_aws_account_protects_its_foundations_and_a_local_emulator_nothing() {
        let lake = lake();
        let prod = lake.environment("prod").unwrap();
        assert_eq!(protected_stacks(&lake, prod), BTreeSet::from(["anycompany-datalake-prod-foundations".to_owned()]));
        assert!(protected_stacks(&lake, lake.environment("local").unwrap()).is_empty());
    }
}
