//! The states of a state machine, each a builder.

use indexmap::IndexMap;
use sdlf_cfn::Expr;

use crate::machine::Branch;
use crate::value::{Field, IntoJson, ResultPath, number};

/// Error names Step Functions defines, for `Retry` and `Catch`.
pub mod errors {
    /// Matches every error; must stand alone, in the last retrier or catcher.
    pub const ALL: &str = "States.ALL";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// The transient Lambda service errors worth retrying on every `lambda:invoke` task.
    pub const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ];
}

/// `Resource` ARNs of the service integrations the lake uses.
pub mod resource {
    /// Invoke a Lambda function (request/response); the function goes in `FunctionName`.
    pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
    /// Start a Glue job run and wait for it to finish.
    pub const GLUE_START_JOB_RUN_SYNC: &str = "arn:aws:states:::glue:startJobRun.sync";
    /// Start a Glue Data Quality ruleset evaluation run and wait for it to finish.
    pub const GLUE_START_DATA_QUALITY_RULESET_EVALUATION_RUN_SYNC: &str =
        "arn:aws:states:::glue:startDataQualityRulesetEvaluationRun.sync";
    pub const SQS_SEND_MESSAGE: &str = "arn:aws:states:::sqs:sendMessage";
    pub const SNS_PUBLISH: &str = "arn:aws:states:::sns:publish";
    /// Start another state machine's execution without waiting for it.
    pub const STATES_START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

    /// An AWS SDK integration: `aws_sdk("glue:startCrawler")` is
    /// `arn:aws:states:::aws-sdk:glue:startCrawler`.
    pub fn aws_sdk(service_action: &str) -> String {
        format!("arn:aws:states:::aws-sdk:{service_action}")
    }
}

/// What follows a state: `Next` or `End`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transition {
    Next(String),
    End,
}

/// One state of a state machine.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Task(Task),
    Pass(Pass),
    Choice(Choice),
    Wait(Wait),
    Parallel(Parallel),
    Map(Map),
    Succeed(Succeed),
    Fail(Fail),
}

impl State {
    /// The `Type` field: `Task`, `Pass`, `Choice`, ...
    pub fn type_name(&self) -> &'static str {
        match self {
            State::Task(_) => "Task",
            State::Pass(_) => "Pass",
            State::Choice(_) => "Choice",
            State::Wait(_) => "Wait",
            State::Parallel(_) => "Parallel",
            State::Map(_) => "Map",
            State::Succeed(_) => "Succeed",
            State::Fail(_) => "Fail",
        }
    }
}

macro_rules! into_state {
    ($($t:ident),*) => {$(
        impl From<$t> for State {
            fn from(s: $t) -> State {
                State::$t(s)
            }
        }
    )*};
}
into_state!(Task, Pass, Choice, Wait, Parallel, Map, Succeed, Fail);

/// `Comment`, on every state.
macro_rules! comment_method {
    ($t:ty) => {
        impl $t {
            /// `Comment`: a human-readable description.
            pub fn comment(mut self, comment: impl Into<String>) -> Self {
                self.comment = Some(comment.into());
                self
            }
        }
    };
}

/// `InputPath` and `OutputPath`.
macro_rules! io_methods {
    ($t:ty) => {
        impl $t {
            /// `InputPath`: the part of the state's input it works on.
            pub fn input_path(mut self, path: impl Into<String>) -> Self {
                self.input_path = Some(path.into());
                self
            }

            /// `OutputPath`: the part of the state's output passed on.
            pub fn output_path(mut self, path: impl Into<String>) -> Self {
                self.output_path = Some(path.into());
                self
            }
        }
    };
}

/// `Next` and `End`.
macro_rules! transition_methods {
    ($t:ty) => {
        impl $t {
            /// `Next`: the state that runs after this one.
            pub fn next(mut self, state: impl Into<String>) -> Self {
                self.transition = Some(Transition::Next(state.into()));
                self
            }

            /// `End: true`: this state ends its state machine (or branch).
            pub fn end(mut self) -> Self {
                self.transition = Some(Transition::End);
                self
            }
        }
    };
}

/// `ResultSelector` and `ResultPath`.
macro_rules! result_methods {
    ($t:ty) => {
        impl $t {
            /// `ResultSelector`: reshapes the result (`.$` keys select from it) before
            /// `ResultPath` places it.
            pub fn result_selector(mut self, selector: impl IntoJson) -> Self {
                self.result_selector = Some(selector.into_json());
                self
            }

            /// `ResultPath`: where the result goes in the input (`"$.x"`), or
            /// [`ResultPath::Discard`] to keep the input unchanged.
            pub fn result_path(mut self, path: impl Into<ResultPath>) -> Self {
                self.result_path = Some(path.into());
                self
            }
        }
    };
}

/// `Retry` and `Catch`.
macro_rules! error_methods {
    ($t:ty) => {
        impl $t {
            /// Adds a retrier; they are tried in the order added.
            pub fn retry(mut self, retry: Retry) -> Self {
                self.retry.push(retry);
                self
            }

            /// Adds a catcher; they are tried in the order added.
            pub fn catch(mut self, catch: Catch) -> Self {
                self.catch.push(catch);
                self
            }
        }
    };
}

/// `Parameters`, as a whole or key by key.
macro_rules! parameter_methods {
    ($t:ty) => {
        impl $t {
            /// `Parameters`: a JSON object; keys ending in `.$` take a JSONPath or intrinsic
            /// function. Replaces any parameters set before.
            pub fn parameters(mut self, parameters: impl IntoJson) -> Self {
                self.parameters = Some(parameters.into_json());
                self
            }

            /// Sets one parameter: `key` for a value, `key.$` for a [`Field::path`]. Parameters
            /// that are not a JSON object are replaced by one.
            pub fn parameter(mut self, key: &str, value: impl Into<Field>) -> Self {
                let mut object = match self.parameters.take() {
                    Some(Expr::Map(m)) => m,
                    _ => IndexMap::new(),
                };
                value.into().set(&mut object, key);
                self.parameters = Some(Expr::Map(object));
                self
            }
        }
    };
}

/// A retrier: which errors to retry, how often and how fast.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub(crate) error_equals: Vec<String>,
    pub(crate) interval_seconds: Option<u32>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) backoff_rate: Option<f64>,
    pub(crate) max_delay_seconds: Option<u32>,
}

impl Retry {
    /// Retries the named errors (`ErrorEquals`) with Step Functions' defaults (1 s, 3 attempts,
    /// backoff 2) unless set.
    pub fn new(errors: impl IntoIterator<Item = impl Into<String>>) -> Retry {
        Retry {
            error_equals: errors.into_iter().map(Into::into).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
        }
    }

    /// Retries every error (`States.ALL`); must be the last retrier.
    pub fn all() -> Retry {
        Retry::new([errors::ALL])
    }

    /// The retrier every Lambda task of the lake carries: the transient Lambda service
    /// errors, first after 2 s, 6 attempts, backoff rate 2.
    pub fn lambda_service_errors() -> Retry {
        Retry::new(errors::LAMBDA_SERVICE_ERRORS).interval_seconds(2).max_attempts(6).backoff_rate(2.0)
    }

    /// `IntervalSeconds`: wait before the first retry.
    pub fn interval_seconds(mut self, seconds: u32) -> Retry {
        self.interval_seconds = Some(seconds);
        self
    }

    /// `MaxAttempts`: retries at most this many times (0: never).
    pub fn max_attempts(mut self, attempts: u32) -> Retry {
        self.max_attempts = Some(attempts);
        self
    }

    /// `BackoffRate`: each wait is this many times the one before (at least 1).
    pub fn backoff_rate(mut self, rate: f64) -> Retry {
        self.backoff_rate = Some(rate);
        self
    }

    /// `MaxDelaySeconds`: the longest wait between two attempts.
    pub fn max_delay_seconds(mut self, seconds: u32) -> Retry {
        self.max_delay_seconds = Some(seconds);
        self
    }
}

/// A catcher: on the named errors, go to another state.
#[derive(Debug, Clone, PartialEq)]
pub struct Catch {
    pub(crate) error_equals: Vec<String>,
    pub(crate) result_path: Option<ResultPath>,
    pub(crate) next: String,
}

impl Catch {
    /// On any of `errors`, go to `next`.
    pub fn new(errors: impl IntoIterator<Item = impl Into<String>>, next: impl Into<String>) -> Catch {
        Catch { error_equals: errors.into_iter().map(Into::into).collect(), result_path: None, next: next.into() }
    }

    /// On any error (`States.ALL`), go to `next`, with the error placed at `result_path`
    /// ([`ResultPath::Discard`] keeps the original input).
    pub fn all(next: impl Into<String>, result_path: impl Into<ResultPath>) -> Catch {
        Catch::new([errors::ALL], next).result_path(result_path)
    }

    /// `ResultPath`: where the error output goes in the state's input.
    pub fn result_path(mut self, path: impl Into<ResultPath>) -> Catch {
        self.result_path = Some(path.into());
        self
    }
}

/// `Task`: one unit of work done by a service integration or an activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub(crate) comment: Option<String>,
    pub(crate) resource: Expr,
    pub(crate) input_path: Option<String>,
    pub(crate) parameters: Option<Expr>,
    pub(crate) result_selector: Option<Expr>,
    pub(crate) result_path: Option<ResultPath>,
    pub(crate) output_path: Option<String>,
    pub(crate) timeout_seconds: Option<u32>,
    pub(crate) heartbeat_seconds: Option<u32>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<Catch>,
    pub(crate) transition: Option<Transition>,
}

impl Task {
    /// A task on `resource`: a service integration ARN (see [`resource`]), or any template
    /// value (a Lambda ARN from `Fn::GetAtt`, a partition-aware `Fn::Sub`), which is then
    /// substituted.
    pub fn new(resource: impl Into<Expr>) -> Task {
        Task {
            comment: None,
            resource: resource.into(),
            input_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            output_path: None,
            timeout_seconds: None,
            heartbeat_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition: None,
        }
    }

    /// `lambda:invoke` of `function` (an ARN or name; a template value is substituted) with
    /// `payload`: a value (`Payload`) or a path (`Payload.$`, e.g. `Field::path("$")` for the
    /// whole input). The result is the invoke response: the function's return value is under
    /// `$.Payload`. No retrier is added; add [`Retry::lambda_service_errors`].
    pub fn lambda_invoke(function: impl Into<Expr>, payload: impl Into<Field>) -> Task {
        Task::new(resource::LAMBDA_INVOKE).parameter("FunctionName", function.into()).parameter("Payload", payload)
    }

    /// `glue:startJobRun.sync`: runs the Glue job `job_name` with `arguments` (a JSON object of
    /// `--name: value`, or a path to one) and waits for it to finish.
    pub fn glue_start_job_run_sync(job_name: impl Into<Expr>, arguments: impl Into<Field>) -> Task {
        Task::new(resource::GLUE_START_JOB_RUN_SYNC)
            .parameter("JobName", job_name.into())
            .parameter("Arguments", arguments)
    }

    /// `sqs:sendMessage` to `queue_url` with the body taken from a path or intrinsic function
    /// (`States.JsonToString($)` sends the whole input). FIFO queues need a `MessageGroupId`:
    /// add it with [`Task::parameter`].
    pub fn sqs_send_message(queue_url: impl Into<Expr>, message_body_path: impl Into<String>) -> Task {
        Task::new(resource::SQS_SEND_MESSAGE)
            .parameter("QueueUrl", queue_url.into())
            .parameter("MessageBody", Field::path(message_body_path))
    }

    /// An AWS SDK integration, `service:action` as in `glue:startCrawler`, with the API
    /// call's parameters.
    pub fn sdk(service_action: &str, parameters: impl IntoJson) -> Task {
        Task::new(resource::aws_sdk(service_action)).parameters(parameters)
    }

    /// `TimeoutSeconds`: fail with `States.Timeout` if the task runs longer.
    pub fn timeout_seconds(mut self, seconds: u32) -> Task {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// `HeartbeatSeconds`: fail with `States.HeartbeatTimeout` without a heartbeat this often.
    pub fn heartbeat_seconds(mut self, seconds: u32) -> Task {
        self.heartbeat_seconds = Some(seconds);
        self
    }
}

comment_method!(Task);
io_methods!(Task);
parameter_methods!(Task);
result_methods!(Task);
error_methods!(Task);
transition_methods!(Task);

/// `Pass`: passes its input on, optionally with a fixed `Result` or reshaped `Parameters`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pass {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) parameters: Option<Expr>,
    pub(crate) result: Option<Expr>,
    pub(crate) result_path: Option<ResultPath>,
    pub(crate) output_path: Option<String>,
    pub(crate) transition: Option<Transition>,
}

impl Pass {
    pub fn new() -> Pass {
        Pass::default()
    }

    /// `Result`: a fixed value output as the state's result.
    pub fn result(mut self, result: impl IntoJson) -> Pass {
        self.result = Some(result.into_json());
        self
    }

    /// `ResultPath`: where the result goes in the input.
    pub fn result_path(mut self, path: impl Into<ResultPath>) -> Pass {
        self.result_path = Some(path.into());
        self
    }
}

comment_method!(Pass);
io_methods!(Pass);
parameter_methods!(Pass);
transition_methods!(Pass);

/// A condition of a [`Choice`] rule: a comparison of the value at a path, or `And` / `Or` /
/// `Not` of other conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition(pub(crate) Cond);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Compare { variable: String, operator: &'static str, value: Expr },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    fn compare(variable: impl Into<String>, operator: &'static str, value: Expr) -> Condition {
        Condition(Cond::Compare { variable: variable.into(), operator, value })
    }

    pub fn string_equals(variable: impl Into<String>, value: impl Into<String>) -> Condition {
        Condition::compare(variable, "StringEquals", Expr::String(value.into()))
    }

    /// `StringMatches`: `*` matches any run of characters, `\\*` a literal star.
    pub fn string_matches(variable: impl Into<String>, pattern: impl Into<String>) -> Condition {
        Condition::compare(variable, "StringMatches", Expr::String(pattern.into()))
    }

    pub fn numeric_equals(variable: impl Into<String>, value: impl Into<f64>) -> Condition {
        Condition::compare(variable, "NumericEquals", number(value.into()))
    }

    pub fn numeric_less_than(variable: impl Into<String>, value: impl Into<f64>) -> Condition {
        Condition::compare(variable, "NumericLessThan", number(value.into()))
    }

    pub fn numeric_less_than_equals(variable: impl Into<String>, value: impl Into<f64>) -> Condition {
        Condition::compare(variable, "NumericLessThanEquals", number(value.into()))
    }

    pub fn numeric_greater_than(variable: impl Into<String>, value: impl Into<f64>) -> Condition {
        Condition::compare(variable, "NumericGreaterThan", number(value.into()))
    }

    pub fn numeric_greater_than_equals(variable: impl Into<String>, value: impl Into<f64>) -> Condition {
        Condition::compare(variable, "NumericGreaterThanEquals", number(value.into()))
    }

    pub fn boolean_equals(variable: impl Into<String>, value: bool) -> Condition {
        Condition::compare(variable, "BooleanEquals", Expr::Bool(value))
    }

    /// `IsPresent`: whether the path exists in the input (`present: false` tests absence).
    pub fn is_present(variable: impl Into<String>, present: bool) -> Condition {
        Condition::compare(variable, "IsPresent", Expr::Bool(present))
    }

    /// `IsNull`: whether the value at the path is `null`.
    pub fn is_null(variable: impl Into<String>, null: bool) -> Condition {
        Condition::compare(variable, "IsNull", Expr::Bool(null))
    }

    /// All of `conditions` (at least one).
    pub fn and(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition(Cond::And(conditions.into_iter().collect()))
    }

    /// Any of `conditions` (at least one).
    pub fn or(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition(Cond::Or(conditions.into_iter().collect()))
    }

    /// The negation of `condition`. (A constructor like `and` and `or`, hence the name.)
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Condition) -> Condition {
        Condition(Cond::Not(Box::new(condition)))
    }
}

/// `Choice`: goes to the `Next` of the first rule whose condition holds, else to `Default`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Choice {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) output_path: Option<String>,
    pub(crate) choices: Vec<(Condition, String)>,
    pub(crate) default: Option<String>,
}

impl Choice {
    pub fn new() -> Choice {
        Choice::default()
    }

    /// Adds a rule: when `condition` holds, go to `next`. Rules are tried in the order added.
    pub fn when(mut self, condition: Condition, next: impl Into<String>) -> Choice {
        self.choices.push((condition, next.into()));
        self
    }

    /// `Default`: where to go when no rule holds (without it, the execution fails with
    /// `States.NoChoiceMatched`).
    pub fn otherwise(mut self, next: impl Into<String>) -> Choice {
        self.default = Some(next.into());
        self
    }
}

comment_method!(Choice);
io_methods!(Choice);

/// How long a [`Wait`] waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WaitFor {
    Seconds(u32),
    SecondsPath(String),
    Timestamp(String),
    TimestampPath(String),
}

/// `Wait`: pauses for a time or until a timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) output_path: Option<String>,
    pub(crate) wait_for: WaitFor,
    pub(crate) transition: Option<Transition>,
}

impl Wait {
    fn new(wait_for: WaitFor) -> Wait {
        Wait { comment: None, input_path: None, output_path: None, wait_for, transition: None }
    }

    /// `Seconds`: a fixed time.
    pub fn seconds(seconds: u32) -> Wait {
        Wait::new(WaitFor::Seconds(seconds))
    }

    /// `SecondsPath`: the number of seconds at a path of the input.
    pub fn seconds_path(path: impl Into<String>) -> Wait {
        Wait::new(WaitFor::SecondsPath(path.into()))
    }

    /// `Timestamp`: until an ISO 8601 time (`2026-01-01T00:00:00Z`).
    pub fn timestamp(timestamp: impl Into<String>) -> Wait {
        Wait::new(WaitFor::Timestamp(timestamp.into()))
    }

    /// `TimestampPath`: until the time at a path of the input.
    pub fn timestamp_path(path: impl Into<String>) -> Wait {
        Wait::new(WaitFor::TimestampPath(path.into()))
    }
}

comment_method!(Wait);
io_methods!(Wait);
transition_methods!(Wait);

/// `Parallel`: runs each branch on the same input; the result is the list of their outputs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parallel {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) parameters: Option<Expr>,
    pub(crate) branches: Vec<Branch>,
    pub(crate) result_selector: Option<Expr>,
    pub(crate) result_path: Option<ResultPath>,
    pub(crate) output_path: Option<String>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<Catch>,
    pub(crate) transition: Option<Transition>,
}

impl Parallel {
    pub fn new() -> Parallel {
        Parallel::default()
    }

    /// Adds a branch. A single branch with a `Catch` is the usual try/catch around a group of
    /// states.
    pub fn branch(mut self, branch: Branch) -> Parallel {
        self.branches.push(branch);
        self
    }
}

comment_method!(Parallel);
io_methods!(Parallel);
parameter_methods!(Parallel);
result_methods!(Parallel);
error_methods!(Parallel);
transition_methods!(Parallel);

/// `Map` (inline): runs the item processor once for each item of a list in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) items_path: Option<String>,
    pub(crate) item_selector: Option<Expr>,
    pub(crate) item_processor: Branch,
    pub(crate) max_concurrency: Option<u32>,
    pub(crate) result_selector: Option<Expr>,
    pub(crate) result_path: Option<ResultPath>,
    pub(crate) output_path: Option<String>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<Catch>,
    pub(crate) transition: Option<Transition>,
}

impl Map {
    /// A Map running `item_processor` (mode `INLINE`) on each item.
    pub fn new(item_processor: Branch) -> Map {
        Map {
            comment: None,
            input_path: None,
            items_path: None,
            item_selector: None,
            item_processor,
            max_concurrency: None,
            result_selector: None,
            result_path: None,
            output_path: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition: None,
        }
    }

    /// `ItemsPath`: the list to iterate over (default: the whole input).
    pub fn items_path(mut self, path: impl Into<String>) -> Map {
        self.items_path = Some(path.into());
        self
    }

    /// `ItemSelector`: the input of each iteration; `$$.Map.Item.Value` is the item.
    pub fn item_selector(mut self, selector: impl IntoJson) -> Map {
        self.item_selector = Some(selector.into_json());
        self
    }

    /// `MaxConcurrency`: iterations running at once (0: as many as possible).
    pub fn max_concurrency(mut self, n: u32) -> Map {
        self.max_concurrency = Some(n);
        self
    }
}

comment_method!(Map);
io_methods!(Map);
result_methods!(Map);
error_methods!(Map);
transition_methods!(Map);

/// `Succeed`: ends the state machine (or branch) successfully.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Succeed {
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) output_path: Option<String>,
}

impl Succeed {
    pub fn new() -> Succeed {
        Succeed::default()
    }
}

comment_method!(Succeed);
io_methods!(Succeed);

/// `Fail`: ends the execution as failed, with an error name and cause.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fail {
    pub(crate) comment: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
}

impl Fail {
    pub fn new() -> Fail {
        Fail::default()
    }

    /// `Error`: the error name.
    pub fn error(mut self, error: impl Into<String>) -> Fail {
        self.error = Some(error.into());
        self
    }

    /// `Cause`: a human-readable explanation.
    pub fn cause(mut self, cause: impl Into<String>) -> Fail {
        self.cause = Some(cause.into());
        self
    }
}

comment_method!(Fail);
