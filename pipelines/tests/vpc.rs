//! VPC mode ([`sdlf_lake::Environment::in_vpc`]) on the example lake's `dev`
//! ([`sdlf_pipelines::vpc_lake`]): every function and Glue job in the subnets, the network
//! permissions in VPC environments only, the endpoints when asked for, and nothing else
//! changed. The whole environment goes through cfn-lint and checkov with the others
//! (`tests/lake.rs`); the stacks VPC mode changes are pinned by snapshots here.

use std::collections::BTreeSet;

use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::output::{EnvironmentOutput, synth_environment};
use sdlf_lake::stacks::network::{EndpointKind, REQUIRED_ENDPOINTS};
use sdlf_lake::{Environment, Lake, VpcEndpoints};
use serde_json::{Value, json};

fn synth(lake: &Lake, env: &str) -> EnvironmentOutput {
    synth_environment(lake, env, &StandInFingerprints).expect("the lake synthesizes")
}

fn templates(out: &EnvironmentOutput) -> Vec<(String, Value)> {
    out.stacks.iter().map(|s| (s.name.clone(), serde_json::from_str(&s.body).unwrap())).collect()
}

fn resources_of<'a>(template: &'a Value, type_name: &str) -> Vec<(&'a String, &'a Value)> {
    template["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == type_name).collect()
}

const SUBNETS: [&str; 2] = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"];
const SECURITY_GROUP: &str = "sg-0c1d2e3f4a5b60718";

#[test]
fn every_function_runs_in_the_subnets_and_its_role_may_place_its_network_interfaces() {
    let mut functions = 0;
    for (stack, t) in templates(&synth(&sdlf_pipelines::vpc_lake(), "dev")) {
        for (id, f) in resources_of(&t, "AWS::Lambda::Function") {
            functions += 1;
            assert_eq!(
                f["Properties"]["VpcConfig"],
                json!({"SecurityGroupIds": [SECURITY_GROUP], "SubnetIds": SUBNETS}),
                "{stack} {id}"
            );
            let role = f["Properties"]["Role"]["Fn::GetAtt"][0].as_str().unwrap();
            let policy = t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"].to_string();
            for sid in ["DescribeVpcNetwork", "ManageVpcNetworkInterfaces"] {
                assert!(policy.contains(sid), "{stack} {role} lacks {sid}");
            }
            // Only the environment's subnets and groups (in any account: a shared VPC's).
            assert!(policy.contains(&format!("ec2:${{AWS::Region}}:*:subnet/{}", SUBNETS[1])), "{policy}");
        }
    }
    assert_eq!(functions, 3 + 2 * 9, "catalog stack 3, each pipeline 9 (Glue engine: publish step)");
}

#[test]
fn outside_a_vpc_no_template_mentions_the_network() {
    for e in ["dev", "prod", "local"] {
        for (stack, t) in templates(&synth(&sdlf_pipelines::lake(), e)) {
            let body = t.to_string();
            for needle in ["VpcConfig", "ec2:", "AWS::EC2::", "AWS::Glue::Connection", "\"Connections\""] {
                assert!(!body.contains(needle), "{e} {stack} has {needle}");
            }
        }
    }
}

#[test]
fn the_team_boundary_and_glue_job_role_allow_the_network_and_the_team_s_connections() {
    let out = synth(&sdlf_pipelines::vpc_lake(), "dev");
    let team = templates(&out).into_iter().find(|(n, _)| n.ends_with("-team-engineering")).unwrap().1;
    let boundary = t_doc(&team["Resources"]["PermissionsBoundary"]["Properties"]["PolicyDocument"]);
    let job_role = t_doc(&team["Resources"]["GlueJobRole"]["Properties"]["Policies"][0]["PolicyDocument"]);
    for doc in [&boundary, &job_role] {
        for sid in ["DescribeVpcNetwork", "ManageVpcNetworkInterfaces", "ReadNetworkConnections"] {
            assert!(doc.contains(sid), "{sid} missing in {doc}");
        }
        assert!(doc.contains("connection/sdlf-engineering-network-*"), "{doc}");
    }
}

fn t_doc(doc: &Value) -> String {
    doc.to_string()
}

#[test]
fn each_team_has_one_network_connection_per_subnet_and_its_glue_jobs_list_them() {
    let out = synth(&sdlf_pipelines::vpc_lake(), "dev");
    let all = templates(&out);
    for team in ["engineering", "marketing"] {
        let (_, t) = all.iter().find(|(n, _)| n.ends_with(&format!("-team-{team}"))).unwrap();
        let connections = resources_of(t, "AWS::Glue::Connection");
        let mut names = Vec::new();
        for ((_, c), (subnet, zone)) in connections.iter().zip(SUBNETS.iter().zip(["us-east-1a", "us-east-1b"])) {
            let input = &c["Properties"]["ConnectionInput"];
            assert_eq!(input["ConnectionType"], "NETWORK");
            assert_eq!(
                input["PhysicalConnectionRequirements"],
                json!({"AvailabilityZone": zone, "SecurityGroupIdList": [SECURITY_GROUP], "SubnetId": subnet})
            );
            names.push(input["Name"].clone());
        }
        assert_eq!(names, [format!("sdlf-{team}-network-1"), format!("sdlf-{team}-network-2")]);
        let (_, pipeline) = all.iter().find(|(n, _)| n.ends_with(&format!("-pipeline-{team}-main"))).unwrap();
        let jobs = resources_of(pipeline, "AWS::Glue::Job");
        assert!(!jobs.is_empty());
        for (id, job) in jobs {
            assert_eq!(job["Properties"]["Connections"], json!({"Connections": names}), "{team} {id}");
        }
    }
}

#[test]
fn the_foundations_create_the_required_endpoints_only_when_asked() {
    let foundations =
        |lake: &Lake| templates(&synth(lake, "dev")).into_iter().find(|(n, _)| n.ends_with("-foundations")).unwrap().1;
    let created = foundations(&sdlf_pipelines::vpc_lake());
    let endpoints = resources_of(&created, "AWS::EC2::VPCEndpoint");
    assert_eq!(endpoints.len(), REQUIRED_ENDPOINTS.len());
    for required in REQUIRED_ENDPOINTS {
        let (_, e) = endpoints
            .iter()
            .find(|(_, e)| {
                e["Properties"]["ServiceName"]["Fn::Sub"].as_str().unwrap().ends_with(&format!(".{}", required.service))
            })
            .unwrap_or_else(|| panic!("no endpoint for {}", required.service));
        let p = &e["Properties"];
        assert_eq!(p["VpcId"], "vpc-0d1e2f3a4b5c60718");
        match required.kind {
            EndpointKind::Gateway => {
                assert_eq!(p["VpcEndpointType"], "Gateway");
                assert_eq!(p["RouteTableIds"], json!(["rtb-0e1f2a3b4c5d60718", "rtb-0f1a2b3c4d5e60718"]));
            }
            EndpointKind::Interface => {
                assert_eq!(p["VpcEndpointType"], "Interface");
                assert_eq!((&p["SubnetIds"], &p["PrivateDnsEnabled"]), (&json!(SUBNETS), &json!(true)));
                assert_eq!(p["SecurityGroupIds"], json!([SECURITY_GROUP]));
            }
        }
    }
    // The VPC's own endpoints: the functions still run in it, nothing is created.
    let mut existing = sdlf_pipelines::vpc_lake();
    existing.environments[0].vpc.as_mut().unwrap().endpoints = VpcEndpoints::Existing;
    assert!(resources_of(&foundations(&existing), "AWS::EC2::VPCEndpoint").is_empty());
    let catalog = synth(&existing, "dev").stacks.into_iter().find(|s| s.name.ends_with("-catalog")).unwrap();
    assert!(catalog.body.contains("\"VpcConfig\""));
}

#[test]
fn an_interface_endpoint_takes_one_subnet_per_zone() {
    let mut lake = sdlf_pipelines::vpc_lake();
    let vpc = lake.environments[0].vpc.as_mut().unwrap();
    vpc.subnets.push(sdlf_lake::Subnet::new("subnet-0c1d2e3f4a5b60718", "us-east-1a"));
    let out = synth(&lake, "dev");
    let (_, foundations) = templates(&out).into_iter().find(|(n, _)| n.ends_with("-foundations")).unwrap();
    assert_eq!(foundations["Resources"]["SqsEndpoint"]["Properties"]["SubnetIds"], json!(SUBNETS));
    // Lambda and Glue take every subnet.
    let catalog = out.stacks.iter().find(|s| s.name.ends_with("-catalog")).unwrap();
    assert!(catalog.body.contains("subnet-0c1d2e3f4a5b60718"));
}

#[test]
fn the_local_emulator_refuses_a_vpc_with_the_reason() {
    let mut lake = sdlf_pipelines::vpc_lake();
    let vpc = lake.environments[0].vpc.clone().unwrap();
    lake.environments[3] = Environment::local("local").in_vpc(vpc);
    let Err(err) = synth_environment(&lake, "local", &StandInFingerprints) else { panic!("local took a VPC") };
    let err = err.to_string();
    assert!(err.contains("environment `local`") && err.contains("without VPC networking"), "{err}");
}

#[test]
fn vpc_mode_leaves_the_dataset_stacks_as_they_are_and_the_stacks_it_changes_are_pinned() {
    let (plain, vpc) = (synth(&sdlf_pipelines::lake(), "dev"), synth(&sdlf_pipelines::vpc_lake(), "dev"));
    let mut changed = BTreeSet::new();
    for (p, v) in plain.stacks.iter().zip(&vpc.stacks) {
        assert_eq!(p.name, v.name);
        if p.name.contains("-dataset-") {
            assert_eq!(p.body, v.body, "{} changed", p.name);
        } else {
            assert_ne!(p.body, v.body, "{} unchanged", p.name);
            changed.insert(p.name.clone());
            let value: Value = serde_json::from_str(&v.body).unwrap();
            insta::assert_json_snapshot!(v.name.clone(), value);
        }
    }
    assert_eq!(changed.len(), 6, "foundations, catalog, two teams, two pipelines: {changed:?}");
}
