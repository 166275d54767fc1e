//! The lake definition: what a user edits and reviews in pull requests.
//!
//! Plain data with defaults that match the reference architecture; [`crate::names`] checks it
//! before anything is synthesized.

use std::collections::BTreeMap;

/// A whole data lake: one organisation's domain, its environments and its teams.
#[derive(Debug, Clone, PartialEq)]
pub struct Lake {
    /// Organisation, `[a-z0-9]{2,10}`; prefixes every physical name.
    pub org: String,
    /// Data domain, `[a-z0-9]{2,9}`.
    pub domain: String,
    pub environments: Vec<Environment>,
    pub teams: Vec<Team>,
}

/// Where one copy of the lake lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// `[a-z][a-z0-9]{1,7}`: dev, test, prod, local.
    pub name: String,
    pub target: Target,
    /// Runs the functions and Glue jobs in subnets of a VPC the account already has
    /// ([`Environment::in_vpc`]); AWS environments only. `None`: they reach AWS's APIs over
    /// AWS's network, with IAM and TLS.
    pub vpc: Option<Vpc>,
    /// How many invocations each of the lake's queue-fed functions (`catalog`, `routing`) may
    /// run at once (2–1,000): their reserved concurrency and their queues' maximum concurrency.
    pub catalog_concurrency: u32,
}

/// Concurrent catalog and routing invocations by default: ten batches of ten S3 events at once
/// keep up with thousands of objects a second, and leave the account's pool to the rest.
pub const DEFAULT_CATALOG_CONCURRENCY: u32 = 10;

/// An environment's functions and Glue jobs in subnets of a VPC that exists already. The lake
/// creates no networking — subnets, route tables, gateways and security groups are the
/// account's — only, when asked ([`VpcEndpoints::Create`]), the VPC endpoints it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    /// Where the functions' and Glue jobs' network interfaces go (1–16, Lambda's limit): two or
    /// more in different Availability Zones keep the lake running when a zone is not.
    pub subnets: Vec<Subnet>,
    /// Attached to those interfaces (1–5, Lambda's limit). One must allow all TCP from itself
    /// (Glue's requirement for its workers), which also lets the functions reach interface
    /// endpoints that carry the same groups; all must allow outbound HTTPS.
    pub security_group_ids: Vec<String>,
    pub endpoints: VpcEndpoints,
}

/// A subnet and its Availability Zone (a Glue network connection names both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// E.g. `eu-west-1a`: in the environment's region.
    pub availability_zone: String,
}

impl Subnet {
    pub fn new(id: &str, availability_zone: &str) -> Subnet {
        Subnet { id: id.into(), availability_zone: availability_zone.into() }
    }
}

/// The VPC endpoints the lake needs in a VPC (`sdlf_lake::stacks::network::REQUIRED_ENDPOINTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcEndpoints {
    /// The VPC has them already (shared by other workloads, say); the README lists them.
    Existing,
    /// The foundations stack creates them in `vpc_id`: gateway endpoints on `route_table_ids`
    /// (the route tables of the subnets), interface endpoints in the subnets with the security
    /// groups and private DNS (the VPC needs DNS support and DNS hostnames on).
    Create { vpc_id: String, route_table_ids: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A real AWS account.
    Aws { account: String, region: String, lambda_architecture: LambdaArchitecture },
    /// The local emulator (MiniStack): resource types it rejects are left out of the stacks.
    Local { region: String },
}

/// The instruction set the lake's functions run on. Graviton (arm64) costs less per
/// GB-second; x86_64 is the default because the local emulator runs x86_64 only (which is why
/// only an AWS environment can choose arm64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LambdaArchitecture {
    #[default]
    X86_64,
    Arm64,
}

impl LambdaArchitecture {
    /// As Lambda names it.
    pub fn as_str(self) -> &'static str {
        match self {
            LambdaArchitecture::X86_64 => "x86_64",
            LambdaArchitecture::Arm64 => "arm64",
        }
    }
}

/// The account every local emulator reports.
pub const LOCAL_ACCOUNT: &str = "000000000000";

impl Environment {
    /// An AWS account; its functions run on x86_64.
    pub fn aws(name: &str, account: &str, region: &str) -> Environment {
        Environment::with_target(
            name,
            Target::Aws {
                account: account.into(),
                region: region.into(),
                lambda_architecture: LambdaArchitecture::X86_64,
            },
        )
    }

    /// An AWS account whose functions run on arm64 (Graviton).
    pub fn aws_arm64(name: &str, account: &str, region: &str) -> Environment {
        Environment::with_target(
            name,
            Target::Aws {
                account: account.into(),
                region: region.into(),
                lambda_architecture: LambdaArchitecture::Arm64,
            },
        )
    }

    pub fn local(name: &str) -> Environment {
        Environment::with_target(name, Target::Local { region: "us-east-1".into() })
    }

    fn with_target(name: &str, target: Target) -> Environment {
        Environment { name: name.into(), target, vpc: None, catalog_concurrency: DEFAULT_CATALOG_CONCURRENCY }
    }

    /// The same environment with its functions and Glue jobs in `vpc` (refused for `local`:
    /// the emulator runs functions as processes of this machine, without VPC networking).
    pub fn in_vpc(mut self, vpc: Vpc) -> Environment {
        self.vpc = Some(vpc);
        self
    }

    pub fn account(&self) -> &str {
        match &self.target {
            Target::Aws { account, .. } => account,
            Target::Local { .. } => LOCAL_ACCOUNT,
        }
    }

    pub fn region(&self) -> &str {
        match &self.target {
            Target::Aws { region, .. } | Target::Local { region } => region,
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self.target, Target::Local { .. })
    }

    pub fn lambda_architecture(&self) -> LambdaArchitecture {
        match &self.target {
            Target::Aws { lambda_architecture, .. } => *lambda_architecture,
            Target::Local { .. } => LambdaArchitecture::X86_64,
        }
    }
}

/// A team: owns pipelines and datasets, isolated from other teams by prefixes and keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// `[a-z0-9]{2,12}`.
    pub name: String,
    pub pipelines: Vec<Pipeline>,
    pub datasets: Vec<Dataset>,
}

/// A two-stage pipeline: stage A (light, per object, Lambda) then stage B (heavy, per batch, Glue).
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// `[a-z0-9]{2,12}`.
    pub name: String,
    pub stage_a: StageA,
}

/// Settings of the light-transform stage's functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageA {
    /// Memory of the light-transform function, MB (128–10,240).
    pub transform_memory_mb: u32,
    /// Timeout of the light-transform function, seconds (1–900).
    pub transform_timeout_seconds: u32,
    /// Receives of a stage A message before it goes to the dead-letter queue (1–1,000).
    pub max_receive_count: u32,
    /// Light transforms running at once at most (at least 1): the function's reserved
    /// concurrency, so a flood of objects cannot take the account's whole pool. A transform
    /// over the limit is retried by the state machine and, still throttled, dead-lettered.
    pub transform_concurrency: u32,
    /// Invocations of the routing function at once (2–1,000): its reserved concurrency and
    /// queue A's maximum concurrency.
    pub routing_concurrency: u32,
}

/// Not 1 (the original framework's value, which dead-lettered a message on a single throttled
/// start): a message that fails three times is not transient.
pub const DEFAULT_MAX_RECEIVE_COUNT: u32 = 3;

impl Default for StageA {
    fn default() -> StageA {
        StageA {
            transform_memory_mb: 1536,
            transform_timeout_seconds: 600,
            max_receive_count: DEFAULT_MAX_RECEIVE_COUNT,
            transform_concurrency: 50,
            routing_concurrency: 5,
        }
    }
}

impl Pipeline {
    pub fn new(name: &str) -> Pipeline {
        Pipeline { name: name.into(), stage_a: StageA::default() }
    }
}

/// A dataset: which pipeline processes it and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `[a-z0-9]{2,14}`.
    pub name: String,
    /// The team's pipeline that processes it.
    pub pipeline: String,
    pub light_transform: LightTransform,
    /// How many stage-A outputs a stage-B run takes.
    pub batch: Batch,
    /// When stage B looks for queued work.
    pub schedule: Schedule,
    /// Stage B's work on a batch: SQL, run by Spark on Glue or by DataFusion.
    pub heavy_transform: HeavyTransform,
    /// The Glue job's size and version, where Glue is the engine.
    pub glue_job: GlueJob,
    pub crawler: Crawler,
    /// Data-quality rules evaluated on each batch's output.
    pub quality: Quality,
}

/// A dataset's heavy transform, declared once and run by either engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeavyTransform {
    /// A query over `batch`: the batch's stage A outputs, column names in lower case. It
    /// must mean the same in Spark SQL and in DataFusion; synthesis refuses the constructs
    /// where the two differ (see `sdlf_lake::portable`).
    pub sql: String,
    /// Output columns to partition by (Hive-style `col=value/` folders), in order.
    pub partition_by: Vec<String>,
    pub format: TargetFormat,
    /// The engine in AWS environments; `local` always runs DataFusion (the emulator runs no
    /// Glue job).
    pub engine: Engine,
    /// Per-environment engines, by environment name, over `engine`.
    pub engine_in: BTreeMap<String, Engine>,
}

impl HeavyTransform {
    /// `sql` on Glue in AWS environments, unpartitioned.
    pub fn sql(sql: &str) -> HeavyTransform {
        HeavyTransform {
            sql: sql.to_owned(),
            partition_by: vec![],
            format: TargetFormat::Parquet,
            engine: Engine::Glue,
            engine_in: BTreeMap::new(),
        }
    }

    pub fn partitioned_by(mut self, columns: &[&str]) -> HeavyTransform {
        self.partition_by = columns.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// The engine in environment `env`.
    pub fn engine_for(&self, env: &Environment) -> Engine {
        match self.engine_in.get(&env.name) {
            Some(engine) => *engine,
            None if env.is_local() => Engine::DataFusion,
            None => self.engine,
        }
    }
}

/// A dataset's data-quality rules and what a failure does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quality {
    pub rules: Vec<crate::quality::Rule>,
    pub on_failure: OnQualityFailure,
}

/// Stage A's format conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct LightTransform {
    pub input: InputFormat,
    pub target: TargetFormat,
    /// Columns and types; inferred from the data when empty.
    pub schema: Vec<Column>,
}

// The formats and column types are the config row's own (the functions read them as they
// are declared here).
pub use sdlf_lambda_core::contract::config::{Column, ColumnType, Engine, InputFormat, OnQualityFailure, TargetFormat};

/// Items per stage-B execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Stage B waits until at least this many items are queued.
    pub min_items: u32,
    /// One execution takes at most this many.
    pub max_items: u32,
    /// Receives of a stage B message before it goes to the dead-letter queue (1–1,000).
    pub max_receive_count: u32,
}

impl Default for Batch {
    fn default() -> Batch {
        Batch { min_items: 1, max_items: 100, max_receive_count: DEFAULT_MAX_RECEIVE_COUNT }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every N minutes.
    EveryMinutes(u32),
    /// An EventBridge Scheduler cron expression, e.g. `cron(0 2 * * ? *)`.
    Cron(String),
}

impl Schedule {
    /// The Scheduler `ScheduleExpression`.
    pub fn expression(&self) -> String {
        match self {
            Schedule::EveryMinutes(1) => "rate(1 minute)".to_owned(),
            Schedule::EveryMinutes(n) => format!("rate({n} minutes)"),
            Schedule::Cron(c) => c.clone(),
        }
    }
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule::EveryMinutes(5)
    }
}

/// The Glue job that runs the heavy transform's SQL with Spark (the repository's one
/// generic script, [`GLUE_SCRIPT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueJob {
    pub worker_type: WorkerType,
    pub workers: u32,
    /// Extra job arguments (`--key` → value).
    pub arguments: BTreeMap<String, String>,
    /// Glue version: [`GLUE_VERSION`] unless set.
    pub glue_version: String,
}

/// The PySpark script every Glue job runs, relative to the repository root.
pub const GLUE_SCRIPT: &str = "infra/lake/spark/heavy_transform.py";

/// Glue 5.1: Spark 3.5.6, Python 3.11, Java 17 — the versions the parity test runs locally.
pub const GLUE_VERSION: &str = "5.1";

impl Default for GlueJob {
    fn default() -> GlueJob {
        GlueJob {
            worker_type: WorkerType::G1X,
            workers: 2,
            arguments: BTreeMap::new(),
            glue_version: GLUE_VERSION.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerType {
    G025X,
    G1X,
    G2X,
    G4X,
    G8X,
}

impl WorkerType {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::G025X => "G.025X",
            WorkerType::G1X => "G.1X",
            WorkerType::G2X => "G.2X",
            WorkerType::G4X => "G.4X",
            WorkerType::G8X => "G.8X",
        }
    }
}

/// The crawler that catalogues the heavy transform's output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Crawler {
    /// Prefix of the tables it creates.
    pub table_prefix: Option<String>,
}

impl Lake {
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }
}

impl Team {
    pub fn pipeline(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.name == name)
    }
}
