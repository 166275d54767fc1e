//! Naming: the rules a definition's names follow, the physical names derived from them, and
//! the check that every derived name fits its service's limits — before anything is written.
//! (The original framework broke on bucket names over 63 characters; here that is an error
//! at synth time naming the bucket, the limit and what to shorten.)

use sdlf_lambda_core::contract::layout::{self, Layer as DataLayer};
use sdlf_lambda_core::contract::resources::{DatasetResource, PipelineResource};

use crate::definition::{Environment, Lake};

/// A definition the lake cannot be built from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("{what} `{value}` is invalid: it must be {rule}")]
    BadName { what: String, value: String, rule: &'static str },
    #[error(
        "{what} `{value}` is {len} characters, over the limit of {limit} for {service}; shorten the organisation, \
         domain, team, pipeline or dataset name by {excess}",
        excess = len - limit
    )]
    TooLong { what: String, value: String, len: usize, limit: usize, service: &'static str },
    #[error("{what} `{value}` is defined twice; names must be unique")]
    Duplicate { what: String, value: String },
    #[error(
        "dataset `{dataset}` of team `{team}` uses pipeline `{pipeline}`, which the team does not define (it has: {known})"
    )]
    UnknownPipeline { team: String, dataset: String, pipeline: String, known: String },
    #[error("{what}: {problem}")]
    BadSetting { what: String, problem: String },
    #[error("the lake defines no environment `{0}`; add it to the definition or pick one of its environments")]
    UnknownEnvironment(String),
}

/// What is wrong with a heavy transform: SQL the engines read differently, partition columns
/// that are not plain lower-case names, engines for environments that do not exist or cannot
/// run them.
fn heavy_transform_problems(lake: &Lake, heavy: &crate::definition::HeavyTransform) -> Vec<String> {
    let mut problems: Vec<String> = crate::portable::check(&heavy.sql).iter().map(ToString::to_string).collect();
    for column in &heavy.partition_by {
        let plain = column.starts_with(|c: char| c.is_ascii_lowercase())
            && column.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            problems.push(format!(
                "partition column `{column}` must be a lower-case name ([a-z][a-z0-9_]*), as both engines write it"
            ));
        }
    }
    for (env, engine) in &heavy.engine_in {
        match lake.environment(env) {
            None => problems.push(format!("sets an engine for environment `{env}`, which the lake does not define")),
            Some(e) if e.is_local() && *engine == crate::definition::Engine::Glue => problems.push(format!(
                "environment `{env}` is local, where no Glue job runs (the emulator only marks it done): use DataFusion"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// A name rule: lowercase letters and digits within a length range.
struct NameRule {
    what: &'static str,
    min: usize,
    max: usize,
    first_letter: bool,
    text: &'static str,
}

const ORG: NameRule = NameRule {
    what: "organisation",
    min: 2,
    max: 10,
    first_letter: false,
    text: "2 to 10 lowercase letters or digits ([a-z0-9]{2,10})",
};
const DOMAIN: NameRule = NameRule {
    what: "domain",
    min: 2,
    max: 9,
    first_letter: false,
    text: "2 to 9 lowercase letters or digits ([a-z0-9]{2,9})",
};
const ENV: NameRule = NameRule {
    what: "environment",
    min: 2,
    max: 8,
    first_letter: true,
    text: "2 to 8 lowercase letters or digits, starting with a letter ([a-z][a-z0-9]{1,7})",
};
const TEAM: NameRule = NameRule {
    what: "team",
    min: 2,
    max: 12,
    first_letter: false,
    text: "2 to 12 lowercase letters or digits ([a-z0-9]{2,12})",
};
const PIPELINE: NameRule = NameRule {
    what: "pipeline",
    min: 2,
    max: 12,
    first_letter: false,
    text: "2 to 12 lowercase letters or digits ([a-z0-9]{2,12})",
};
const DATASET: NameRule = NameRule {
    what: "dataset",
    min: 2,
    max: 14,
    first_letter: false,
    text: "2 to 14 lowercase letters or digits ([a-z0-9]{2,14})",
};

fn check(rule: &NameRule, context: &str, value: &str, errors: &mut Vec<DefinitionError>) {
    let ok = (rule.min..=rule.max).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && (!rule.first_letter || value.bytes().next().is_some_and(|b| b.is_ascii_lowercase()));
    if !ok {
        errors.push(DefinitionError::BadName {
            what: format!("{}{context}", rule.what),
            value: value.to_owned(),
            rule: rule.text,
        });
    }
}

fn check_unique<'a>(what: &str, names: impl Iterator<Item = &'a str>, errors: &mut Vec<DefinitionError>) {
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            errors.push(DefinitionError::Duplicate { what: what.to_owned(), value: n.to_owned() });
        }
    }
}

/// The layers of the lake's storage, each a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Raw,
    Stage,
    Analytics,
    Artifacts,
    AccessLogs,
    Athena,
}

impl Layer {
    pub const ALL: [Layer; 6] =
        [Layer::Raw, Layer::Stage, Layer::Analytics, Layer::Artifacts, Layer::AccessLogs, Layer::Athena];
    /// The layers that hold the lake's data (versioned, notified, registered with Lake Formation).
    pub const DATA: [Layer; 3] = [Layer::Raw, Layer::Stage, Layer::Analytics];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Raw => "raw",
            Layer::Stage => "stage",
            Layer::Analytics => "analytics",
            Layer::Artifacts => "artifacts",
            Layer::AccessLogs => "access-logs",
            Layer::Athena => "athena",
        }
    }

    /// The layer as the catalog and the functions know it, for the three data layers.
    pub const fn data(self) -> Option<DataLayer> {
        match self {
            Layer::Raw => Some(DataLayer::Raw),
            Layer::Stage => Some(DataLayer::Stage),
            Layer::Analytics => Some(DataLayer::Analytics),
            Layer::Artifacts | Layer::AccessLogs | Layer::Athena => None,
        }
    }
}

/// Physical names of one environment of a lake. Every name any stack uses comes from here.
///
/// Components are validated `[a-z0-9]` words joined by hyphens, so S3's character rules hold
/// by construction and only lengths need checking.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub lake: &'a Lake,
    pub env: &'a Environment,
}

impl<'a> Names<'a> {
    pub fn new(lake: &'a Lake, env: &'a Environment) -> Names<'a> {
        Names { lake, env }
    }

    // Names are joined with `concat` rather than `format!`: they are made by the thousand for a
    // large lake (and checked in every environment), and formatting machinery was most of it.

    /// `{org}-{domain}-{env}-{rest...}`.
    fn prefixed(&self, rest: &[&str]) -> String {
        let l = self.lake;
        let parts = || [l.org.as_str(), "-", &l.domain, "-", &self.env.name].into_iter().chain(rest.iter().copied());
        let mut name = String::with_capacity(parts().map(str::len).sum());
        parts().for_each(|part| name.push_str(part));
        name
    }

    /// Globally unique: organisation, domain, environment, region and account.
    pub fn bucket(&self, layer: Layer) -> String {
        self.prefixed(&["-", self.env.region(), "-", self.env.account(), "-", layer.as_str()])
    }

    pub fn foundations_stack(&self) -> String {
        self.prefixed(&["-foundations"])
    }

    pub fn catalog_stack(&self) -> String {
        self.prefixed(&["-catalog"])
    }

    pub fn team_stack(&self, team: &str) -> String {
        self.prefixed(&["-team-", team])
    }

    pub fn pipeline_stack(&self, team: &str, pipeline: &str) -> String {
        self.prefixed(&["-pipeline-", team, "-", pipeline])
    }

    pub fn dataset_stack(&self, team: &str, dataset: &str) -> String {
        self.prefixed(&["-dataset-", team, "-", dataset])
    }

    /// Lake-wide resources (`sdlf-catalog`, ...).
    pub fn lake_resource(&self, what: &str) -> String {
        ["sdlf-", &self.env.name, "-", what].concat()
    }

    /// Team resources share the `sdlf-{team}-` prefix the team's permissions boundary allows.
    pub fn team_resource(&self, team: &str, what: &str) -> String {
        ["sdlf-", team, "-", what].concat()
    }

    pub fn pipeline_resource(&self, team: &str, pipeline: &str, what: &str) -> String {
        ["sdlf-", team, "-", pipeline, "-", what].concat()
    }

    pub fn dataset_resource(&self, team: &str, dataset: &str, what: &str) -> String {
        ["sdlf-", team, "-", dataset, "-", what].concat()
    }

    /// Glue database: lowercase letters, digits and underscores.
    pub fn glue_database(&self, team: &str, dataset: &str) -> String {
        let l = self.lake;
        [l.org.as_str(), "_", &l.domain, "_", &self.env.name, "_", team, "_", dataset].concat()
    }

    /// SSM parameter names: one hierarchy per environment.
    pub fn ssm(&self, path: &str) -> String {
        ["/sdlf/", &self.env.name, "/", path].concat()
    }
}

/// Checks every name of the definition and every physical name derived from it, in every
/// environment. Reports all problems at once.
pub fn validate(lake: &Lake) -> Result<(), Vec<DefinitionError>> {
    let mut errors = Vec::new();
    check(&ORG, "", &lake.org, &mut errors);
    check(&DOMAIN, "", &lake.domain, &mut errors);
    for env in &lake.environments {
        check(&ENV, "", &env.name, &mut errors);
        let what = format!("environment `{}`", env.name);
        errors.extend(
            crate::settings::environment_problems(env)
                .into_iter()
                .map(|problem| DefinitionError::BadSetting { what: what.clone(), problem }),
        );
    }
    // Team, pipeline and dataset resources are named `sdlf-{team}-...` without the environment
    // (IAM and Lambda names are short), so two environments in one account would collide.
    for (i, a) in lake.environments.iter().enumerate() {
        if let Some(b) = lake.environments[..i].iter().find(|b| !a.is_local() && b.account() == a.account()) {
            errors.push(DefinitionError::BadSetting {
                what: format!("environments `{}` and `{}`", b.name, a.name),
                problem: format!(
                    "both use account {}; team resources (`sdlf-{{team}}-...`) would collide, so give each \
                     environment its own account",
                    a.account()
                ),
            });
        }
    }
    check_unique("environment", lake.environments.iter().map(|e| e.name.as_str()), &mut errors);
    check_unique("team", lake.teams.iter().map(|t| t.name.as_str()), &mut errors);
    for team in &lake.teams {
        check(&TEAM, "", &team.name, &mut errors);
        let ctx = format!(" (team {})", team.name);
        check_unique(&format!("pipeline{ctx}"), team.pipelines.iter().map(|p| p.name.as_str()), &mut errors);
        check_unique(&format!("dataset{ctx}"), team.datasets.iter().map(|d| d.name.as_str()), &mut errors);
        for p in &team.pipelines {
            check(&PIPELINE, &ctx, &p.name, &mut errors);
            let what = format!("pipeline `{}` of team `{}`", p.name, team.name);
            errors.extend(
                crate::settings::stage_a_problems(&p.stage_a)
                    .into_iter()
                    .map(|problem| DefinitionError::BadSetting { what: what.clone(), problem }),
            );
        }
        for d in &team.datasets {
            check(&DATASET, &ctx, &d.name, &mut errors);
            let what = format!("dataset `{}` of team `{}`", d.name, team.name);
            if team.pipeline(&d.pipeline).is_none() {
                errors.push(DefinitionError::UnknownPipeline {
                    team: team.name.clone(),
                    dataset: d.name.clone(),
                    pipeline: d.pipeline.clone(),
                    known: team.pipelines.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
                });
            }
            if d.batch.min_items == 0 || d.batch.min_items > d.batch.max_items || d.batch.max_items > 10_000 {
                errors.push(DefinitionError::BadSetting {
                    what: what.clone(),
                    problem: format!(
                        "batch min {} / max {} must satisfy 1 <= min <= max <= 10000",
                        d.batch.min_items, d.batch.max_items
                    ),
                });
            }
            if !(1..=1000).contains(&d.batch.max_receive_count) {
                errors.push(DefinitionError::BadSetting {
                    what: what.clone(),
                    problem: format!("stage B max receive count {} must be 1 to 1000", d.batch.max_receive_count),
                });
            }
            if let crate::definition::Schedule::EveryMinutes(0) = d.schedule {
                errors.push(DefinitionError::BadSetting {
                    what: what.clone(),
                    problem: "a schedule of every 0 minutes never runs; use at least 1".into(),
                });
            }
            if !(2..=299).contains(&d.glue_job.workers) {
                errors.push(DefinitionError::BadSetting {
                    what: what.clone(),
                    problem: format!("Glue workers {} must be 2 to 299", d.glue_job.workers),
                });
            }
            for problem in heavy_transform_problems(lake, &d.heavy_transform) {
                errors.push(DefinitionError::BadSetting { what: format!("{what}, heavy transform"), problem });
            }
            if let Err(e) = crate::quality::check_ruleset(&d.quality.rules) {
                errors.push(DefinitionError::BadSetting { what, problem: e.to_string() });
            }
        }
    }
    if errors.is_empty() {
        // Derived names only make sense once their parts are valid.
        for env in &lake.environments {
            physical_names(&Names::new(lake, env), &mut errors);
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A service's limit on a physical name.
struct Limit {
    service: &'static str,
    max: usize,
}

const S3_BUCKET: Limit = Limit { service: "S3 bucket names", max: 63 };
const LAMBDA: Limit = Limit { service: "Lambda function names", max: 64 };
const SQS: Limit = Limit { service: "SQS queue names", max: 80 };
const IAM_ROLE: Limit = Limit { service: "IAM role names", max: 64 };
const STACK: Limit = Limit { service: "CloudFormation stack names", max: 128 };
const STATE_MACHINE: Limit = Limit { service: "Step Functions state machine names", max: 80 };
const GLUE: Limit = Limit { service: "Glue names", max: 255 };
const SSM: Limit = Limit { service: "SSM parameter names", max: 1011 };
const SCHEDULE: Limit = Limit { service: "EventBridge Scheduler schedule names", max: 64 };

/// `what` names the value in the error; it is only written for a value over the limit, as
/// nearly every name fits.
fn fits(what: impl FnOnce() -> String, value: String, limit: &Limit, errors: &mut Vec<DefinitionError>) {
    if value.len() > limit.max {
        errors.push(DefinitionError::TooLong {
            what: what(),
            len: value.len(),
            value,
            limit: limit.max,
            service: limit.service,
        });
    }
}

// The longest per-pipeline and per-dataset name suffix of each kind the stacks create: the
// checks hold that one against its service's limit, as every shorter name of the kind then
// fits too. Derived from the resource lists, so a new, longer suffix is checked at once.

/// The longest of `resources`' suffixes (the last of equally long ones).
fn longest<R: Copy>(resources: &[R], suffix: fn(R) -> &'static str) -> &'static str {
    resources.iter().map(|r| suffix(*r)).fold("", |longest, s| if s.len() >= longest.len() { s } else { longest })
}

pub fn longest_pipeline_function() -> &'static str {
    longest(&PipelineResource::FUNCTIONS, PipelineResource::suffix)
}

pub fn longest_pipeline_queue() -> &'static str {
    longest(&PipelineResource::QUEUES, PipelineResource::suffix)
}

fn longest_pipeline_machine() -> &'static str {
    longest(&PipelineResource::MACHINES, PipelineResource::suffix)
}

pub fn longest_dataset_queue() -> &'static str {
    longest(&DatasetResource::QUEUES, DatasetResource::suffix)
}

pub fn longest_dataset_glue_name() -> &'static str {
    longest(&DatasetResource::GLUE, DatasetResource::suffix)
}

/// The pipeline roles' names are generated, so no resource list holds them: this suffix is
/// kept as written.
pub const LONGEST_PIPELINE_ROLE: &str = "stage-b-states";

fn physical_names(n: &Names<'_>, errors: &mut Vec<DefinitionError>) {
    let env = &n.env.name;
    for layer in Layer::ALL {
        let name = n.bucket(layer);
        fits(|| format!("{} bucket of environment `{env}`", layer.as_str()), name, &S3_BUCKET, errors);
    }
    fits(|| format!("foundations stack of `{env}`"), n.foundations_stack(), &STACK, errors);
    for team in &n.lake.teams {
        let t = &team.name;
        fits(|| format!("team stack `{t}`"), n.team_stack(t), &STACK, errors);
        for p in &team.pipelines {
            let what = |kind: &str| format!("{kind} of pipeline `{t}/{}` in `{env}`", p.name);
            fits(|| what("stack"), n.pipeline_stack(t, &p.name), &STACK, errors);
            let name = |suffix: &str| n.pipeline_resource(t, &p.name, suffix);
            fits(|| what("function"), name(longest_pipeline_function()), &LAMBDA, errors);
            fits(|| what("queue"), name(longest_pipeline_queue()), &SQS, errors);
            fits(|| what("role"), name(LONGEST_PIPELINE_ROLE), &IAM_ROLE, errors);
            fits(|| what("state machine"), name(longest_pipeline_machine()), &STATE_MACHINE, errors);
        }
        for d in &team.datasets {
            let what = |kind: &str| format!("{kind} of dataset `{t}/{}` in `{env}`", d.name);
            fits(|| what("stack"), n.dataset_stack(t, &d.name), &STACK, errors);
            let name = |suffix: &str| n.dataset_resource(t, &d.name, suffix);
            fits(|| what("queue"), name(longest_dataset_queue()), &SQS, errors);
            fits(|| what("schedule"), name(DatasetResource::ScheduleB.suffix()), &SCHEDULE, errors);
            fits(|| what("Glue name"), name(longest_dataset_glue_name()), &GLUE, errors);
            fits(|| what("Glue database"), n.glue_database(t, &d.name), &GLUE, errors);
            fits(
                || what("SSM parameter"),
                n.ssm(&format!("dataset/{t}/{}/QueueStageBDeadLetterUrl", d.name)),
                &SSM,
                errors,
            );
        }
    }
}

/// Parses an environment name against the lake.
pub fn environment<'a>(lake: &'a Lake, name: &str) -> Result<&'a Environment, DefinitionError> {
    lake.environment(name).ok_or_else(|| DefinitionError::UnknownEnvironment(name.to_owned()))
}

/// A team's prefix in a bucket: for the data layers the core's layout
/// ([`layout::team_prefix`]: `{team}/`, `pre-stage/{team}/` in stage), which the functions
/// share; the other buckets keep a team's objects under `{team}/`. Permissions boundaries,
/// crawlers and Lake Formation grants are all scoped by these prefixes.
pub fn team_prefix(layer: Layer, team: &str) -> String {
    match layer.data() {
        Some(data) => layout::team_prefix(data, team),
        None => format!("{team}/"),
    }
}

/// A dataset's prefix: `{team prefix}{dataset}/`, as the core's `DatasetRef::prefix`.
pub fn dataset_prefix(layer: Layer, team: &str, dataset: &str) -> String {
    format!("{}{dataset}/", team_prefix(layer, team))
}
