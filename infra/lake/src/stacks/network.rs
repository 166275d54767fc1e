//! VPC mode ([`crate::definition::Environment::in_vpc`]): the lake's functions and Glue jobs in
//! subnets the account already has. The lake creates no networking of its own; this module
//! derives, from the environment's [`Vpc`], what the stacks add in a VPC environment — and
//! nothing outside one:
//!
//! - every function's `VpcConfig` ([`function_vpc_config`]);
//! - the permissions Lambda and Glue use to manage their network interfaces, in the function
//!   roles, the Glue job role and the team boundary ([`network_interface_statements`]);
//! - one Glue `NETWORK` connection per subnet in each team stack ([`glue_connections`]), which
//!   the team's Glue jobs list (Glue tries the next one when a subnet's zone or addresses fail);
//! - with [`VpcEndpoints::Create`], the endpoints of [`REQUIRED_ENDPOINTS`] in the foundations
//!   stack ([`endpoints`]).

use sdlf_cfn::{Expr, ResourceOptions, Val};
use sdlf_cfn_types::{ec2, glue, lambda};
use sdlf_policy::Statement;

use crate::definition::{Vpc, VpcEndpoints};
use crate::stack::Stack;
use crate::stacks::Ctx;
use crate::stacks::baseline::{self, Scanned};
use crate::stacks::constructs::arn;

/// How a VPC reaches a service privately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// A route-table entry (S3, DynamoDB): free.
    Gateway,
    /// Network interfaces in the subnets, with private DNS (billed per hour and zone).
    Interface,
}

/// A VPC endpoint the lake's code needs, and which parts call the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredEndpoint {
    /// The last part of the service name, `com.amazonaws.{region}.{service}`.
    pub service: &'static str,
    pub kind: EndpointKind,
    pub used_by: &'static str,
}

/// The services the lake's functions and Glue jobs call from inside the VPC. Not among them,
/// because nothing in the VPC calls them: KMS (S3, SQS and DynamoDB call it on the callers'
/// behalf, and Lambda decrypts the environment before the function starts), CloudWatch Logs
/// (Lambda ships the functions' logs; Glue sends its jobs' logs and metrics through its own
/// proxy), STS (functions get their credentials from Lambda), SSM (the stacks resolve the
/// parameters at deploy time; no function reads one) and Glue's API (no function calls it).
pub const REQUIRED_ENDPOINTS: &[RequiredEndpoint] = &[
    RequiredEndpoint {
        service: "s3",
        kind: EndpointKind::Gateway,
        used_by: "every function and Glue job (the data buckets, Glue's script), and the config function's answers \
                  to CloudFormation (a pre-signed S3 URL)",
    },
    RequiredEndpoint {
        service: "dynamodb",
        kind: EndpointKind::Gateway,
        used_by: "the catalog, config and execution-history tables",
    },
    RequiredEndpoint {
        service: "sqs",
        kind: EndpointKind::Interface,
        used_by: "the catalog, routing, stage A and stage B queues and their dead-letter queues",
    },
    RequiredEndpoint {
        service: "states",
        kind: EndpointKind::Interface,
        used_by: "the stage A and stage B routing functions and stage B's redrive, which start executions",
    },
];

/// `com.amazonaws.{region}.{service}`, the region being the stack's.
pub fn service_name(service: &str) -> Expr {
    Expr::sub(format!("com.amazonaws.${{AWS::Region}}.{service}"))
}

/// A function's `VpcConfig` in a VPC environment.
pub fn function_vpc_config(ctx: &Ctx) -> Option<lambda::function::VpcConfig> {
    let vpc = ctx.env.vpc.as_ref()?;
    Some(lambda::function::VpcConfig {
        subnet_ids: Some(values(vpc.subnets.iter().map(|s| &s.id))),
        security_group_ids: Some(values(&vpc.security_group_ids)),
        ..Default::default()
    })
}

/// What Lambda and Glue do with a role's credentials to place their network interfaces in the
/// VPC's subnets: describe the network (no resource-level permissions), then create, tag and
/// delete interfaces in the environment's subnets with its security groups. Nothing outside a
/// VPC environment.
pub fn network_interface_statements(ctx: &Ctx) -> Vec<Statement> {
    let Some(vpc) = ctx.env.vpc.as_ref() else {
        return Vec::new();
    };
    // Any account in the subnets' and groups' ARNs: a shared VPC's subnets belong to the
    // account that shares them.
    let shared =
        |kind: &str, id: &str| Expr::sub(format!("arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:*:{kind}/{id}"));
    let mut placed = vec![arn("ec2", "network-interface/*")];
    placed.extend(vpc.subnets.iter().map(|s| shared("subnet", &s.id)));
    placed.extend(vpc.security_group_ids.iter().map(|g| shared("security-group", g)));
    vec![
        Statement::allow()
            .sid("DescribeVpcNetwork")
            .actions([
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeRouteTables",
            ])
            .resource("*"),
        Statement::allow()
            .sid("ManageVpcNetworkInterfaces")
            .actions([
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
                "ec2:CreateTags",
                "ec2:DeleteTags",
            ])
            .resources(placed),
    ]
}

/// The names of a team's Glue network connections, one per subnet, in the subnets' order.
pub fn glue_connection_names(ctx: &Ctx, team: &str) -> Vec<String> {
    let subnets = ctx.env.vpc.as_ref().map_or(0, |v| v.subnets.len());
    (1..=subnets).map(|n| ctx.names.team_resource(team, &format!("network-{n}"))).collect()
}

/// What a Glue job of `team` lists as its connections: the team's network connections in a
/// VPC environment.
pub fn glue_job_connections(ctx: &Ctx, team: &str) -> Option<glue::job::ConnectionsList> {
    let names = glue_connection_names(ctx, team);
    (!names.is_empty())
        .then(|| glue::job::ConnectionsList { connections: Some(names.into_iter().map(Into::into).collect()) })
}

/// Reading the team's connections, which Glue does with the job role when a run starts.
pub fn glue_connection_statement(ctx: &Ctx, team: &str) -> Option<Statement> {
    ctx.env.vpc.as_ref()?;
    Some(
        Statement::allow()
            .sid("ReadNetworkConnections")
            .actions(["glue:GetConnection", "glue:GetConnections"])
            .resources([
                arn("glue", "catalog"),
                arn("glue", &format!("connection/{}", ctx.names.team_resource(team, "network-*"))),
            ]),
    )
}

/// One Glue `NETWORK` connection per subnet of the environment's VPC, in the team's stack.
pub fn glue_connections(stack: &mut Stack, ctx: &Ctx, team: &str) {
    let Some(vpc) = ctx.env.vpc.as_ref() else {
        return;
    };
    use glue::connection::{ConnectionInput, ConnectionType, PhysicalConnectionRequirements};
    for (n, (name, subnet)) in glue_connection_names(ctx, team).into_iter().zip(&vpc.subnets).enumerate() {
        let input = ConnectionInput {
            name: Some(name.into()),
            description: Some(format!("Glue jobs of SDLF team {team} in subnet {}", subnet.id).into()),
            physical_connection_requirements: Some(PhysicalConnectionRequirements {
                availability_zone: Some(subnet.availability_zone.as_str().into()),
                subnet_id: Some(subnet.id.as_str().into()),
                security_group_id_list: Some(values(&vpc.security_group_ids)),
            }),
            ..ConnectionInput::new(ConnectionType::Network)
        };
        stack.template.add_with(
            format!("NetworkConnection{}", n + 1),
            glue::Connection::new(Expr::sub("${AWS::AccountId}"), input),
            baseline::with_scanner_waivers(ResourceOptions::new(), Scanned::GlueConnection),
        );
    }
}

/// The endpoints of [`REQUIRED_ENDPOINTS`], when the environment's VPC asks for them to be
/// created: gateways on its route tables; interfaces in one subnet per Availability Zone (an
/// interface endpoint takes one per zone), with its security groups and private DNS, so the
/// SDKs' default endpoints resolve to them.
pub fn endpoints(stack: &mut Stack, ctx: &Ctx) {
    let Some(Vpc { subnets, security_group_ids, endpoints: VpcEndpoints::Create { vpc_id, route_table_ids } }) =
        ctx.env.vpc.as_ref()
    else {
        return;
    };
    let mut zones = std::collections::BTreeSet::new();
    let one_per_zone: Vec<&String> =
        subnets.iter().filter(|s| zones.insert(&s.availability_zone)).map(|s| &s.id).collect();
    for endpoint in REQUIRED_ENDPOINTS {
        use ec2::vpc_endpoint::VpcEndpointType;
        let mut properties = ec2::VpcEndpoint {
            service_name: Some(service_name(endpoint.service).into()),
            ..ec2::VpcEndpoint::new(vpc_id.as_str())
        };
        match endpoint.kind {
            EndpointKind::Gateway => {
                properties.vpc_endpoint_type = Some(VpcEndpointType::Gateway.into());
                properties.route_table_ids = Some(values(route_table_ids));
            }
            EndpointKind::Interface => {
                properties.vpc_endpoint_type = Some(VpcEndpointType::Interface.into());
                properties.subnet_ids = Some(values(one_per_zone.iter().copied()));
                properties.security_group_ids = Some(values(security_group_ids));
                properties.private_dns_enabled = Some(true.into());
            }
        }
        stack.template.add(format!("{}Endpoint", crate::stacks::pipeline::pascal(endpoint.service)), properties);
    }
}

/// Ids as a template's list of strings.
fn values<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<Val<String>> {
    ids.into_iter().map(|id| id.as_str().into()).collect()
}
