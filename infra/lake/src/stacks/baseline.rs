//! The security baseline's accepted exceptions — the one place that lists every wildcard the
//! lake's policies use, with the reason. [`synthesize`](super::synthesize) refuses stacks with
//! any other wildcard action, resource or principal.

use sdlf_policy::{Allowance, Allowlist, FindingKind};

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
}
