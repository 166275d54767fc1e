//! The CI/CD stack `{org}-{domain}-cicd`: a KMS key, the artifacts bucket, the source
//! (CodeCommit repository or CodeConnections connection), the `test` / `plan` / `deploy`
//! CodeBuild projects with their roles, the pull requests' `review` project
//! ([`crate::review_project`]), the execution role of each environment in this account, the
//! CodePipeline (V2) of [`crate::pipeline::stages`], and failures (and approvals) sent to an
//! encrypted SNS topic by an EventBridge rule.
//!
//! On the local emulator CodeCommit, CodePipeline and CodeConnections are left out (MiniStack
//! refuses a template holding them) and listed, as `sdlf synth` does for `local`.

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{codebuild, codecommit, codeconnections, codepipeline, events, iam, logs, s3, sns};
use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::stacks::baseline::{self, Scanned};
use sdlf_lake::stacks::constructs::{self, KeySpec};
use sdlf_lake::stacks::{BuildError, Ctx};
use sdlf_lake::{Environment, Lake, Layer, Stack};
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use crate::buildspec::Buildspec;
use crate::buildspecs::{self, ReviewSpec, vars};
use crate::names::CicdNames;
use crate::pipeline::{self, Action, Project, Settings, Source};
use crate::{review_project, roles};

/// What a CI/CD stack is built from.
pub struct Request<'a> {
    pub lake: &'a Lake,
    /// Where the CI/CD lives: its account and region (or the emulator).
    pub home: &'a Environment,
    /// The environments the pipeline plans and deploys, in order.
    pub targets: Vec<&'a Environment>,
    pub settings: &'a Settings,
}

/// Build image: CodeBuild's standard Linux image (Ubuntu, with git, curl and Python 3).
pub const IMAGE: &str = "aws/codebuild/standard:7.0";
/// 7 GB and 4 vCPUs: the workspace's release and test builds need more than the small size.
pub const COMPUTE_TYPE: &str = "BUILD_GENERAL1_MEDIUM";
/// Days the artifacts bucket keeps an execution's artifacts (and old versions of them).
const ARTIFACT_DAYS: i64 = 30;
const LOG_RETENTION_DAYS: i64 = 30;

/// The shared parts the projects and the pipeline refer to.
struct Base {
    key_arn: Expr,
    bucket: Handle<s3::Bucket>,
    log_group: Handle<logs::LogGroup>,
    topic: Handle<sns::Topic>,
}

pub fn build(req: &Request) -> Result<Stack, BuildError> {
    let names = CicdNames::new(req.lake);
    let fingerprints = StandInFingerprints;
    let ctx = Ctx::new(req.lake, req.home, &fingerprints);
    let mut stack = ctx.stack(
        names.stack(),
        "SDLF CI/CD: source, CodeBuild projects, pipeline, execution roles, notifications",
        None,
    );
    stack.tags.remove(sdlf_lake::stacks::context::TAG_ENV);
    let base = base(&mut stack, &ctx, &names)?;
    let source = source(&mut stack, &names, &req.settings.source, &base.key_arn);
    let review = review_project::spec(req, &names);
    let mut projects = Vec::new();
    let mut review_build = None;
    for project in Project::ALL {
        let Some(spec) = buildspecs::buildspec(project, req.settings, review.as_ref()) else { continue };
        let handle = self::project(&mut stack, req, &names, &base, (project, spec), &source, review.as_ref())?;
        match project {
            Project::Review => review_build = Some(handle),
            _ => projects.push(handle),
        }
    }
    for target in req.targets.iter().filter(|t| same_account(req.home, t)) {
        roles::execution_role(&mut stack, req.lake, target)?;
    }
    let pipeline = self::pipeline(&mut stack, req, &names, &base, &source, &projects)?;
    notifications(&mut stack, &names, &base)?;
    if let (Some(pipeline), SourceParts::CodeCommit(Some(repository))) = (&pipeline, &source) {
        push_trigger(&mut stack, req.settings, repository, pipeline)?;
    }
    if let (Some(project), SourceParts::CodeCommit(Some(repository))) = (&review_build, &source) {
        review_project::pull_request_rule(&mut stack, req.settings, repository, project)?;
    }
    outputs(&mut stack, &names, &base, &source, pipeline.as_ref());
    Ok(stack)
}

fn same_account(home: &Environment, target: &Environment) -> bool {
    home.account() == target.account()
}

/// The access-logs bucket and its policy.
struct AccessLogs {
    bucket: Handle<s3::Bucket>,
    policy: Handle<s3::BucketPolicy>,
}

/// Days the artifacts bucket's access logs are kept.
const ACCESS_LOG_DAYS: i64 = 365;

/// The artifacts bucket's server access logs, as the lake keeps its buckets' (SSE-S3, which S3
/// requires of a log target; versioned; TLS only; S3's log delivery writes under the artifacts
/// bucket's prefix only). Its own access is not logged: the baseline waives that check.
fn access_logs_bucket(
    stack: &mut Stack,
    ctx: &Ctx,
    names: &CicdNames,
    artifacts_bucket: &str,
) -> Result<AccessLogs, BuildError> {
    let name = names.access_logs_bucket(ctx.env);
    let rule =
        |id: &str| s3::bucket::Rule { id: Some(id.into()), ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled) };
    let bucket = stack.template.add_with(
        "AccessLogsBucket",
        s3::Bucket {
            bucket_name: Some(name.clone().into()),
            bucket_encryption: Some(constructs::bucket_encryption(None)),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                s3::bucket::Rule {
                    expiration_in_days: Some(ACCESS_LOG_DAYS.into()),
                    noncurrent_version_expiration: Some(s3::bucket::NoncurrentVersionExpiration::new(ARTIFACT_DAYS)),
                    ..rule("ExpireLogs")
                },
                s3::bucket::Rule {
                    expired_object_delete_marker: Some(true.into()),
                    ..rule("RemoveExpiredDeleteMarkers")
                },
            ])),
            ..constructs::private_bucket()
        },
        baseline::with_scanner_waivers(ctx.stateful(), Scanned::Bucket(Layer::AccessLogs)),
    );
    let arn = |suffix: &str| Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{name}{suffix}"));
    let delivery = Statement::allow()
        .sid("S3ServerAccessLogsDelivery")
        .principal(Principal::service("logging.s3.amazonaws.com"))
        .action("s3:PutObject")
        .resource(arn(&format!("/{artifacts_bucket}/*")))
        .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}")))
        .condition(Condition::arn_like(
            "aws:SourceArn",
            Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{artifacts_bucket}")),
        ));
    let doc =
        PolicyDocument::new().statement(Statement::deny_insecure_transport([arn(""), arn("/*")])).statement(delivery);
    let doc = constructs::document(stack, "AccessLogsBucketPolicy", doc)?;
    let policy = stack.template.add("AccessLogsBucketPolicy", s3::BucketPolicy::new(bucket.reference(), doc));
    Ok(AccessLogs { bucket, policy })
}

fn base(stack: &mut Stack, ctx: &Ctx, names: &CicdNames) -> Result<Base, BuildError> {
    let key = constructs::key(
        stack,
        ctx,
        KeySpec {
            id: "Cicd",
            alias: names.key_alias(),
            description: "SDLF CI/CD: pipeline artifacts, build cache and logs, notifications".into(),
            // EventBridge publishes to the encrypted topic; CodeCommit encrypts the repository.
            services: &["events.amazonaws.com", "codecommit.amazonaws.com"],
            extra_statements: vec![],
        },
    )?;
    let key_arn = key.arn();
    let bucket_name = names.artifacts_bucket(ctx.env);
    let access_logs = access_logs_bucket(stack, ctx, names, &bucket_name)?;
    let rule =
        |id: &str| s3::bucket::Rule { id: Some(id.into()), ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled) };
    let bucket = stack.template.add_with(
        "ArtifactsBucket",
        s3::Bucket {
            bucket_name: Some(bucket_name.clone().into()),
            bucket_encryption: Some(constructs::bucket_encryption(Some(key_arn.clone()))),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                s3::bucket::Rule { expiration_in_days: Some(ARTIFACT_DAYS.into()), ..rule("ExpireOldArtifacts") },
                s3::bucket::Rule {
                    noncurrent_version_expiration: Some(s3::bucket::NoncurrentVersionExpiration::new(ARTIFACT_DAYS)),
                    ..rule("ExpireNoncurrentVersions")
                },
                s3::bucket::Rule {
                    abort_incomplete_multipart_upload: Some(s3::bucket::AbortIncompleteMultipartUpload::new(1)),
                    ..rule("AbortIncompleteUploads")
                },
            ])),
            // What the lake deploys comes from here: who read and wrote it is worth keeping.
            logging_configuration: Some(s3::bucket::LoggingConfiguration {
                destination_bucket_name: Some(access_logs.bucket.reference().into()),
                log_file_prefix: Some(format!("{bucket_name}/").into()),
                ..Default::default()
            }),
            ..constructs::private_bucket()
        },
        // S3 checks the log target's policy when logging is set.
        ctx.stateful().depends_on(&access_logs.policy),
    );
    let arn = |suffix: &str| Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{bucket_name}{suffix}"));
    let doc = PolicyDocument::new().statement(Statement::deny_insecure_transport([arn(""), arn("/*")]));
    let doc = constructs::document(stack, "ArtifactsBucketPolicy", doc)?;
    stack.template.add("ArtifactsBucketPolicy", s3::BucketPolicy::new(bucket.reference(), doc));
    let log_group = stack.template.add_with(
        "BuildLogs",
        logs::LogGroup {
            log_group_name: Some(names.log_group().into()),
            kms_key_id: Some(key_arn.clone().into()),
            retention_in_days: Some(LOG_RETENTION_DAYS.into()),
            ..logs::LogGroup::default()
        },
        ctx.stateful(),
    );
    let topic = stack.template.add(
        "NotificationsTopic",
        sns::Topic {
            topic_name: Some(names.topic().into()),
            kms_master_key_id: Some(key_arn.clone().into()),
            ..sns::Topic::default()
        },
    );
    Ok(Base { key_arn, bucket, log_group, topic })
}

/// The source as the stack has it; `None` inside where the emulator left the resource out.
pub(crate) enum SourceParts {
    CodeCommit(Option<Handle<codecommit::Repository>>),
    Connection { connection: Option<Handle<codeconnections::Connection>>, repository: String },
}

fn source(stack: &mut Stack, names: &CicdNames, source: &Source, key_arn: &Expr) -> SourceParts {
    match source {
        Source::CodeCommit => SourceParts::CodeCommit(stack.add_where_supported(
            "Repository",
            codecommit::Repository {
                repository_description: Some("The data lake's definition (sdlf)".into()),
                kms_key_id: Some(key_arn.clone().into()),
                ..codecommit::Repository::new(names.repository())
            },
            // Deleting a repository deletes its history: kept when the stack goes.
            sdlf_cfn::ResourceOptions::new().retain_policy(sdlf_cfn::DeletionPolicy::Retain),
        )),
        Source::Connection { provider, repository } => {
            use codeconnections::connection::ProviderType;
            let provider_type = match provider {
                pipeline::Provider::GitHub => ProviderType::GitHub,
                pipeline::Provider::GitLab => ProviderType::GitLab,
                pipeline::Provider::Bitbucket => ProviderType::Bitbucket,
            };
            let connection = stack.add_where_supported(
                "Connection",
                codeconnections::Connection {
                    provider_type: Some(provider_type.into()),
                    ..codeconnections::Connection::new(names.connection(provider.as_str()))
                },
                sdlf_cfn::ResourceOptions::new(),
            );
            SourceParts::Connection { connection, repository: repository.clone() }
        }
    }
}

fn project(
    stack: &mut Stack,
    req: &Request,
    names: &CicdNames,
    base: &Base,
    (project, spec): (Project, Buildspec),
    source: &SourceParts,
    review: Option<&ReviewSpec>,
) -> Result<Handle<codebuild::Project>, BuildError> {
    let extra = match (project, review) {
        (Project::Review, Some(review)) => review_project::statements(source, review),
        _ => Vec::new(),
    };
    let role = roles::build_role(stack, req, names, project, base_refs(base), extra)?;
    let spec = spec.render();
    let (artifacts, source, triggers) = match (project, review) {
        (Project::Review, Some(review)) => (
            review_project::artifacts(base.bucket.reference()),
            review_project::source(source, review, spec),
            review_project::triggers(source, req.settings),
        ),
        _ => (
            codebuild::project::Artifacts::new("CODEPIPELINE"),
            codebuild::project::Source {
                build_spec: Some(spec.into()),
                ..codebuild::project::Source::new("CODEPIPELINE")
            },
            None,
        ),
    };
    let bucket = base.bucket.reference();
    Ok(stack.template.add(
        format!("{}Project", project.id()),
        codebuild::Project {
            name: Some(names.project(project).into()),
            description: Some(format!("sdlf {}: {}", project.as_str(), describe(project)).into()),
            encryption_key: Some(base.key_arn.clone().into()),
            cache: Some(codebuild::project::ProjectCache {
                location: Some(Expr::join("/", [bucket, Expr::string(format!("cache/{}", project.as_str()))]).into()),
                ..codebuild::project::ProjectCache::new("S3")
            }),
            logs_config: Some(codebuild::project::LogsConfig {
                cloud_watch_logs: Some(codebuild::project::CloudWatchLogsConfig {
                    group_name: Some(base.log_group.reference().into()),
                    stream_name: Some(project.as_str().into()),
                    ..codebuild::project::CloudWatchLogsConfig::new("ENABLED")
                }),
                ..Default::default()
            }),
            timeout_in_minutes: Some(if matches!(project, Project::Test | Project::Review) { 120 } else { 60 }.into()),
            triggers,
            ..codebuild::Project::new(
                artifacts,
                codebuild::project::Environment::new(COMPUTE_TYPE, IMAGE, "LINUX_CONTAINER"),
                role.arn(),
                source,
            )
        },
    ))
}

fn describe(project: Project) -> &'static str {
    match project {
        Project::Test => "the README's test command",
        Project::Plan => "sdlf diff of one environment, saved as an artifact",
        Project::Deploy => "sdlf deploy --yes of one environment",
        Project::Review => "a pull request's tests and plan of every environment, posted on it",
    }
}

/// What a role needs to know of the shared resources.
pub(crate) struct BaseRefs {
    pub key_arn: Expr,
    pub bucket_arn: Expr,
    pub log_group_arn: Expr,
    pub topic_arn: Expr,
}

fn base_refs(base: &Base) -> BaseRefs {
    BaseRefs {
        key_arn: base.key_arn.clone(),
        bucket_arn: base.bucket.arn(),
        log_group_arn: base.log_group.arn(),
        topic_arn: base.topic.reference(),
    }
}

fn source_arn(source: &SourceParts) -> Option<Expr> {
    match source {
        SourceParts::CodeCommit(repository) => repository.as_ref().map(|r| r.arn()),
        SourceParts::Connection { connection, .. } => connection.as_ref().map(|c| c.arn()),
    }
}

/// The variables a build action sets for `target`, as `(name, value)`; values may hold
/// `${AWS::...}` references (the whole list is one `Fn::Sub`).
pub fn action_variables(lake: &Lake, home: &Environment, target: &Environment) -> Vec<(&'static str, String)> {
    let names = CicdNames::new(lake);
    let mut out = vec![(vars::ENV, target.name.clone())];
    if target.is_local() {
        return out; // the emulator takes any credentials: no roles
    }
    let role = |name: String| {
        if same_account(home, target) {
            format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{name}")
        } else {
            format!("arn:${{AWS::Partition}}:iam::{}:role/{name}", target.account())
        }
    };
    out.push((vars::EXECUTION_ROLE_ARN, role(names.execution_role(&target.name))));
    if !same_account(home, target) {
        out.push((vars::DEPLOY_ROLE_ARN, role(names.deployment_role(&target.name))));
    }
    out
}

fn pipeline(
    stack: &mut Stack,
    req: &Request,
    names: &CicdNames,
    base: &Base,
    source: &SourceParts,
    projects: &[Handle<codebuild::Project>],
) -> Result<Option<Handle<codepipeline::Pipeline>>, BuildError> {
    let source_present = match source {
        SourceParts::CodeCommit(r) => r.is_some(),
        SourceParts::Connection { connection, .. } => connection.is_some(),
    };
    if req.home.is_local() || !source_present {
        // The emulator has no CodePipeline: record it as left out, as the source was.
        stack.add_where_supported(
            "Pipeline",
            codepipeline::Pipeline::new(Expr::string(""), Vec::new()),
            sdlf_cfn::ResourceOptions::new(),
        );
        return Ok(None);
    }
    let role = roles::pipeline_role(stack, names, base_refs(base), source_arn(source), projects)?;
    let stages = pipeline::stages(&req.targets)
        .into_iter()
        .map(|stage| codepipeline::pipeline::StageDeclaration {
            name: stage.name.clone().into(),
            actions: stage.actions.iter().map(|a| action(req, base, source, projects, a)).collect(),
            before_entry: None,
            blockers: None,
            on_failure: None,
            on_success: None,
        })
        .collect();
    let triggers = match source {
        SourceParts::Connection { .. } => Some(vec![codepipeline::pipeline::PipelineTriggerDeclaration {
            git_configuration: Some(codepipeline::pipeline::GitConfiguration {
                push: Some(vec![codepipeline::pipeline::GitPushFilter {
                    branches: Some(codepipeline::pipeline::GitBranchFilterCriteria {
                        includes: Some(vec![req.settings.branch.clone().into()]),
                        excludes: None,
                    }),
                    file_paths: None,
                    tags: None,
                }]),
                ..codepipeline::pipeline::GitConfiguration::new("Source")
            }),
            ..codepipeline::pipeline::PipelineTriggerDeclaration::new(
                codepipeline::pipeline::ProviderType::CodeStarSourceConnection,
            )
        }]),
        SourceParts::CodeCommit(_) => None,
    };
    Ok(stack.add_where_supported(
        "Pipeline",
        codepipeline::Pipeline {
            name: Some(names.pipeline().into()),
            pipeline_type: Some(codepipeline::pipeline::PipelineType::V2.into()),
            // A newer commit replaces one still waiting (at an approval, say): approving a
            // stale plan would deploy what the newer commit already changed.
            execution_mode: Some(codepipeline::pipeline::ExecutionMode::Superseded.into()),
            restart_execution_on_update: Some(false.into()),
            artifact_store: Some(codepipeline::pipeline::ArtifactStore {
                encryption_key: Some(codepipeline::pipeline::EncryptionKey::new(base.key_arn.clone(), "KMS")),
                ..codepipeline::pipeline::ArtifactStore::new(
                    base.bucket.reference(),
                    codepipeline::pipeline::ArtifactStoreType::S3,
                )
            }),
            triggers,
            ..codepipeline::Pipeline::new(role.arn(), stages)
        },
        sdlf_cfn::ResourceOptions::new(),
    ))
}

fn action(
    req: &Request,
    base: &Base,
    source: &SourceParts,
    projects: &[Handle<codebuild::Project>],
    action: &Action,
) -> codepipeline::pipeline::ActionDeclaration {
    use codepipeline::pipeline::{ActionDeclaration, ActionTypeId, Category, InputArtifact, OutputArtifact};
    let type_id = |category: Category, provider: &str| ActionTypeId::new(category, "AWS", provider, "1");
    match action {
        Action::Source => {
            let (provider, configuration) = match source {
                SourceParts::CodeCommit(repository) => (
                    "CodeCommit",
                    Expr::map([
                        ("RepositoryName", repository.as_ref().expect("a pipeline only with its source").name()),
                        ("BranchName", Expr::string(&req.settings.branch)),
                        // An EventBridge rule starts the pipeline on a push (AWS's recommendation).
                        ("PollForSourceChanges", Expr::string("false")),
                    ]),
                ),
                SourceParts::Connection { connection, repository } => (
                    "CodeStarSourceConnection",
                    Expr::map([
                        ("ConnectionArn", connection.as_ref().expect("a pipeline only with its source").arn()),
                        ("FullRepositoryId", Expr::string(repository)),
                        ("BranchName", Expr::string(&req.settings.branch)),
                    ]),
                ),
            };
            ActionDeclaration {
                configuration: Some(configuration),
                output_artifacts: Some(vec![OutputArtifact::new(pipeline::SOURCE_ARTIFACT)]),
                ..ActionDeclaration::new(type_id(Category::Source, provider), "Source")
            }
        }
        Action::Build { name, project, environment, output, namespace } => {
            let handle = &projects
                [Project::PIPELINE.iter().position(|p| p == project).expect("every pipeline project is built")];
            let mut configuration = vec![("ProjectName", handle.reference())];
            if let Some(env) = environment {
                let target = req.lake.environment(env).expect("a target of the lake");
                configuration.push(("EnvironmentVariables", variables_json(req.lake, req.home, target)));
            }
            ActionDeclaration {
                configuration: Some(Expr::map(configuration)),
                input_artifacts: Some(vec![InputArtifact::new(pipeline::SOURCE_ARTIFACT)]),
                output_artifacts: output.as_ref().map(|o| vec![OutputArtifact::new(o.clone())]),
                namespace: namespace.clone().map(Into::into),
                ..ActionDeclaration::new(type_id(Category::Build, "CodeBuild"), name.clone())
            }
        }
        Action::Approval { name, environment, plan_namespace } => ActionDeclaration {
            configuration: Some(Expr::map([
                ("NotificationArn", base.topic.reference()),
                (
                    "CustomData",
                    Expr::string(format!(
                        "Deploy to {environment}? Plan: #{{{plan_namespace}.{}}}. The full plan is the \
                         {plan_namespace} artifact of this execution.",
                        pipeline::PLAN_SUMMARY_VARIABLE
                    )),
                ),
            ])),
            ..ActionDeclaration::new(type_id(Category::Approval, "Manual"), name.clone())
        },
    }
}

/// A build action's `EnvironmentVariables`: a JSON string (CodePipeline's format).
fn variables_json(lake: &Lake, home: &Environment, target: &Environment) -> Expr {
    let list: Vec<serde_json::Value> = action_variables(lake, home, target)
        .into_iter()
        .map(|(name, value)| serde_json::json!({"name": name, "value": value, "type": "PLAINTEXT"}))
        .collect();
    let text = serde_json::to_string(&list).expect("plain JSON");
    if text.contains("${") { Expr::sub(text) } else { Expr::string(text) }
}

/// Failed executions and stages, and approvals waiting, go to the encrypted topic.
fn notifications(stack: &mut Stack, names: &CicdNames, base: &Base) -> Result<(), BuildError> {
    let rule = stack.template.add(
        "FailuresRule",
        events::Rule {
            description: Some("sdlf CI/CD: failed pipeline executions and stages".into()),
            event_pattern: Some(Expr::map([
                ("source", Expr::list([Expr::string("aws.codepipeline")])),
                (
                    "detail-type",
                    Expr::list(
                        ["CodePipeline Pipeline Execution State Change", "CodePipeline Stage Execution State Change"]
                            .map(Expr::string),
                    ),
                ),
                (
                    "detail",
                    Expr::map([
                        ("pipeline", Expr::list([Expr::string(names.pipeline())])),
                        ("state", Expr::list([Expr::string("FAILED")])),
                    ]),
                ),
            ])),
            targets: Some(vec![events::rule::Target::new(base.topic.reference(), "Notifications")]),
            ..events::Rule::default()
        },
    );
    let doc = PolicyDocument::new()
        .statement(Statement::deny_insecure_transport_of(["sns:Publish"], [base.topic.reference()]))
        .statement(
            Statement::allow()
                .sid("FailuresRulePublishes")
                .principal(Principal::service("events.amazonaws.com"))
                .action("sns:Publish")
                .resource(base.topic.reference())
                .condition(Condition::arn_like("aws:SourceArn", rule.arn())),
        )
        .statement(
            Statement::allow()
                .sid("ApprovalsPublish")
                .principal(Principal::service("codepipeline.amazonaws.com"))
                .action("sns:Publish")
                .resource(base.topic.reference())
                .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
        );
    let doc = constructs::document(stack, "NotificationsTopicPolicy", doc)?;
    stack.template.add("NotificationsTopicPolicy", sns::TopicPolicy::new(doc, vec![base.topic.reference().into()]));
    Ok(())
}

/// A push to the branch of the CodeCommit repository starts the pipeline (CodePipeline V2's
/// triggers serve connections only).
fn push_trigger(
    stack: &mut Stack,
    settings: &Settings,
    repository: &Handle<codecommit::Repository>,
    pipeline: &Handle<codepipeline::Pipeline>,
) -> Result<(), BuildError> {
    let trust = constructs::document(stack, "PushRuleRole", PolicyDocument::assume_role("events.amazonaws.com"))?;
    let permissions = PolicyDocument::new()
        .statement(Statement::allow().action("codepipeline:StartPipelineExecution").resource(pipeline.arn()));
    let permissions = constructs::document(stack, "PushRuleRole", permissions)?;
    let role = stack.template.add(
        "PushRuleRole",
        iam::Role {
            description: Some("Starts the pipeline when the branch is pushed".into()),
            policies: Some(vec![iam::role::Policy::new(permissions, "start-pipeline")]),
            ..iam::Role::new(trust)
        },
    );
    stack.template.add(
        "PushRule",
        events::Rule {
            description: Some(format!("Starts the pipeline on a push to {}", settings.branch).into()),
            event_pattern: Some(Expr::map([
                ("source", Expr::list([Expr::string("aws.codecommit")])),
                ("detail-type", Expr::list([Expr::string("CodeCommit Repository State Change")])),
                ("resources", Expr::list([repository.arn()])),
                (
                    "detail",
                    Expr::map([
                        ("event", Expr::list(["referenceCreated", "referenceUpdated"].map(Expr::string))),
                        ("referenceType", Expr::list([Expr::string("branch")])),
                        ("referenceName", Expr::list([Expr::string(&settings.branch)])),
                    ]),
                ),
            ])),
            targets: Some(vec![events::rule::Target {
                role_arn: Some(role.arn().into()),
                ..events::rule::Target::new(pipeline.arn(), "Pipeline")
            }]),
            ..events::Rule::default()
        },
    );
    Ok(())
}

fn outputs(
    stack: &mut Stack,
    names: &CicdNames,
    base: &Base,
    source: &SourceParts,
    pipeline: Option<&Handle<codepipeline::Pipeline>>,
) {
    use sdlf_cfn::Output;
    stack.template.add_output("ArtifactsBucket", Output::new(base.bucket.reference()));
    stack.template.add_output("NotificationsTopic", Output::new(base.topic.reference()));
    match source {
        SourceParts::CodeCommit(Some(repository)) => {
            stack.template.add_output("RepositoryName", Output::new(repository.name()));
            stack.template.add_output(
                "RepositoryCloneUrlHttp",
                Output::new(repository.get_att(codecommit::RepositoryAttr::CloneUrlHttp)),
            );
        }
        SourceParts::Connection { connection: Some(connection), .. } => {
            stack.template.add_output("ConnectionArn", Output::new(connection.arn()));
        }
        _ => {}
    }
    if pipeline.is_some() {
        stack.template.add_output("PipelineName", Output::new(Expr::string(names.pipeline())));
    }
}
