//! The checks of the definition's settings that are not names: an environment's account, VPC
//! and concurrency, a pipeline's stage A. Each returns what is wrong, in words that say what
//! to change; [`crate::names::validate`] reports them with the environment or pipeline.

use crate::definition::{Environment, StageA, Target, Vpc, VpcEndpoints};

/// A queue's event source mapping takes a maximum concurrency of 2 to 1,000.
const QUEUE_CONCURRENCY: std::ops::RangeInclusive<u32> = 2..=1000;
/// Lambda's limits on a function's VPC configuration.
const MAX_SUBNETS: usize = 16;
const MAX_SECURITY_GROUPS: usize = 5;

/// What is wrong with an environment's account, VPC and concurrency.
pub fn environment_problems(env: &Environment) -> Vec<String> {
    let mut problems = Vec::new();
    if let Target::Aws { account, .. } = &env.target
        && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
    {
        problems.push(format!("account `{account}` must be 12 digits"));
    }
    if !QUEUE_CONCURRENCY.contains(&env.catalog_concurrency) {
        problems.push(format!(
            "catalog concurrency {} must be 2 to 1000 (it is also the catalog and routing queues' maximum \
             concurrency)",
            env.catalog_concurrency
        ));
    }
    match &env.vpc {
        Some(_) if env.is_local() => problems.push(
            "a VPC is for AWS environments: the local emulator runs the functions as processes of this machine, \
             without VPC networking; remove `in_vpc` from this environment"
                .into(),
        ),
        Some(vpc) => problems.extend(vpc_problems(vpc, env.region())),
        None => {}
    }
    problems
}

/// What is wrong with a VPC option in `region`.
fn vpc_problems(vpc: &Vpc, region: &str) -> Vec<String> {
    let mut problems = Vec::new();
    count(&mut problems, "subnets", vpc.subnets.len(), MAX_SUBNETS);
    count(&mut problems, "security groups", vpc.security_group_ids.len(), MAX_SECURITY_GROUPS);
    for subnet in &vpc.subnets {
        id(&mut problems, "subnet", "subnet-", &subnet.id);
        let zone_of_region = subnet.availability_zone.strip_prefix(region).is_some_and(|rest| !rest.is_empty());
        if !zone_of_region {
            problems.push(format!(
                "subnet `{}` is in Availability Zone `{}`, which is not a zone of the environment's region \
                 `{region}` (e.g. `{region}a`)",
                subnet.id, subnet.availability_zone
            ));
        }
    }
    unique(&mut problems, "subnet", vpc.subnets.iter().map(|s| s.id.as_str()));
    for group in &vpc.security_group_ids {
        id(&mut problems, "security group", "sg-", group);
    }
    unique(&mut problems, "security group", vpc.security_group_ids.iter().map(String::as_str));
    if let VpcEndpoints::Create { vpc_id, route_table_ids } = &vpc.endpoints {
        id(&mut problems, "VPC", "vpc-", vpc_id);
        if route_table_ids.is_empty() {
            problems.push(
                "creating the VPC endpoints needs the route tables of the subnets, for the S3 and DynamoDB gateway \
                 endpoints; list them in `route_table_ids`"
                    .into(),
            );
        }
        for table in route_table_ids {
            id(&mut problems, "route table", "rtb-", table);
        }
        unique(&mut problems, "route table", route_table_ids.iter().map(String::as_str));
    }
    problems
}

/// What is wrong with a pipeline's stage A settings.
pub fn stage_a_problems(stage: &StageA) -> Vec<String> {
    let mut problems = Vec::new();
    if !(128..=10_240).contains(&stage.transform_memory_mb) {
        problems.push(format!("stage A memory {} MB must be 128 to 10240", stage.transform_memory_mb));
    }
    if !(1..=1000).contains(&stage.max_receive_count) {
        problems.push(format!("stage A max receive count {} must be 1 to 1000", stage.max_receive_count));
    }
    if !(1..=900).contains(&stage.transform_timeout_seconds) {
        problems.push(format!("stage A timeout {} s must be 1 to 900", stage.transform_timeout_seconds));
    }
    if stage.transform_concurrency == 0 {
        problems.push("stage A transform concurrency 0 would stop every transform; reserve at least 1".into());
    }
    if !QUEUE_CONCURRENCY.contains(&stage.routing_concurrency) {
        problems.push(format!(
            "stage A routing concurrency {} must be 2 to 1000 (it is also queue A's maximum concurrency)",
            stage.routing_concurrency
        ));
    }
    problems
}

fn count(problems: &mut Vec<String>, what: &str, n: usize, max: usize) {
    if n == 0 || n > max {
        problems.push(format!("a VPC needs 1 to {max} {what} (Lambda's limit); it has {n}"));
    }
}

/// An AWS resource id: `prefix` and 8 or 17 lower-case hexadecimal digits.
fn id(problems: &mut Vec<String>, what: &str, prefix: &str, value: &str) {
    let ok = value.strip_prefix(prefix).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if !ok {
        problems.push(format!("{what} id `{value}` must be `{prefix}` and 8 or 17 hexadecimal digits"));
    }
}

fn unique<'a>(problems: &mut Vec<String>, what: &str, values: impl Iterator<Item = &'a str>) {
    let mut seen = std::collections::BTreeSet::new();
    for v in values {
        if !seen.insert(v) {
            problems.push(format!("{what} `{v}` is listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Subnet;

    fn vpc() -> Vpc {
        Vpc {
            subnets: vec![
                Subnet::new("subnet-0123456789abcdef0", "eu-west-1a"),
                Subnet::new("subnet-89abcdef", "eu-west-1b"),
            ],
            security_group_ids: vec!["sg-0123456789abcdef0".into()],
            endpoints: VpcEndpoints::Create {
                vpc_id: "vpc-0123456789abcdef0".into(),
                route_table_ids: vec!["rtb-0123456789abcdef0".into()],
            },
        }
    }

    fn prod() -> Environment {
        Environment::aws("prod", "333333333333", "eu-west-1")
    }

    #[test]
    fn a_well_formed_vpc_passes() {
        assert_eq!(environment_problems(&prod().in_vpc(vpc())), Vec::<String>::new());
        let existing = Vpc { endpoints: VpcEndpoints::Existing, ..vpc() };
        assert_eq!(environment_problems(&prod().in_vpc(existing)), Vec::<String>::new());
    }

    #[test]
    fn a_vpc_without_subnets_or_security_groups_is_refused_with_the_limit() {
        let empty = Vpc { subnets: vec![], security_group_ids: vec![], ..vpc() };
        assert_eq!(
            environment_problems(&prod().in_vpc(empty)),
            [
                "a VPC needs 1 to 16 subnets (Lambda's limit); it has 0",
                "a VPC needs 1 to 5 security groups (Lambda's limit); it has 0"
            ]
        );
    }

    #[test]
    fn malformed_ids_zones_of_another_region_and_duplicates_are_named() {
        let bad = Vpc {
            subnets: vec![Subnet::new("subnet-xyz", "us-east-1a"), Subnet::new("subnet-xyz", "eu-west-1")],
            security_group_ids: vec!["sg-0123456789ABCDEF0".into()],
            endpoints: VpcEndpoints::Create { vpc_id: "vpc-1".into(), route_table_ids: vec![] },
        };
        let problems = environment_problems(&prod().in_vpc(bad));
        let expected = [
            "subnet id `subnet-xyz` must be `subnet-` and 8 or 17 hexadecimal digits",
            "subnet `subnet-xyz` is in Availability Zone `us-east-1a`, which is not a zone of the environment's \
             region `eu-west-1` (e.g. `eu-west-1a`)",
            "subnet `subnet-xyz` is in Availability Zone `eu-west-1`, which is not a zone of the environment's \
             region `eu-west-1` (e.g. `eu-west-1a`)",
            "subnet `subnet-xyz` is listed twice",
            "security group id `sg-0123456789ABCDEF0` must be `sg-` and 8 or 17 hexadecimal digits",
            "VPC id `vpc-1` must be `vpc-` and 8 or 17 hexadecimal digits",
        ];
        for e in expected {
            assert!(problems.iter().any(|p| p.starts_with(e)), "missing `{e}` in {problems:#?}");
        }
        assert!(problems.iter().any(|p| p.contains("list them in `route_table_ids`")), "{problems:#?}");
        // The twice-listed subnet's id is malformed in both entries.
        assert_eq!(problems.len(), expected.len() + 2, "{problems:#?}");
    }

    #[test]
    fn the_local_emulator_refuses_a_vpc_and_says_why() {
        let problems = environment_problems(&Environment::local("local").in_vpc(vpc()));
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains("without VPC networking; remove `in_vpc`"), "{}", problems[0]);
    }

    #[test]
    fn concurrency_outside_what_lambda_and_the_queues_take_is_refused() {
        let mut env = prod();
        env.catalog_concurrency = 1;
        assert_eq!(environment_problems(&env).len(), 1);
        let stage = StageA { transform_concurrency: 0, routing_concurrency: 1001, ..StageA::default() };
        let problems = stage_a_problems(&stage);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("reserve at least 1"));
        assert!(problems[1].contains("routing concurrency 1001 must be 2 to 1000"));
        assert_eq!(stage_a_problems(&StageA::default()), Vec::<String>::new());
    }
}
