//! The stacks and the functions agree: every config row and every function environment the
//! example lake synthesizes, in every environment, is read back with the functions' own types
//! (`sdlf_lambda_core::contract`), as the `config` function and the runtime read them.
//!
//! Values CloudFormation resolves at deploy time (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`…)
//! stand in as a placeholder string: what is checked is the shape and every value known at
//! synthesis.

use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::output::synth_environment;
use sdlf_lambda_core::contract::config::{ConfigResource, DatasetConfig, PipelineConfig, RowKind};
use sdlf_lambda_core::contract::env::{
    CatalogEnv, ConfigEnv, EnvError, ErrorEnv, RedriveEnv, RoutingEnv, StageARoutingEnv, StageATransformEnv,
    StageBHeavyEnv, StageBPostupdateEnv, StageBPublishEnv, StageBRoutingEnv,
};
use sdlf_lambda_core::handler::Handler;
use serde_json::{Map, Value};

const ENVIRONMENTS: [&str; 4] = ["dev", "test", "prod", "local"];
const RESOLVED_AT_DEPLOY: &str = "resolved-at-deploy";

/// `value` with every intrinsic function replaced by a placeholder string.
fn resolved(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.keys().all(|k| k == "Ref" || k.starts_with("Fn::")) => {
            Value::String(RESOLVED_AT_DEPLOY.to_owned())
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolved(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(resolved).collect()),
        other => other.clone(),
    }
}

/// The environment as the runtime reads it, through its handler's own type.
fn read_env(handler: Handler, vars: &Map<String, Value>) -> Result<(), EnvError> {
    let var = |name: &str| vars.get(name).and_then(Value::as_str).map(str::to_owned);
    // Exhaustive: a new handler must say how its environment is read.
    match handler {
        Handler::Catalog => CatalogEnv::from_vars(var).map(drop),
        Handler::Routing => RoutingEnv::from_vars(var).map(drop),
        Handler::Config => ConfigEnv::from_vars(var).map(drop),
        Handler::StageARouting => StageARoutingEnv::from_vars(var).map(drop),
        Handler::StageATransform => StageATransformEnv::from_vars(var).map(drop),
        Handler::StageBRouting => StageBRoutingEnv::from_vars(var).map(drop),
        Handler::StageBHeavy => StageBHeavyEnv::from_vars(var).map(drop),
        Handler::StageBPublish => StageBPublishEnv::from_vars(var).map(drop),
        Handler::StageBPostupdate => StageBPostupdateEnv::from_vars(var).map(drop),
        Handler::Error => ErrorEnv::from_vars(var).map(drop),
        Handler::Redrive => RedriveEnv::from_vars(var).map(drop),
    }
}

/// Every resource of every stack of every environment: (environment, stack, id, resource).
fn resources() -> Vec<(String, String, String, Value)> {
    let lake = sdlf_pipelines::lake();
    let mut out = Vec::new();
    for env in ENVIRONMENTS {
        let output = synth_environment(&lake, env, &StandInFingerprints).expect("the example lake synthesizes");
        for stack in &output.stacks {
            let template: Value = serde_json::from_str(&stack.body).expect("templates are JSON");
            for (id, resource) in template["Resources"].as_object().expect("resources") {
                out.push((env.to_owned(), stack.name.clone(), id.clone(), resolved(resource)));
            }
        }
    }
    out
}

#[test]
fn every_config_row_reads_back_with_the_functions_types() {
    let (mut datasets, mut pipelines) = (0, 0);
    for (env, stack, id, resource) in resources() {
        let kind = resource["Type"].as_str().and_then(RowKind::from_resource_type);
        let where_ = format!("{env} / {stack} / {id}");
        let properties = resource["Properties"].clone();
        match kind {
            Some(RowKind::Dataset) => {
                let row: ConfigResource<DatasetConfig> =
                    serde_json::from_value(properties).unwrap_or_else(|e| panic!("{where_}: {e}"));
                assert_eq!(row.key, row.row.dataset_ref().id(), "{where_}");
                row.row.batch_bounds().unwrap_or_else(|e| panic!("{where_}: {e}"));
                datasets += 1;
            }
            Some(RowKind::Pipeline) => {
                let row: ConfigResource<PipelineConfig> =
                    serde_json::from_value(properties).unwrap_or_else(|e| panic!("{where_}: {e}"));
                assert_eq!(row.key, format!("{}/{}", row.row.team, row.row.pipeline), "{where_}");
                pipelines += 1;
            }
            None => {}
        }
    }
    // Two datasets and two pipelines in each of the four environments.
    assert_eq!((datasets, pipelines), (8, 8));
}

#[test]
fn every_function_environment_reads_back_with_its_handlers_type() {
    let mut functions = 0;
    for (env, stack, id, resource) in resources() {
        if resource["Type"] != "AWS::Lambda::Function" {
            continue;
        }
        let where_ = format!("{env} / {stack} / {id}");
        let name = resource["Properties"]["Handler"].as_str().unwrap_or_default();
        let handler = Handler::from_name(name).unwrap_or_else(|| panic!("{where_}: handler `{name}` is not served"));
        let empty = Map::new();
        let vars = resource["Properties"]["Environment"]["Variables"].as_object().unwrap_or(&empty);
        read_env(handler, vars).unwrap_or_else(|e| panic!("{where_}: {e}"));
        functions += 1;
    }
    // Per environment: catalog, routing and config; per pipeline (two) routing, transform,
    // error and redrive of stage A, and routing, post-update, error and redrive of stage B;
    // and each pipeline's heavy function in `local`, whose datasets run on DataFusion, or its
    // publish function in the three AWS environments, where they run on Glue.
    assert_eq!(functions, 4 * (3 + 2 * 8) + 2 + 3 * 2);
}

#[test]
fn a_placeholder_is_what_a_missing_variable_is_not() {
    // The check above would pass vacuously if a missing variable read as present.
    let vars = Map::from_iter([("STAGE_BUCKET".to_owned(), Value::String(String::new()))]);
    assert_eq!(read_env(Handler::StageATransform, &vars), Err(EnvError::Missing("STAGE_BUCKET")));
    let vars = Map::from_iter([("STAGE_BUCKET".to_owned(), Value::String(RESOLVED_AT_DEPLOY.into()))]);
    assert_eq!(read_env(Handler::StageATransform, &vars), Ok(()));
}
