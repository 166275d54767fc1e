//! Physical names of the CI/CD's resources. None starts with an environment's
//! `{org}-{domain}-{env}-` prefix, so the pipeline's roles, which may change only the lake's
//! stacks, can never change the CI/CD itself (the self-mutation loops CDK Pipelines users
//! report cannot happen).

use sdlf_lake::{Environment, Lake};

use crate::pipeline::Project;

pub struct CicdNames<'a> {
    lake: &'a Lake,
}

/// The environment name the CI/CD's own names use; a lake environment of that name would make
/// `{org}-{domain}-cicd-*` one of its own prefixes.
pub const RESERVED_ENVIRONMENT: &str = "cicd";

impl<'a> CicdNames<'a> {
    pub fn new(lake: &'a Lake) -> CicdNames<'a> {
        CicdNames { lake }
    }

    fn base(&self) -> String {
        format!("{}-{}", self.lake.org, self.lake.domain)
    }

    /// `{org}-{domain}-cicd`: the CI/CD stack in the pipeline's account.
    pub fn stack(&self) -> String {
        format!("{}-cicd", self.base())
    }

    /// `{org}-{domain}-cicd-trust-{env}`: the roles an environment in another account lends the
    /// pipeline (`bootstrap --trust`).
    pub fn trust_stack(&self, env: &str) -> String {
        format!("{}-cicd-trust-{env}", self.base())
    }

    /// The repository (CodeCommit) and the pipeline: `{org}-{domain}`.
    pub fn repository(&self) -> String {
        self.base()
    }

    pub fn pipeline(&self) -> String {
        self.base()
    }

    /// Connection names are at most 32 characters; org (10) and domain (9) leave room for
    /// the provider.
    pub fn connection(&self, provider: &str) -> String {
        format!("{}-{}", self.base(), provider.to_ascii_lowercase())
    }

    /// Bucket names are global: account and region make them unique.
    pub fn artifacts_bucket(&self, env: &Environment) -> String {
        format!("{}-cicd-{}-{}", self.base(), env.region(), env.account())
    }

    /// The artifacts bucket's server access logs.
    pub fn access_logs_bucket(&self, env: &Environment) -> String {
        format!("{}-cicd-logs-{}-{}", self.base(), env.region(), env.account())
    }

    pub fn project(&self, project: Project) -> String {
        format!("{}-cicd-{}", self.base(), project.as_str())
    }

    pub fn build_role(&self, project: Project) -> String {
        format!("{}-cicd-{}-build", self.base(), project.as_str())
    }

    pub fn pipeline_role(&self) -> String {
        format!("{}-cicd-pipeline", self.base())
    }

    /// CloudFormation's role for environment `env`'s stacks.
    pub fn execution_role(&self, env: &str) -> String {
        format!("{}-cicd-{env}-execution", self.base())
    }

    /// The role the pipeline assumes in another account to plan and deploy there.
    pub fn deployment_role(&self, env: &str) -> String {
        format!("{}-cicd-{env}-deployment", self.base())
    }

    /// The role the review build assumes in another account: it may only plan there.
    pub fn review_role(&self, env: &str) -> String {
        format!("{}-cicd-{env}-review", self.base())
    }

    /// The Secrets Manager secret holding the Git provider's token for pull-request comments
    /// (created by a person, never by a template).
    pub fn review_token_secret(&self) -> String {
        format!("{}-cicd/review-token", self.base())
    }

    pub fn log_group(&self) -> String {
        format!("/aws/codebuild/{}-cicd", self.base())
    }

    pub fn topic(&self) -> String {
        format!("{}-cicd-notifications", self.base())
    }

    pub fn key_alias(&self) -> String {
        format!("alias/{}-cicd", self.base())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_their_services_at_the_longest_definition() {
        let lake = Lake { org: "a".repeat(10), domain: "b".repeat(9), environments: vec![], teams: vec![] };
        let n = CicdNames::new(&lake);
        let env = Environment::aws("abcdefgh", "123456789012", "ap-southeast-2");
        assert!(n.artifacts_bucket(&env).len() <= 63, "{}", n.artifacts_bucket(&env));
        assert!(n.access_logs_bucket(&env).len() <= 63, "{}", n.access_logs_bucket(&env));
        assert!(n.connection("bitbucket").len() <= 32);
        for p in Project::ALL {
            assert!(n.build_role(p).len() <= 64);
            assert!(n.project(p).len() <= 255);
        }
        assert!(n.execution_role("abcdefgh").len() <= 64);
        assert!(n.deployment_role("abcdefgh").len() <= 64);
        assert!(n.review_role("abcdefgh").len() <= 64);
        assert!(n.trust_stack("abcdefgh").len() <= 128);
    }

    #[test]
    fn no_name_is_inside_an_environments_prefix() {
        let lake = Lake { org: "acme".into(), domain: "lake".into(), environments: vec![], teams: vec![] };
        let n = CicdNames::new(&lake);
        assert_eq!(n.stack(), "acme-lake-cicd");
        assert!(!n.stack().starts_with("acme-lake-dev-"));
    }
}
