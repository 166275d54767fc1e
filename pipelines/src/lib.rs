//! The lake this repository deploys. Edit it, review it in a pull request, and
//! `cargo run -- diff` shows what the change does to each stack.

use std::collections::BTreeMap;

use sdlf_lake::quality::{Condition, Rule, Values};
use sdlf_lake::{
    Batch, Column, ColumnType, Crawler, Dataset, Environment, GlueJob, HeavyTransform, InputFormat, Lake,
    LightTransform, OnQualityFailure, Pipeline, Quality, Schedule, Subnet, TargetFormat, Team, Vpc, VpcEndpoints,
    WorkerType,
};

/// The example lake: organisation `anycompany`, domain `datalake`; team `engineering` runs
/// pipeline `main` over dataset `legislators`, and team `marketing` shows that teams are
/// isolated from each other (own keys, prefixes, roles and topics).
pub fn lake() -> Lake {
    Lake {
        org: "anycompany".into(),
        domain: "datalake".into(),
        environments: vec![
            Environment::aws("dev", "111111111111", "us-east-1"),
            Environment::aws("test", "222222222222", "us-east-1"),
            Environment::aws("prod", "333333333333", "eu-west-1"),
            Environment::local("local"),
        ],
        teams: vec![
            Team { name: "engineering".into(), pipelines: vec![Pipeline::new("main")], datasets: vec![legislators()] },
            Team { name: "marketing".into(), pipelines: vec![Pipeline::new("main")], datasets: vec![campaigns()] },
        ],
    }
}

fn legislators() -> Dataset {
    Dataset {
        name: "legislators".into(),
        pipeline: "main".into(),
        light_transform: LightTransform {
            input: InputFormat::JsonLines,
            target: TargetFormat::Parquet,
            schema: vec![],
        },
        batch: Batch { min_items: 1, max_items: 100, ..Batch::default() },
        schedule: Schedule::EveryMinutes(5),
        // A person without an id cannot be joined or deduplicated: dropped; one row per id.
        heavy_transform: HeavyTransform::sql(
            "SELECT id, trim(name) AS name, trim(given_name) AS given_name, trim(family_name) AS family_name, \
             coalesce(lower(trim(gender)), 'unknown') AS gender, TRY_CAST(birth_date AS DATE) AS birth_date, terms \
             FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY name NULLS LAST) AS copy \
                   FROM batch WHERE id IS NOT NULL) AS numbered \
             WHERE copy = 1",
        )
        .partitioned_by(&["gender"]),
        glue_job: GlueJob {
            worker_type: WorkerType::G1X,
            workers: 10,
            arguments: BTreeMap::from([("--enable-auto-scaling".into(), "true".into())]),
            ..GlueJob::default()
        },
        crawler: Crawler::default(),
        quality: Quality {
            rules: vec![
                Rule::row_count(Condition::GreaterThan(0.0)),
                Rule::is_complete("id"),
                Rule::is_unique(&["id"]),
                Rule::column_exists("name"),
            ],
            on_failure: OnQualityFailure::Warn,
        },
    }
}

fn campaigns() -> Dataset {
    Dataset {
        name: "campaigns".into(),
        pipeline: "main".into(),
        light_transform: LightTransform {
            input: InputFormat::csv(),
            target: TargetFormat::Parquet,
            schema: vec![
                Column { name: "campaign_id".into(), data_type: ColumnType::String },
                Column { name: "spend".into(), data_type: ColumnType::Float64 },
                Column { name: "clicks".into(), data_type: ColumnType::Int64 },
            ],
        },
        batch: Batch { min_items: 2, max_items: 50, ..Batch::default() },
        schedule: Schedule::Cron("cron(0/15 * * * ? *)".into()),
        // Spend, clicks and cost per click per campaign; a failed rule keeps the batch out of
        // the analytics layer.
        heavy_transform: HeavyTransform::sql(
            "SELECT trim(campaign_id) AS campaign_id, sum(spend) AS spend, sum(clicks) AS clicks, \
             CASE WHEN sum(clicks) > 0 THEN TRY_CAST(sum(spend) AS DOUBLE) / sum(clicks) END AS cost_per_click \
             FROM batch GROUP BY trim(campaign_id)",
        ),
        glue_job: GlueJob { worker_type: WorkerType::G025X, workers: 2, ..GlueJob::default() },
        crawler: Crawler { table_prefix: Some("mkt_".into()) },
        quality: Quality {
            rules: vec![
                Rule::is_complete("campaign_id"),
                Rule::column_values("spend", Values::Number(Condition::AtLeast(0.0))),
                Rule::column_values("clicks", Values::Number(Condition::AtLeast(0.0))),
            ],
            on_failure: OnQualityFailure::Fail,
        },
    }
}

/// The example lake with `dev` in a VPC of its account (two subnets in two zones, one security
/// group) and the lake creating the VPC endpoints it needs there: how the VPC option reads, and
/// what the tests synthesize, lint and scan in VPC mode.
pub fn vpc_lake() -> Lake {
    let mut lake = lake();
    let vpc = Vpc {
        subnets: vec![
            Subnet::new("subnet-0a1b2c3d4e5f60718", "us-east-1a"),
            Subnet::new("subnet-0b1c2d3e4f5a60718", "us-east-1b"),
        ],
        security_group_ids: vec!["sg-0c1d2e3f4a5b60718".into()],
        endpoints: VpcEndpoints::Create {
            vpc_id: "vpc-0d1e2f3a4b5c60718".into(),
            route_table_ids: vec!["rtb-0e1f2a3b4c5d60718".into(), "rtb-0f1a2b3c4d5e60718".into()],
        },
    };
    lake.environments[0] = Environment::aws("dev", "111111111111", "us-east-1").in_vpc(vpc);
    lake
}

/// A synthetic lake of `teams` teams, each with `pipelines` pipelines and `datasets`
/// datasets spread over them: for benchmarks and scale tests of synthesis.
pub fn generated_lake(teams: usize, pipelines: usize, datasets: usize) -> Lake {
    let mut lake = lake();
    lake.teams = (0..teams)
        .map(|t| Team {
            name: format!("team{t:02}"),
            pipelines: (0..pipelines).map(|p| Pipeline::new(&format!("pipe{p}"))).collect(),
            datasets: (0..datasets)
                .map(|d| {
                    let mut ds = if d % 2 == 0 { legislators() } else { campaigns() };
                    ds.name = format!("data{d:02}");
                    ds.pipeline = format!("pipe{}", d % pipelines.max(1));
                    ds
                })
                .collect(),
        })
        .collect();
    lake
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_lake_is_valid() {
        assert_eq!(sdlf_lake::names::validate(&super::lake()), Ok(()));
    }

    #[test]
    fn the_vpc_lake_is_valid_and_differs_from_the_example_only_in_dev_s_vpc() {
        let (vpc, example) = (super::vpc_lake(), super::lake());
        assert_eq!(sdlf_lake::names::validate(&vpc), Ok(()));
        assert!(vpc.environments[0].vpc.is_some());
        let mut without = vpc.clone();
        without.environments[0].vpc = None;
        assert_eq!(without, example);
    }

    #[test]
    fn the_generated_lake_has_the_requested_shape_and_is_valid() {
        let lake = super::generated_lake(3, 2, 5);
        assert_eq!(lake.teams.len(), 3);
        assert!(lake.teams.iter().all(|t| t.pipelines.len() == 2 && t.datasets.len() == 5));
        assert_eq!(lake.teams[1].datasets[3].pipeline, "pipe1");
        assert_eq!(sdlf_lake::names::validate(&lake), Ok(()));
    }
}
