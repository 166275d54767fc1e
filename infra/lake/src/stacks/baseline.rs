//! The security baseline's accepted exceptions, each with its reason, in one place:
//!
//! - [`allowlist`]: every wildcard the lake's policies use. [`synthesize`](super::synthesize)
//!   refuses stacks with any other wildcard action, resource or principal.
//! - [`SCANNER_WAIVERS`]: the checkov checks (and the one cfn-lint rule) the lake does not
//!   follow, for which resources and why. The stack builders write them into those resources'
//!   `Metadata` (`checkov.skip`, `cfn-lint.config.ignore_checks`; see [`with_scanner_waivers`]);
//!   the stack tests run both scanners and fail on any finding and on any skip without a reason.

use sdlf_cfn::{Expr, ResourceOptions};
use sdlf_policy::{Allowance, Allowlist, FindingKind};

use crate::names::Layer;

pub fn allowlist() -> Allowlist {
    Allowlist::new()
        .allow(Allowance::resource_type(
            "AWS::KMS::Key",
            FindingKind::WildcardResource,
            "in a key policy, Resource \"*\" means the key itself",
        ))
        .allow(
            Allowance::resource_type(
                "AWS::KMS::Key",
                FindingKind::WildcardAction,
                "the account administers its keys through IAM, as in AWS's default key policy; without it a key \
                 can become unmanageable",
            )
            .actions("kms:*"),
        )
        .allow(
            Allowance::logical_id(
                "*",
                FindingKind::WildcardResource,
                "Lake Formation's credential vending (lakeformation:GetDataAccess) has no resource-level \
                 permissions; what a principal may read is decided by its Lake Formation grants",
            )
            .actions("lakeformation:GetDataAccess"),
        )
        .allow(
            Allowance::logical_id(
                "*",
                FindingKind::WildcardResource,
                "cloudwatch:PutMetricData has no resource-level permissions; the team stack's statements narrow \
                 it with a cloudwatch:namespace condition",
            )
            .actions("cloudwatch:PutMetricData"),
        )
        .allow(
            Allowance::logical_id(
                "StatesRole",
                FindingKind::WildcardResource,
                "Step Functions writes execution logs through CloudWatch Logs' log-delivery API \
                 (logs:CreateLogDelivery and friends), which has no resource-level permissions",
            )
            .actions("logs:*"),
        )
        .allow(
            Allowance::logical_id(
                "PermissionsBoundary",
                FindingKind::WildcardResource,
                "the boundary must admit the states role's log-delivery calls, which have no resource-level \
                 permissions",
            )
            .actions("logs:*"),
        )
        .allow(
            Allowance::logical_id(
                "*",
                FindingKind::WildcardResource,
                "EC2's Describe actions have no resource-level permissions: Lambda and Glue describe the subnets, \
                 security groups and network interfaces of a VPC environment to place theirs (only VPC environments \
                 have the statement)",
            )
            .actions("ec2:Describe*"),
        )
}

// --- checkov -----------------------------------------------------------------------------------

/// Who invokes a function. It decides where the function's failed invocations end up, so
/// whether it needs a dead-letter queue of its own, and what bounds its concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invocation {
    /// An SQS queue's event source mapping, capped at the function's reserved concurrency.
    Queue,
    /// A state machine's task, synchronously.
    StateMachine,
    /// An EventBridge Scheduler schedule, asynchronously: the function gets a dead-letter queue
    /// of its own.
    Schedule,
    /// CloudFormation, as the provider of a custom resource.
    CustomResource,
    /// A person, through `sdlf redrive` (synchronously).
    Operator,
}

/// A resource as the waivers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    Function { invoked_by: Invocation, reserved_concurrency: bool, in_vpc: bool },
    Bucket(Layer),
    GlueConnection,
}

/// Which resources a waiver covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covers {
    /// Every function.
    Functions,
    /// Functions invoked so.
    FunctionsInvokedBy(Invocation),
    /// Functions invoked so, without reserved concurrency.
    UnreservedFunctionsInvokedBy(Invocation),
    /// Every function of an environment without a VPC.
    FunctionsOutsideVpc,
    /// The bucket of a layer.
    Bucket(Layer),
    /// The Glue network connections of a VPC environment.
    GlueConnections,
}

impl Covers {
    /// Whether the waiver applies to `resource`.
    pub fn covers(self, resource: Scanned) -> bool {
        match (self, resource) {
            (Covers::Functions, Scanned::Function { .. }) => true,
            (Covers::FunctionsInvokedBy(i), Scanned::Function { invoked_by, .. }) => i == invoked_by,
            (Covers::UnreservedFunctionsInvokedBy(i), Scanned::Function { invoked_by, reserved_concurrency, .. }) => {
                i == invoked_by && !reserved_concurrency
            }
            (Covers::FunctionsOutsideVpc, Scanned::Function { in_vpc, .. }) => !in_vpc,
            (Covers::Bucket(layer), Scanned::Bucket(l)) => layer == l,
            (Covers::GlueConnections, Scanned::GlueConnection) => true,
            _ => false,
        }
    }
}

/// The template scanners the stack tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanner {
    Checkov,
    CfnLint,
}

/// A scanner's check the lake does not follow for the resources it covers, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiver {
    pub scanner: Scanner,
    /// E.g. `CKV_AWS_116`, `W3010`.
    pub check: &'static str,
    pub covers: Covers,
    pub reason: &'static str,
}

const fn waiver(check: &'static str, covers: Covers, reason: &'static str) -> Waiver {
    Waiver { scanner: Scanner::Checkov, check, covers, reason }
}

/// Every scanner check the lake's stacks skip, for which resources, and why; the README's
/// table is this one.
pub const SCANNER_WAIVERS: &[Waiver] = &[
    waiver(
        "CKV_AWS_116",
        Covers::FunctionsInvokedBy(Invocation::Queue),
        "fed by an SQS queue: a message that keeps failing goes to that queue's dead-letter queue after its \
         receive limit (a function's own dead-letter queue only takes asynchronous invocations)",
    ),
    waiver(
        "CKV_AWS_116",
        Covers::FunctionsInvokedBy(Invocation::StateMachine),
        "invoked synchronously by its stage's state machine, which retries and catches its errors: the error \
         path sends the execution's input to the stage's dead-letter queue, and an execution that still fails \
         raises the stage's alarm",
    ),
    waiver(
        "CKV_AWS_116",
        Covers::FunctionsInvokedBy(Invocation::CustomResource),
        "the custom-resource provider: a failed invocation fails the deploy that asked for it (after the \
         resource's ServiceTimeout), which is where it is seen and retried; a dead letter could not be answered, \
         its response URL belongs to that deploy",
    ),
    waiver(
        "CKV_AWS_116",
        Covers::FunctionsInvokedBy(Invocation::Operator),
        "invoked synchronously by `sdlf redrive`, which prints the error to the person who ran it",
    ),
    waiver(
        "CKV_AWS_115",
        Covers::UnreservedFunctionsInvokedBy(Invocation::StateMachine),
        "runs once per execution step of its stage: stage A executions start from the routing function, whose \
         concurrency is reserved and capped, stage B executions once per dataset and schedule tick; a \
         reservation would withhold account capacity from every other function",
    ),
    waiver(
        "CKV_AWS_115",
        Covers::UnreservedFunctionsInvokedBy(Invocation::Schedule),
        "runs once per schedule tick of each dataset it serves, for seconds",
    ),
    waiver(
        "CKV_AWS_115",
        Covers::UnreservedFunctionsInvokedBy(Invocation::CustomResource),
        "runs once per config row a deploy creates, changes or deletes",
    ),
    waiver(
        "CKV_AWS_115",
        Covers::UnreservedFunctionsInvokedBy(Invocation::Operator),
        "runs only when a person runs `sdlf redrive`, one invocation at a time",
    ),
    waiver(
        "CKV_AWS_117",
        Covers::FunctionsOutsideVpc,
        "the environment has no VPC in the lake definition: its functions call only AWS APIs, over TLS and \
         authorized by IAM; `Environment::in_vpc` runs them in the account's subnets",
    ),
    waiver(
        "CKV_AWS_45",
        Covers::Functions,
        "the environment holds resource names, queue URLs and ARNs only (the functions' typed env contract, \
         lambdas/core contract::env), never a secret, encrypted with a KMS key; the check's entropy scan takes \
         references to the stack's SSM parameters for secrets (in prod, the execution-history table's)",
    ),
    waiver(
        "CKV_AWS_18",
        Covers::Bucket(Layer::AccessLogs),
        "the access-logs bucket receives the other buckets' server access logs; logging it too would need \
         another bucket, whose own logs would need yet another",
    ),
    waiver(
        "CKV_AWS_21",
        Covers::Bucket(Layer::Athena),
        "holds Athena query results, written once and expired after 30 days, and written again by running the \
         query: versions would only keep expired results",
    ),
    Waiver {
        scanner: Scanner::CfnLint,
        check: "W3010",
        covers: Covers::GlueConnections,
        reason: "a Glue network connection must name its subnet's Availability Zone (Glue fails the job run \
                 without it, or with another zone); the zone comes from the definition, checked against the \
                 environment's region",
    },
];

/// The waivers that cover `resource`, in table order.
pub fn waivers(resource: Scanned) -> Vec<&'static Waiver> {
    SCANNER_WAIVERS.iter().filter(|w| w.covers.covers(resource)).collect()
}

/// `options` with the resource's `Metadata` saying which checks the scanners skip on it, as
/// each reads it: `{"checkov": {"skip": [{"id", "comment"}]}, "cfn-lint": {"config":
/// {"ignore_checks": [...]}}}` (cfn-lint takes no reason: the table holds it). Unchanged when
/// no waiver covers `resource`.
pub fn with_scanner_waivers(options: ResourceOptions, resource: Scanned) -> ResourceOptions {
    let (mut checkov, mut cfn_lint) = (Vec::new(), Vec::new());
    for w in waivers(resource) {
        match w.scanner {
            Scanner::Checkov => {
                checkov.push(Expr::map([("id", Expr::string(w.check)), ("comment", Expr::string(w.reason))]));
            }
            Scanner::CfnLint => cfn_lint.push(Expr::string(w.check)),
        }
    }
    let mut metadata = Vec::new();
    if !checkov.is_empty() {
        metadata.push(("checkov", Expr::map([("skip", Expr::list(checkov))])));
    }
    if !cfn_lint.is_empty() {
        metadata.push(("cfn-lint", Expr::map([("config", Expr::map([("ignore_checks", Expr::list(cfn_lint))]))])));
    }
    if metadata.is_empty() { options } else { options.metadata(Expr::map(metadata)) }
}
