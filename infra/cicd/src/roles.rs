//! The CI/CD's roles: CloudFormation's execution role per environment, one role per CodeBuild
//! project (each only what its buildspec does), and the pipeline's role.

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{codebuild, iam};
use sdlf_lake::stacks::BuildError;
use sdlf_lake::stacks::constructs;
use sdlf_lake::{Environment, Lake, Layer, Names, Stack};
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use crate::iam::{Prefixes, execution_policy};
use crate::names::CicdNames;
use crate::pipeline::Project;
use crate::stack::{BaseRefs, Request};

fn role(
    stack: &mut Stack,
    id: &str,
    name: String,
    description: String,
    trust: PolicyDocument,
    permissions: PolicyDocument,
) -> Result<Handle<iam::Role>, BuildError> {
    let trust = constructs::document(stack, id, trust)?;
    let permissions = constructs::document(stack, id, permissions)?;
    Ok(stack.template.add(
        id,
        iam::Role {
            role_name: Some(name.into()),
            description: Some(description.into()),
            policies: Some(vec![iam::role::Policy::new(permissions, "permissions")]),
            ..iam::Role::new(trust)
        },
    ))
}

/// Trusted by CloudFormation of this account only.
pub(crate) fn execution_role(stack: &mut Stack, lake: &Lake, target: &Environment) -> Result<(), BuildError> {
    let names = CicdNames::new(lake);
    let trust = PolicyDocument::new().statement(
        Statement::assume_role("cloudformation.amazonaws.com")
            .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
    );
    let id = format!("ExecutionRole{}", capitalized(&target.name));
    role(
        stack,
        &id,
        names.execution_role(&target.name),
        format!("CloudFormation deploys the {} lake's stacks with this role", target.name),
        trust,
        execution_policy(&Prefixes::new(lake, target)),
    )?;
    Ok(())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Logs, the CI/CD's artifacts and cache, and its key: what every build needs.
fn build_basics(base: &BaseRefs) -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("WriteBuildLogs")
            .actions(["logs:CreateLogStream", "logs:PutLogEvents"])
            .resource(base.log_group_arn.clone()),
        Statement::allow()
            .sid("ArtifactsAndCache")
            .actions(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"])
            .resource(Expr::join("", [base.bucket_arn.clone(), Expr::string("/*")])),
        Statement::allow()
            .sid("ArtifactsBucket")
            .actions(["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"])
            .resource(base.bucket_arn.clone()),
        Statement::allow()
            .sid("CicdKey")
            .actions(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"])
            .resource(base.key_arn.clone()),
    ]
}

/// Planning one environment's lake in this account: read its stacks, and create, read and
/// delete change sets of them; read its SSM parameters and assets.
fn plan_statements(lake: &Lake, target: &Environment, deploy: bool) -> Vec<Statement> {
    let prefixes = Prefixes::new(lake, target);
    let names = Names::new(lake, target);
    let mut stack_actions = vec![
        "cloudformation:GetTemplate",
        "cloudformation:DescribeStackEvents",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:DeleteChangeSet",
    ];
    if deploy {
        stack_actions.extend([
            "cloudformation:ExecuteChangeSet",
            "cloudformation:DeleteStack",
            "cloudformation:CancelUpdateStack",
            "cloudformation:UpdateTerminationProtection",
        ]);
    }
    let artifacts = names.bucket(Layer::Artifacts);
    let mut out = vec![
        Statement::allow().actions(stack_actions).resource(prefixes.stack_arns()),
        Statement::allow()
            .actions(["s3:GetObject", "s3:PutObject"])
            .resource(Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{artifacts}/*"))),
        Statement::allow()
            .action("s3:ListBucket")
            .resource(Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{artifacts}"))),
        // The lake's buckets are encrypted with the lake key, whose ARN the CI/CD does not know.
        Statement::allow()
            .actions(["kms:Decrypt", "kms:GenerateDataKey"])
            .resource(Expr::sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"))
            .condition(Condition::string_equals("kms:ViaService", Expr::sub("s3.${AWS::Region}.amazonaws.com"))),
        Statement::allow().action("ssm:GetParameters").resource(Expr::sub(format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/sdlf/{}/*",
            target.name
        ))),
    ];
    if deploy {
        out.push(
            Statement::allow()
                .action("sqs:GetQueueAttributes")
                .resource(Expr::sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:sdlf-*")),
        );
        out.push(Statement::allow().action("iam:PassRole").resource(Expr::sub(format!(
            "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
            CicdNames::new(lake).execution_role(&target.name)
        ))));
    }
    out
}

/// `cloudformation:DescribeStacks` without a name: one listing for the whole lake.
fn list_stacks() -> Statement {
    Statement::allow().sid("ListStacks").action("cloudformation:DescribeStacks").resource("*")
}

pub(crate) fn build_role(
    stack: &mut Stack,
    req: &Request,
    names: &CicdNames,
    project: Project,
    base: BaseRefs,
    extra: Vec<Statement>,
) -> Result<Handle<iam::Role>, BuildError> {
    let mut permissions = PolicyDocument::new().statements(build_basics(&base));
    if project != Project::Test {
        permissions = permissions.statement(list_stacks());
        for target in req.targets.iter().filter(|t| !t.is_local()) {
            if target.account() == req.home.account() {
                permissions = permissions.statements(plan_statements(req.lake, target, project == Project::Deploy));
            } else {
                // The review may only plan: its role there is the read-only one.
                let role = match project {
                    Project::Review => names.review_role(&target.name),
                    _ => names.deployment_role(&target.name),
                };
                permissions = permissions.statement(
                    Statement::allow()
                        .action("sts:AssumeRole")
                        .resource(Expr::sub(format!("arn:${{AWS::Partition}}:iam::{}:role/{role}", target.account()))),
                );
            }
        }
    }
    permissions = permissions.statements(extra);
    let trust = PolicyDocument::new().statement(
        Statement::assume_role("codebuild.amazonaws.com")
            .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
    );
    role(
        stack,
        &format!("{}BuildRole", project.id()),
        names.build_role(project),
        format!("Runs the CI/CD's {} builds", project.as_str()),
        trust,
        permissions,
    )
}

pub(crate) fn pipeline_role(
    stack: &mut Stack,
    names: &CicdNames,
    base: BaseRefs,
    source: Option<Expr>,
    projects: &[Handle<codebuild::Project>],
) -> Result<Handle<iam::Role>, BuildError> {
    let mut permissions = PolicyDocument::new()
        .statements(build_basics(&base).into_iter().skip(1))
        .statement(
            Statement::allow()
                .sid("RunBuilds")
                .actions(["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"])
                .resources(projects.iter().map(|p| p.arn())),
        )
        .statement(Statement::allow().sid("NotifyApprovals").action("sns:Publish").resource(base.topic_arn.clone()));
    if let Some(source) = source {
        permissions = permissions.statement(
            Statement::allow()
                .sid("ReadSource")
                .actions([
                    "codecommit:GetBranch",
                    "codecommit:GetCommit",
                    "codecommit:GetRepository",
                    "codecommit:UploadArchive",
                    "codecommit:GetUploadArchiveStatus",
                    "codecommit:CancelUploadArchive",
                    "codeconnections:UseConnection",
                    "codestar-connections:UseConnection",
                ])
                .resource(source),
        );
    }
    let trust = PolicyDocument::new().statement(
        Statement::assume_role("codepipeline.amazonaws.com")
            .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
    );
    role(stack, "PipelineRole", names.pipeline_role(), "Runs the CI/CD pipeline".into(), trust, permissions)
}

/// The stack an environment in another account deploys once (`bootstrap --env E --trust
/// PIPELINE_ACCOUNT`): its execution role, a deployment role the pipeline account's plan and
/// deploy builds may assume to plan and deploy there, and a review role its review build may
/// assume to plan only.
pub fn trust_stack(lake: &Lake, target: &Environment, pipeline_account: &str) -> Result<Stack, BuildError> {
    let names = CicdNames::new(lake);
    let fingerprints = sdlf_lake::assets::StandInFingerprints;
    let ctx = sdlf_lake::stacks::Ctx::new(lake, target, &fingerprints);
    let mut stack = ctx.stack(
        names.trust_stack(&target.name),
        &format!("SDLF CI/CD: the roles the pipeline in account {pipeline_account} uses to deploy {}", target.name),
        None,
    );
    execution_role(&mut stack, lake, target)?;
    let trusting = |projects: &[Project]| {
        let builds: Vec<Expr> = projects
            .iter()
            .map(|p| {
                Expr::sub(format!("arn:${{AWS::Partition}}:iam::{pipeline_account}:role/{}", names.build_role(*p)))
            })
            .collect();
        PolicyDocument::new().statement(
            Statement::allow()
                .principal(Principal::aws(Expr::sub(format!("arn:${{AWS::Partition}}:iam::{pipeline_account}:root"))))
                .action("sts:AssumeRole")
                .condition(Condition::arn_like("aws:PrincipalArn", builds)),
        )
    };
    let permissions = PolicyDocument::new().statement(list_stacks()).statements(plan_statements(lake, target, true));
    role(
        &mut stack,
        "DeploymentRole",
        names.deployment_role(&target.name),
        format!("The CI/CD pipeline in account {pipeline_account} plans and deploys {} with this role", target.name),
        trusting(&[Project::Plan, Project::Deploy]),
        permissions,
    )?;
    let read_only = PolicyDocument::new().statement(list_stacks()).statements(plan_statements(lake, target, false));
    role(
        &mut stack,
        "ReviewRole",
        names.review_role(&target.name),
        format!("Pull-request reviews in account {pipeline_account} plan {} with this role (read only)", target.name),
        trusting(&[Project::Review]),
        read_only,
    )?;
    Ok(stack)
}
