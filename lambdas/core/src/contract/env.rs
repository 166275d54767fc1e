//! Each function's environment: one struct per handler, written by the stacks
//! ([`FunctionEnv::into_vars`], with template expressions as values) and read by the runtime
//! (`from_vars`, with `V = String`). The variable names exist only here.
//!
//! Values only known at deploy time (table names, queue URLs, ARNs) are of type `V`; settings
//! the stacks know at synthesis (the stage, a receive limit) have their own types and travel
//! as their text.

use std::fmt;
use std::str::FromStr;

use crate::contract::layout::LakeLayout;
use crate::handler::Handler;

/// A variable a function needs is unset, empty or not of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("environment variable {0} is not set; the stack sets it on the function, so redeploy the function's stack")]
    Missing(&'static str),
    #[error("environment variable {name} is `{value}`, expected {expected}; redeploy the function's stack")]
    Invalid { name: &'static str, value: String, expected: &'static str },
}

/// The AWS SDK's endpoint variable, set on every function of the `local` environment from the
/// stack's [`EMULATOR_ENDPOINT_PARAMETER`]: the functions run inside the emulator and call it
/// back at the endpoint the deploy used, however the emulator was started.
pub const ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL";

/// The template parameter of the `local` environment's stacks that carries the emulator's
/// endpoint (`sdlf deploy --env local` gives it).
pub const EMULATOR_ENDPOINT_PARAMETER: &str = "EmulatorEndpoint";

/// What a function adds to an error when it did not reach AWS at all: where it tried, and
/// what to do about it. `endpoint` is [`ENDPOINT_VARIABLE`]'s value.
pub fn unreachable_endpoint(endpoint: Option<&str>) -> String {
    match endpoint.filter(|e| !e.is_empty()) {
        Some(e) => format!(
            "AWS was not reached at {e} ({ENDPOINT_VARIABLE}, from the stack's {EMULATOR_ENDPOINT_PARAMETER} \
             parameter): check that the emulator still listens there, or deploy again with `sdlf deploy --env \
             local --endpoint-url URL` giving the endpoint the functions can reach"
        ),
        None => format!(
            "AWS was not reached at its regional endpoint ({ENDPOINT_VARIABLE} is not set): check the function's \
             network (a function in a VPC needs the lake's VPC endpoints or a NAT gateway)"
        ),
    }
}

/// The environment of the functions that run `HANDLER`.
pub trait FunctionEnv<V> {
    const HANDLER: Handler;

    /// The variables in the order the template lists them.
    fn into_vars(self) -> Vec<(&'static str, V)>;
}

/// A function's handler with its variables: what a stack puts on a function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionVars<V> {
    pub handler: Handler,
    pub vars: Vec<(&'static str, V)>,
}

impl<V> FunctionVars<V> {
    pub fn of<E: FunctionEnv<V>>(env: E) -> FunctionVars<V> {
        FunctionVars { handler: E::HANDLER, vars: env.into_vars() }
    }
}

/// A setting written as its text and parsed back (`expected` names the form in errors).
pub trait Setting: fmt::Display + FromStr {
    const EXPECTED: &'static str;
}

impl Setting for u32 {
    const EXPECTED: &'static str = "a whole number";
}

/// Which stage of a pipeline a function serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    A,
    B,
}

impl Stage {
    /// `a` or `b`: also the stage a failed catalog row names.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::A => "a",
            Stage::B => "b",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = ();

    fn from_str(s: &str) -> Result<Stage, ()> {
        match s {
            "a" => Ok(Stage::A),
            "b" => Ok(Stage::B),
            _ => Err(()),
        }
    }
}

impl Setting for Stage {
    const EXPECTED: &'static str = "`a` or `b`";
}

/// A required value read through `var`.
pub fn required(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<String, EnvError> {
    var(name).filter(|v| !v.is_empty()).ok_or(EnvError::Missing(name))
}

/// A required setting read through `var`.
pub fn setting<T: Setting>(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<T, EnvError> {
    let value = required(var, name)?;
    value.parse().map_err(|_| EnvError::Invalid { name, value, expected: T::EXPECTED })
}

/// Declares a function's environment: its values (of type `V`), then its settings.
macro_rules! function_env {
    (
        $(#[$meta:meta])*
        $name:ident serves $handler:ident {
            $( $(#[$vmeta:meta])* $field:ident = $var:literal, )*
        }
        $( settings { $( $(#[$smeta:meta])* $sfield:ident: $sty:ty = $svar:literal, )* } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<V = String> {
            $( $(#[$vmeta])* pub $field: V, )*
            $( $( $(#[$smeta])* pub $sfield: $sty, )* )?
        }

        impl<V: From<String>> FunctionEnv<V> for $name<V> {
            const HANDLER: Handler = Handler::$handler;

            fn into_vars(self) -> Vec<(&'static str, V)> {
                vec![
                    $( ($var, self.$field), )*
                    $( $( ($svar, V::from(self.$sfield.to_string())), )* )?
                ]
            }
        }

        impl $name<String> {
            /// Reads the variables through `var` (the runtime passes `std::env::var(..).ok()`).
            pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
                Ok($name {
                    $( $field: required(&var, $var)?, )*
                    $( $( $sfield: setting(&var, $svar)?, )* )?
                })
            }
        }
    };
}

function_env! {
    /// `catalog`: S3 events of the three data buckets → catalog rows; new raw objects → routing.
    CatalogEnv serves Catalog {
        catalog_table = "CATALOG_TABLE",
        routing_queue_url = "ROUTING_QUEUE_URL",
        raw_bucket = "RAW_BUCKET",
        stage_bucket = "STAGE_BUCKET",
        analytics_bucket = "ANALYTICS_BUCKET",
    }
}

impl CatalogEnv {
    pub fn layout(&self) -> LakeLayout {
        LakeLayout {
            raw_bucket: self.raw_bucket.clone(),
            stage_bucket: self.stage_bucket.clone(),
            analytics_bucket: self.analytics_bucket.clone(),
        }
    }
}

function_env! {
    /// `routing`: a raw object → its dataset's pipeline.
    RoutingEnv serves Routing {
        catalog_table = "CATALOG_TABLE",
        dataset_config_table = "DATASET_CONFIG_TABLE",
        execution_history_table = "EXECUTION_HISTORY_TABLE",
    }
    settings {
        /// The routing queue's receive limit: on the last delivery the object's row says why.
        max_receive_count: u32 = "MAX_RECEIVE_COUNT",
    }
}

function_env! {
    /// `config`: the custom-resource provider of the config rows.
    ConfigEnv serves Config {
        dataset_config_table = "DATASET_CONFIG_TABLE",
        pipeline_config_table = "PIPELINE_CONFIG_TABLE",
    }
}

function_env! {
    /// `stage-a-routing`: stage A queue → one execution per object.
    StageARoutingEnv serves StageARouting {
        state_machine_arn = "STATE_MACHINE_ARN",
        execution_history_table = "EXECUTION_HISTORY_TABLE",
        catalog_table = "CATALOG_TABLE",
    }
    settings {
        /// The stage A queue's receive limit.
        max_receive_count: u32 = "MAX_RECEIVE_COUNT",
    }
}

function_env! {
    /// `stage-a-transform`: the light transform.
    StageATransformEnv serves StageATransform {
        stage_bucket = "STAGE_BUCKET",
    }
}

function_env! {
    /// `stage-b-routing`: a dataset's stage B queue → a batch.
    StageBRoutingEnv serves StageBRouting {
        state_machine_arn = "STATE_MACHINE_ARN",
        dataset_config_table = "DATASET_CONFIG_TABLE",
        execution_history_table = "EXECUTION_HISTORY_TABLE",
        stage_bucket = "STAGE_BUCKET",
        analytics_bucket = "ANALYTICS_BUCKET",
    }
}

function_env! {
    /// `stage-b-heavy`: the batch on DataFusion, read from the stage bucket and written to the
    /// analytics bucket (its input names both).
    StageBHeavyEnv serves StageBHeavy {
        analytics_bucket = "ANALYTICS_BUCKET",
    }
}

function_env! {
    /// `stage-b-publish`: a Glue batch's output in the analytics bucket, described for its
    /// quality run, then moved to the dataset's prefix or its quarantine.
    StageBPublishEnv serves StageBPublish {
        analytics_bucket = "ANALYTICS_BUCKET",
    }
}

function_env! {
    /// `stage-b-postupdate`: the batch's outcome in the raw objects' catalog rows and the
    /// execution history.
    StageBPostupdateEnv serves StageBPostupdate {
        catalog_table = "CATALOG_TABLE",
        execution_history_table = "EXECUTION_HISTORY_TABLE",
    }
}

function_env! {
    /// `error`: a failed execution's input → the stage's dead-letter queue.
    ErrorEnv serves Error {
        dead_letter_queue_url = "DEAD_LETTER_QUEUE_URL",
        catalog_table = "CATALOG_TABLE",
    }
    settings {
        stage: Stage = "STAGE",
    }
}

const STAGE: &str = "STAGE";
const QUEUE_URL: &str = "QUEUE_URL";
const STATE_MACHINE_ARN: &str = "STATE_MACHINE_ARN";
const DEAD_LETTER_QUEUE_URL: &str = "DEAD_LETTER_QUEUE_URL";

/// `redrive`: a stage's dead letters back into the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedriveEnv<V = String> {
    pub dead_letter_queue_url: V,
    pub target: RedriveTarget<V>,
}

/// Where a redrive sends dead letters; the variant is the stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedriveTarget<V = String> {
    /// Stage A: back to the queue (its URL).
    Queue(V),
    /// Stage B: a new execution of the state machine (its ARN).
    StateMachine(V),
}

impl<V: From<String>> FunctionEnv<V> for RedriveEnv<V> {
    const HANDLER: Handler = Handler::Redrive;

    fn into_vars(self) -> Vec<(&'static str, V)> {
        match self.target {
            RedriveTarget::Queue(url) => vec![
                (STAGE, V::from(Stage::A.to_string())),
                (QUEUE_URL, url),
                (DEAD_LETTER_QUEUE_URL, self.dead_letter_queue_url),
            ],
            RedriveTarget::StateMachine(arn) => vec![
                (STAGE, V::from(Stage::B.to_string())),
                (DEAD_LETTER_QUEUE_URL, self.dead_letter_queue_url),
                (STATE_MACHINE_ARN, arn),
            ],
        }
    }
}

impl RedriveEnv<String> {
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let target = match setting::<Stage>(&var, STAGE)? {
            Stage::A => RedriveTarget::Queue(required(&var, QUEUE_URL)?),
            Stage::B => RedriveTarget::StateMachine(required(&var, STATE_MACHINE_ARN)?),
        };
        Ok(RedriveEnv { dead_letter_queue_url: required(&var, DEAD_LETTER_QUEUE_URL)?, target })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn reader(vars: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn an_unreachable_endpoint_is_named_with_what_to_do() {
        let local = unreachable_endpoint(Some("http://127.0.0.1:4566"));
        assert!(local.starts_with("AWS was not reached at http://127.0.0.1:4566 (AWS_ENDPOINT_URL"), "{local}");
        assert!(local.contains("--endpoint-url"), "{local}");
        for unset in [None, Some("")] {
            let aws = unreachable_endpoint(unset);
            assert!(aws.contains("regional endpoint") && aws.contains("VPC endpoints"), "{aws}");
        }
    }

    #[test]
    fn what_the_stacks_write_the_runtime_reads() {
        let routing = RoutingEnv {
            catalog_table: "c".to_owned(),
            dataset_config_table: "d".into(),
            execution_history_table: "h".into(),
            max_receive_count: 3,
        };
        let vars = routing.clone().into_vars();
        assert_eq!(vars.last(), Some(&("MAX_RECEIVE_COUNT", "3".to_owned())));
        assert_eq!(RoutingEnv::from_vars(reader(&vars)), Ok(routing));
        for target in [RedriveTarget::Queue("q".to_owned()), RedriveTarget::StateMachine("sm".into())] {
            let env = RedriveEnv { dead_letter_queue_url: "dlq".to_owned(), target };
            assert_eq!(RedriveEnv::from_vars(reader(&env.clone().into_vars())), Ok(env));
        }
        assert_eq!(
            FunctionVars::<String>::of(ErrorEnv {
                dead_letter_queue_url: "dlq".into(),
                catalog_table: "c".into(),
                stage: Stage::B
            })
            .handler,
            Handler::Error
        );
    }

    #[test]
    fn a_missing_or_mistyped_variable_is_named() {
        let vars = [("STAGE", "c".to_owned()), ("DEAD_LETTER_QUEUE_URL", "q".into()), ("CATALOG_TABLE", String::new())];
        assert_eq!(ErrorEnv::from_vars(reader(&vars)), Err(EnvError::Missing("CATALOG_TABLE")));
        let vars = [("STAGE", "c".to_owned()), ("DEAD_LETTER_QUEUE_URL", "q".into()), ("CATALOG_TABLE", "t".into())];
        let err = ErrorEnv::from_vars(reader(&vars)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable STAGE is `c`, expected `a` or `b`; redeploy the function's stack"
        );
    }
}
