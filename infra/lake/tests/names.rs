//! Every naming and settings rule, each with its message.

use sdlf_lake::names::validate;
use sdlf_lake::quality::{Rule, Values};
use sdlf_lake::{
    Batch, Crawler, Dataset, DefinitionError, Engine, Environment, GlueJob, HeavyTransform, InputFormat, Lake, Layer,
    LightTransform, Names, Pipeline, Quality, Schedule, TargetFormat, Team, WorkerType,
};

fn dataset(name: &str) -> Dataset {
    Dataset {
        name: name.into(),
        pipeline: "main".into(),
        light_transform: LightTransform {
            input: InputFormat::JsonLines,
            target: TargetFormat::Parquet,
            schema: vec![],
        },
        batch: Batch::default(),
        schedule: Schedule::default(),
        heavy_transform: HeavyTransform::sql("SELECT * FROM batch"),
        glue_job: GlueJob { worker_type: WorkerType::G1X, workers: 10, ..GlueJob::default() },
        crawler: Crawler::default(),
        quality: Quality::default(),
    }
}

fn lake() -> Lake {
    Lake {
        org: "anycompany".into(),
        domain: "datalake".into(),
        environments: vec![Environment::aws("dev", "111111111111", "us-east-1"), Environment::local("local")],
        teams: vec![Team {
            name: "engineering".into(),
            pipelines: vec![Pipeline::new("main")],
            datasets: vec![dataset("legislators")],
        }],
    }
}

fn messages(l: &Lake) -> Vec<String> {
    match validate(l) {
        Ok(()) => vec![],
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_valid_lake_passes() {
    assert_eq!(messages(&lake()), Vec::<String>::new());
}

#[test]
fn org_team_and_dataset_names_follow_their_rules() {
    let mut l = lake();
    l.org = "AnyCompany".into();
    l.teams[0].name = "eng-team".into();
    l.teams[0].datasets[0].name = "legislatorsofall".into();
    assert_eq!(
        messages(&l),
        [
            "organisation `AnyCompany` is invalid: it must be 2 to 10 lowercase letters or digits ([a-z0-9]{2,10})",
            "team `eng-team` is invalid: it must be 2 to 12 lowercase letters or digits ([a-z0-9]{2,12})",
            "dataset (team eng-team) `legislatorsofall` is invalid: it must be 2 to 14 lowercase letters or digits \
             ([a-z0-9]{2,14})",
        ]
    );
    let mut l = lake();
    l.org = "a".into();
    assert!(messages(&l)[0].starts_with("organisation `a` is invalid"));
    let mut l = lake();
    l.environments[0].name = "1dev".into();
    assert_eq!(
        messages(&l),
        ["environment `1dev` is invalid: it must be 2 to 8 lowercase letters or digits, starting with a letter \
          ([a-z][a-z0-9]{1,7})"]
    );
}

#[test]
fn derived_bucket_names_over_63_characters_are_refused_with_the_excess() {
    let mut l = lake();
    l.org = "abcdefghij".into();
    l.domain = "abcdefghi".into();
    l.environments = vec![Environment::aws("devtest1", "111111111111", "ap-southeast-2")];
    let m = messages(&l);
    let bucket = Names::new(&l, &l.environments[0]).bucket(Layer::AccessLogs);
    assert_eq!(bucket.len(), 69);
    assert!(
        m.contains(&format!(
            "access-logs bucket of environment `devtest1` `{bucket}` is 69 characters, over the limit of 63 for S3 \
             bucket names; shorten the organisation, domain, team, pipeline or dataset name by 6"
        )),
        "{m:#?}"
    );
}

#[test]
fn duplicates_and_unknown_pipelines() {
    let mut l = lake();
    l.teams.push(l.teams[0].clone());
    l.teams[0].datasets.push(dataset("legislators"));
    l.teams[0].datasets.push(Dataset { pipeline: "nightly".into(), ..dataset("other") });
    assert_eq!(
        messages(&l),
        [
            "team `engineering` is defined twice; names must be unique",
            "dataset (team engineering) `legislators` is defined twice; names must be unique",
            "dataset `other` of team `engineering` uses pipeline `nightly`, which the team does not define (it has: \
             main)",
        ]
    );
}

#[test]
fn settings_out_of_range() {
    let mut l = lake();
    l.environments[0] = Environment::aws("dev", "12345", "us-east-1");
    l.teams[0].pipelines[0].stage_a.transform_memory_mb = 64;
    l.teams[0].pipelines[0].stage_a.max_receive_count = 0;
    let d = &mut l.teams[0].datasets[0];
    d.batch = Batch { min_items: 10, max_items: 5, max_receive_count: 1001 };
    d.schedule = Schedule::EveryMinutes(0);
    d.glue_job.workers = 1;
    d.quality.rules = vec![Rule::column_values("c", Values::In(vec![]))];
    assert_eq!(
        messages(&l),
        [
            "environment `dev`: account `12345` must be 12 digits",
            "pipeline `main` of team `engineering`: stage A memory 64 MB must be 128 to 10240",
            "pipeline `main` of team `engineering`: stage A max receive count 0 must be 1 to 1000",
            "dataset `legislators` of team `engineering`: batch min 10 / max 5 must satisfy 1 <= min <= max <= 10000",
            "dataset `legislators` of team `engineering`: stage B max receive count 1001 must be 1 to 1000",
            "dataset `legislators` of team `engineering`: a schedule of every 0 minutes never runs; use at least 1",
            "dataset `legislators` of team `engineering`: Glue workers 1 must be 2 to 299",
            "dataset `legislators` of team `engineering`: data-quality rule 1 (ColumnValues): give at least one \
             allowed value",
        ]
    );
}

#[test]
fn heavy_transforms_must_be_portable_partitioned_by_plain_names_and_run_where_they_can() {
    let mut l = lake();
    let d = &mut l.teams[0].datasets[0];
    d.heavy_transform = HeavyTransform::sql("SELECT a / b AS r FROM batch").partitioned_by(&["Day"]);
    d.heavy_transform.engine_in.insert("local".into(), Engine::Glue);
    d.heavy_transform.engine_in.insert("qa".into(), Engine::DataFusion);
    let what = "dataset `legislators` of team `engineering`, heavy transform";
    assert_eq!(
        messages(&l),
        [
            format!(
                "{what}: `a / b`: Spark divides integers to a fraction (1/2 = 0.5), DataFusion to an integer (0); \
                 make one side a double: TRY_CAST(x AS DOUBLE) / y"
            ),
            format!(
                "{what}: partition column `Day` must be a lower-case name ([a-z][a-z0-9_]*), as both engines write it"
            ),
            format!(
                "{what}: environment `local` is local, where no Glue job runs (the emulator only marks it done): use \
                 DataFusion"
            ),
            format!("{what}: sets an engine for environment `qa`, which the lake does not define"),
        ]
    );
    let dev = l.environment("dev").unwrap().clone();
    let local = l.environment("local").unwrap().clone();
    let heavy = &mut l.teams[0].datasets[0].heavy_transform;
    heavy.engine_in.clear();
    assert_eq!((heavy.engine_for(&dev), heavy.engine_for(&local)), (Engine::Glue, Engine::DataFusion));
    heavy.engine_in.insert("dev".into(), Engine::DataFusion);
    assert_eq!(heavy.engine_for(&dev), Engine::DataFusion);
}

#[test]
fn unknown_environment_names_the_fix() {
    let l = lake();
    assert_eq!(sdlf_lake::names::environment(&l, "qa").unwrap_err(), DefinitionError::UnknownEnvironment("qa".into()));
    assert_eq!(
        DefinitionError::UnknownEnvironment("qa".into()).to_string(),
        "the lake defines no environment `qa`; add it to the definition or pick one of its environments"
    );
}

#[test]
fn physical_names_are_derived_from_the_definition() {
    let l = lake();
    let n = Names::new(&l, &l.environments[1]);
    assert_eq!(n.bucket(Layer::Raw), "anycompany-datalake-local-us-east-1-000000000000-raw");
    assert_eq!(n.pipeline_stack("engineering", "main"), "anycompany-datalake-local-pipeline-engineering-main");
    assert_eq!(n.glue_database("engineering", "legislators"), "anycompany_datalake_local_engineering_legislators");
    assert_eq!(n.ssm("storage/RawBucket"), "/sdlf/local/storage/RawBucket");
}

#[test]
fn objects_of_a_dataset_live_under_its_team_and_dataset_and_stage_a_output_under_pre_stage() {
    use sdlf_lake::names::{dataset_prefix, team_prefix};
    assert_eq!(team_prefix(Layer::Raw, "engineering"), "engineering/");
    assert_eq!(dataset_prefix(Layer::Raw, "engineering", "legislators"), "engineering/legislators/");
    assert_eq!(dataset_prefix(Layer::Stage, "engineering", "legislators"), "pre-stage/engineering/legislators/");
    assert_eq!(dataset_prefix(Layer::Analytics, "engineering", "legislators"), "engineering/legislators/");
}

#[test]
fn two_environments_in_one_account_are_refused() {
    let mut lake = lake();
    let account = lake.environments[0].account().to_owned();
    lake.environments.push(Environment::aws("qa", &account, "eu-west-1"));
    let errors = validate(&lake).unwrap_err();
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [format!(
            "environments `{}` and `qa`: both use account {}; team resources (`sdlf-{{team}}-...`) would collide, \
             so give each environment its own account",
            lake.environments[0].name,
            lake.environments[0].account()
        )]
    );
}
