//! The CI/CD's permissions, written out: the CloudFormation execution role of each
//! environment (what the lake's stacks may create, scoped to the lake's name prefixes wherever
//! the service allows it), and the CodeBuild roles (only the lake's stacks, the artifacts
//! buckets, and passing only the execution role). No AdministratorAccess anywhere.
//!
//! Prefixes: the lake's stacks are `{org}-{domain}-{env}-*`; its buckets
//! `{org}-{domain}-{env}-*`; lake- and team-wide resources `sdlf-*` (team resources carry no
//! environment, which is why one account holds one environment — the definition refuses two);
//! Glue databases `{org}_{domain}_{env}_*`; SSM parameters `/sdlf/{env}/*`.

use sdlf_cfn::Expr;
use sdlf_lake::stacks::constructs::arn;
use sdlf_lake::{Environment, Lake};
use sdlf_policy::{Allowance, Allowlist, Condition, FindingKind, PolicyDocument, Statement};

/// A global service's ARN (IAM, S3): no region.
fn global_arn(service: &str, account: bool, resource: &str) -> Expr {
    let account = if account { "${AWS::AccountId}" } else { "" };
    Expr::sub(format!("arn:${{AWS::Partition}}:{service}::{account}:{resource}"))
}

/// The name prefixes of one environment's lake.
pub struct Prefixes {
    /// `{org}-{domain}-{env}`: stacks, buckets, generated role names.
    pub stacks: String,
    /// `{org}_{domain}_{env}`: Glue databases.
    pub glue: String,
    pub env: String,
}

impl Prefixes {
    pub fn new(lake: &Lake, env: &Environment) -> Prefixes {
        Prefixes {
            stacks: format!("{}-{}-{}", lake.org, lake.domain, env.name),
            glue: format!("{}_{}_{}", lake.org, lake.domain, env.name),
            env: env.name.clone(),
        }
    }

    /// Every stack of the environment's lake.
    pub fn stack_arns(&self) -> Expr {
        arn("cloudformation", &format!("stack/{}-*", self.stacks))
    }
}

/// What CloudFormation may do when it deploys one environment's lake stacks.
pub fn execution_policy(p: &Prefixes) -> PolicyDocument {
    PolicyDocument::new()
        .statements(bucket_and_key_statements(p))
        .statements(messaging_and_function_statements())
        .statements(role_log_and_parameter_statements(p))
        .statements(glue_statements(p))
        .statements(orchestration_statements())
}

/// The lake's buckets (`{org}-{domain}-{env}-*`), its keys and their `alias/sdlf-*` aliases.
fn bucket_and_key_statements(p: &Prefixes) -> Vec<Statement> {
    let s = &p.stacks;
    vec![
        Statement::allow()
            .sid("LakeBuckets")
            .actions([
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:GetBucket*",
                "s3:PutBucket*",
                "s3:DeleteBucketPolicy",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
            ])
            .resource(global_arn("s3", false, &format!("{s}-*"))),
        Statement::allow().sid("LakeKeysCreate").action("kms:CreateKey").resource("*"),
        Statement::allow().sid("ListKeyAliases").action("kms:ListAliases").resource("*"),
        Statement::allow()
            .sid("LakeKeys")
            .actions([
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ListResourceTags",
                "kms:ScheduleKeyDeletion",
                "kms:CreateGrant",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:GenerateDataKey*",
            ])
            .resource(arn("kms", "key/*")),
        Statement::allow()
            .sid("LakeKeyAliases")
            .actions(["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"])
            .resources([arn("kms", "alias/sdlf-*"), arn("kms", "key/*")]),
    ]
}

/// The lake's `sdlf-*` queues, topics, tables and functions, and the functions' event sources.
fn messaging_and_function_statements() -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("LakeQueuesTablesTopics")
            .actions([
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:TagQueue",
                "sqs:UntagQueue",
                "sqs:ListQueueTags",
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
                "dynamodb:CreateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:ListTagsOfResource",
            ])
            .resources([arn("sqs", "sdlf-*"), arn("sns", "sdlf-*"), arn("dynamodb", "table/sdlf-*")]),
        Statement::allow()
            .sid("LakeFunctions")
            .actions([
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
                "lambda:InvokeFunction",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
            ])
            .resource(arn("lambda", "function:sdlf-*")),
        Statement::allow()
            .sid("LakeEventSourceMappings")
            .actions([
                "lambda:CreateEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
                "lambda:GetEventSourceMapping",
            ])
            .resource("*")
            .condition(Condition::arn_like("lambda:FunctionArn", arn("lambda", "function:sdlf-*"))),
    ]
}

/// The stacks' roles and team policies, log groups, and the environment's `/sdlf/{env}/*` parameters.
fn role_log_and_parameter_statements(p: &Prefixes) -> Vec<Statement> {
    let s = &p.stacks;
    vec![
        Statement::allow()
            .sid("LakeRoles")
            .actions([
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PassRole",
                "iam:CreatePolicy",
                "iam:DeletePolicy",
                "iam:GetPolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:ListPolicyVersions",
            ])
            .resources([
                global_arn("iam", true, &format!("role/{s}-*")),
                global_arn("iam", true, &format!("role/sdlf/*/{s}-*")),
                global_arn("iam", true, "policy/sdlf/*/sdlf-*"),
            ]),
        Statement::allow()
            .sid("LakeLogs")
            .actions([
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:AssociateKmsKey",
                "logs:DisassociateKmsKey",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:ListTagsForResource",
                "logs:DescribeLogGroups",
            ])
            .resource(arn("logs", "log-group:*")),
        Statement::allow()
            .sid("LakeParameters")
            .actions([
                "ssm:PutParameter",
                "ssm:DeleteParameter",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:AddTagsToResource",
                "ssm:RemoveTagsFromResource",
                "ssm:ListTagsForResource",
            ])
            .resource(arn("ssm", &format!("parameter/sdlf/{}/*", p.env))),
    ]
}

/// Glue: databases `{org}_{domain}_{env}_*`, `sdlf-*` crawlers, jobs and rulesets, and
/// security configurations.
fn glue_statements(p: &Prefixes) -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("LakeGlue")
            .actions([
                "glue:CreateDatabase",
                "glue:DeleteDatabase",
                "glue:GetDatabase",
                "glue:UpdateDatabase",
                "glue:CreateCrawler",
                "glue:DeleteCrawler",
                "glue:GetCrawler",
                "glue:UpdateCrawler",
                "glue:CreateJob",
                "glue:DeleteJob",
                "glue:GetJob",
                "glue:UpdateJob",
                "glue:CreateDataQualityRuleset",
                "glue:DeleteDataQualityRuleset",
                "glue:GetDataQualityRuleset",
                "glue:UpdateDataQualityRuleset",
                "glue:TagResource",
                "glue:UntagResource",
                "glue:GetTags",
            ])
            .resources([
                arn("glue", "catalog"),
                arn("glue", &format!("database/{}_*", p.glue)),
                arn("glue", "crawler/sdlf-*"),
                arn("glue", "job/sdlf-*"),
                arn("glue", "dataQualityRuleset/sdlf-*"),
            ]),
        Statement::allow()
            .sid("GlueSecurityConfigurations")
            .actions([
                "glue:CreateSecurityConfiguration",
                "glue:DeleteSecurityConfiguration",
                "glue:GetSecurityConfiguration",
            ])
            .resource("*"),
    ]
}

/// State machines, schedules, alarms and Athena workgroups (`sdlf-*`), and Lake Formation.
fn orchestration_statements() -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("LakeStateMachinesSchedulesAlarms")
            .actions([
                "states:CreateStateMachine",
                "states:DeleteStateMachine",
                "states:DescribeStateMachine",
                "states:UpdateStateMachine",
                "states:TagResource",
                "states:UntagResource",
                "states:ListTagsForResource",
                "scheduler:CreateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
                "scheduler:UpdateSchedule",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "athena:CreateWorkGroup",
                "athena:DeleteWorkGroup",
                "athena:GetWorkGroup",
                "athena:UpdateWorkGroup",
                "athena:TagResource",
                "athena:UntagResource",
                "athena:ListTagsForResource",
            ])
            .resources([
                arn("states", "stateMachine:sdlf-*"),
                arn("scheduler", "schedule/*/sdlf-*"),
                arn("cloudwatch", "alarm:sdlf-*"),
                arn("athena", "workgroup/sdlf-*"),
            ]),
        Statement::allow()
            .sid("LakeFormation")
            .actions([
                "lakeformation:GetDataLakeSettings",
                "lakeformation:PutDataLakeSettings",
                "lakeformation:RegisterResource",
                "lakeformation:DeregisterResource",
                "lakeformation:DescribeResource",
                "lakeformation:GrantPermissions",
                "lakeformation:RevokePermissions",
                "lakeformation:ListPermissions",
            ])
            .resource("*"),
    ]
}

/// The wildcards of the CI/CD's policies, each with its reason (added to the lake's
/// allowlist when the CI/CD stacks are audited).
pub fn allowlist() -> Allowlist {
    let mut list = sdlf_lake::stacks::baseline::allowlist();
    for (actions, reason) in [
        (
            "kms:CreateKey",
            "kms:CreateKey has no resource-level permissions (the key does not exist yet); what may be done \
             with a key afterwards is scoped to key and alias ARNs",
        ),
        ("kms:ListAliases", "kms:ListAliases has no resource-level permissions"),
        (
            "cloudformation:DescribeStacks",
            "DescribeStacks without a stack name (one listing for the whole lake, so a no-op deploy makes one call) \
             needs Resource \"*\"; it only reads",
        ),
        (
            "lambda:*EventSourceMapping",
            "event source mappings have no ARN before they exist; the lambda:FunctionArn condition limits them to \
             the lake's functions",
        ),
        ("glue:*SecurityConfiguration", "Glue security configurations have no resource-level permissions"),
        (
            "lakeformation:*",
            "Lake Formation's settings, registrations and grants have no resource-level permissions; they are \
             decided by the Lake Formation administrator the foundations stack sets",
        ),
    ] {
        list.push(Allowance::logical_id("*", FindingKind::WildcardResource, reason).actions(actions));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_execution_policy_is_well_formed_and_names_the_environment() {
        let lake = Lake { org: "acme".into(), domain: "lake".into(), environments: vec![], teams: vec![] };
        let env = Environment::aws("dev", "111111111111", "us-east-1");
        let p = Prefixes::new(&lake, &env);
        assert_eq!(p.stacks, "acme-lake-dev");
        let doc = execution_policy(&p).try_into_expr().expect("a valid policy");
        let text = format!("{doc:?}");
        assert!(text.contains("parameter/sdlf/dev/*"), "{text}");
        assert!(text.contains("database/acme_lake_dev_*"), "{text}");
        assert!(!text.contains("\"s3:*\""), "no whole-service grants");
    }
}
