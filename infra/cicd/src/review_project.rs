//! The review project: when a pull request into the pipeline's branch is opened or its source
//! branch is pushed, CodeBuild runs the review buildspec on the pull request's head (tests,
//! the plan of every environment, `sdlf review` posting the one plan comment).
//!
//! - CodeCommit: an EventBridge rule on "CodeCommit Pull Request State Change" starts the
//!   build with the pull request's id and commits as variables.
//! - GitHub, GitLab: the project's source is the repository through the connection, with a
//!   webhook on pull-request events; builds of pull requests from forks wait for a
//!   maintainer's approving comment, since the build runs the pull request's code with the
//!   review role and the token.
//! - Bitbucket: no review (no comment poster for it yet).

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{codebuild, codecommit, events, iam};
use sdlf_lake::Stack;
use sdlf_lake::stacks::BuildError;
use sdlf_lake::stacks::constructs;
use sdlf_policy::{PolicyDocument, Statement};

use crate::buildspecs::{ElsewhereEnvironment, ReviewSpec, vars};
use crate::names::CicdNames;
use crate::pipeline::{Provider as GitProvider, Settings, Source};
use crate::review::Provider;
use crate::stack::{Request, SourceParts};

/// What the review build is told, or `None` where there is no review (Bitbucket).
pub(crate) fn spec(req: &Request, names: &CicdNames) -> Option<ReviewSpec> {
    let (provider, repository) = match &req.settings.source {
        Source::CodeCommit => (Provider::CodeCommit, names.repository()),
        Source::Connection { provider: GitProvider::GitHub, repository } => (Provider::GitHub, repository.clone()),
        Source::Connection { provider: GitProvider::GitLab, repository } => (Provider::GitLab, repository.clone()),
        Source::Connection { provider: GitProvider::Bitbucket, .. } => return None,
    };
    let token_secret = provider
        .token_variable()
        .map(|_| req.settings.review_token_secret.clone().unwrap_or_else(|| names.review_token_secret()));
    Some(ReviewSpec {
        provider,
        repository,
        environments: req.targets.iter().map(|t| t.name.clone()).collect(),
        home: req.home.name.clone(),
        token_secret,
        elsewhere: req
            .targets
            .iter()
            .filter(|t| !t.is_local() && t.account() != req.home.account())
            .map(|t| ElsewhereEnvironment {
                environment: t.name.clone(),
                account: t.account().to_owned(),
                role: names.review_role(&t.name),
            })
            .collect(),
    })
}

/// The project's source: the repository itself (CodeBuild clones the pull request's head),
/// or none on the emulator, where the repository is left out and `bootstrap run-local
/// --pull-request` brings the source.
pub(crate) fn source(parts: &SourceParts, spec: &ReviewSpec, buildspec: String) -> codebuild::project::Source {
    let with_spec = |source: codebuild::project::Source| codebuild::project::Source {
        build_spec: Some(buildspec.into()),
        ..source
    };
    match parts {
        SourceParts::CodeCommit(Some(repository)) => with_spec(codebuild::project::Source {
            location: Some(repository.get_att(codecommit::RepositoryAttr::CloneUrlHttp).into()),
            ..codebuild::project::Source::new("CODECOMMIT")
        }),
        SourceParts::Connection { connection: Some(connection), repository } => {
            let (kind, host) = match spec.provider {
                Provider::GitLab => ("GITLAB", "gitlab.com"),
                _ => ("GITHUB", "github.com"),
            };
            with_spec(codebuild::project::Source {
                location: Some(format!("https://{host}/{repository}.git").into()),
                auth: Some(codebuild::project::SourceAuth {
                    resource: Some(connection.arn().into()),
                    ..codebuild::project::SourceAuth::new("CODECONNECTIONS")
                }),
                // The build's outcome is the pull request's check.
                report_build_status: Some(true.into()),
                ..codebuild::project::Source::new(kind)
            })
        }
        _ => with_spec(codebuild::project::Source::new("NO_SOURCE")),
    }
}

/// The review's files (the whole plan among them) go to the artifacts bucket, under the
/// build's id.
pub(crate) fn artifacts(bucket: Expr) -> codebuild::project::Artifacts {
    codebuild::project::Artifacts {
        location: Some(bucket.into()),
        path: Some("review".into()),
        namespace_type: Some("BUILD_ID".into()),
        name: Some("results".into()),
        packaging: Some("NONE".into()),
        ..codebuild::project::Artifacts::new("S3")
    }
}

/// The webhook on pull requests into the branch (connections only, once the connection is
/// available: see [`Settings::review_webhook`]).
pub(crate) fn triggers(parts: &SourceParts, settings: &Settings) -> Option<codebuild::project::ProjectTriggers> {
    let SourceParts::Connection { connection: Some(_), .. } = parts else { return None };
    if !settings.review_webhook {
        return None;
    }
    let filter =
        |kind: &str, pattern: String| Expr::map([("Type", Expr::string(kind)), ("Pattern", Expr::string(pattern))]);
    Some(codebuild::project::ProjectTriggers {
        webhook: Some(true.into()),
        filter_groups: Some(vec![vec![
            filter("EVENT", "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED".to_owned()),
            filter("BASE_REF", format!("^refs/heads/{}$", regex_escape(&settings.branch))),
        ]]),
        pull_request_build_policy: Some(codebuild::project::PullRequestBuildPolicy::new("FORK_PULL_REQUESTS")),
        ..codebuild::project::ProjectTriggers::default()
    })
}

/// A branch name as a literal in CodeBuild's webhook patterns (regular expressions).
fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if ".^$*+?()[]{}|\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// What the review build may do beyond planning: read the source and comment on the pull
/// request (CodeCommit), or use the connection and read the token (GitHub, GitLab).
pub(crate) fn statements(parts: &SourceParts, spec: &ReviewSpec) -> Vec<Statement> {
    let mut out = Vec::new();
    match parts {
        SourceParts::CodeCommit(Some(repository)) => out.push(
            Statement::allow()
                .sid("PullRequestComments")
                .actions([
                    "codecommit:GitPull",
                    "codecommit:GetPullRequest",
                    "codecommit:GetCommentsForPullRequest",
                    "codecommit:PostCommentForPullRequest",
                    "codecommit:UpdateComment",
                ])
                .resource(repository.arn()),
        ),
        SourceParts::Connection { connection: Some(connection), .. } => out.push(
            Statement::allow()
                .sid("UseConnection")
                .actions([
                    "codeconnections:UseConnection",
                    "codeconnections:GetConnection",
                    "codeconnections:GetConnectionToken",
                    "codestar-connections:UseConnection",
                    "codestar-connections:GetConnection",
                    "codestar-connections:GetConnectionToken",
                ])
                .resource(connection.arn()),
        ),
        _ => {}
    }
    if let Some(secret) = &spec.token_secret {
        // Secrets Manager appends six random characters to a secret's name in its ARN.
        out.push(Statement::allow().sid("ReadReviewToken").action("secretsmanager:GetSecretValue").resource(
            Expr::sub(format!(
                "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{secret}-??????"
            )),
        ));
    }
    out
}

/// CodeCommit: pull requests into the branch, opened or pushed to, start the review build on
/// the source commit, told the pull request and its commits.
pub(crate) fn pull_request_rule(
    stack: &mut Stack,
    settings: &Settings,
    repository: &Handle<codecommit::Repository>,
    project: &Handle<codebuild::Project>,
) -> Result<(), BuildError> {
    let trust = constructs::document(stack, "ReviewRuleRole", PolicyDocument::assume_role("events.amazonaws.com"))?;
    let permissions =
        PolicyDocument::new().statement(Statement::allow().action("codebuild:StartBuild").resource(project.arn()));
    let permissions = constructs::document(stack, "ReviewRuleRole", permissions)?;
    let role = stack.template.add(
        "ReviewRuleRole",
        iam::Role {
            description: Some("Starts the review build when a pull request is opened or updated".into()),
            policies: Some(vec![iam::role::Policy::new(permissions, "start-review")]),
            ..iam::Role::new(trust)
        },
    );
    let variable = |name: &str, placeholder: &str| serde_json::json!({ "name": name, "value": format!("<{placeholder}>"), "type": "PLAINTEXT" });
    let template = serde_json::json!({
        "sourceVersion": "<source>",
        "environmentVariablesOverride": [
            variable(vars::PULL_REQUEST, "pullRequest"),
            variable(vars::BEFORE_COMMIT, "destination"),
            variable(vars::AFTER_COMMIT, "source"),
        ],
    });
    let paths = [
        ("pullRequest", "$.detail.pullRequestId"),
        ("destination", "$.detail.destinationCommit"),
        ("source", "$.detail.sourceCommit"),
    ];
    stack.template.add(
        "ReviewRule",
        events::Rule {
            description: Some(format!("Reviews pull requests into {}", settings.branch).into()),
            event_pattern: Some(Expr::map([
                ("source", Expr::list([Expr::string("aws.codecommit")])),
                ("detail-type", Expr::list([Expr::string("CodeCommit Pull Request State Change")])),
                ("resources", Expr::list([repository.arn()])),
                (
                    "detail",
                    Expr::map([
                        (
                            "event",
                            Expr::list(["pullRequestCreated", "pullRequestSourceBranchUpdated"].map(Expr::string)),
                        ),
                        ("destinationReference", Expr::list([Expr::string(format!("refs/heads/{}", settings.branch))])),
                        ("pullRequestStatus", Expr::list([Expr::string("Open")])),
                    ]),
                ),
            ])),
            targets: Some(vec![events::rule::Target {
                role_arn: Some(role.arn().into()),
                input_transformer: Some(events::rule::InputTransformer {
                    input_paths_map: Some(paths.into_iter().map(|(k, v)| (k.to_owned(), v.into())).collect()),
                    ..events::rule::InputTransformer::new(serde_json::to_string(&template).expect("plain JSON"))
                }),
                ..events::rule::Target::new(project.arn(), "ReviewBuild")
            }]),
            ..events::Rule::default()
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_is_matched_literally() {
        assert_eq!(regex_escape("release/1.2"), "release/1\\.2");
        assert_eq!(regex_escape("main"), "main");
    }
}
