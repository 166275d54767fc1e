//! `sdlf deploy`: the thin shell over the deploy engine — arguments, the terminal, Ctrl-C,
//! and the closing summary.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sdlf_deploy::api::{Objects, Queues, Stacks};
use sdlf_deploy::engine::deploy::{AssetBytes, DeployOptions, Deployer, Event, Interrupts, Reporter, StackResult};
use sdlf_deploy::select::{Direction, select};
use sdlf_diff::{Style, render_text};
use sdlf_lake::Layer;

use crate::aws_target::{AwsArgs, connect};
use crate::console::Console;
use crate::session::Cloud;
use crate::{CliError, exit, session};

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The global `--env`: on a terminal `dev` when not given, elsewhere required.
    #[arg(skip)]
    pub env: Option<String>,
    /// Stacks to deploy, with the stacks they depend on (default: all).
    pub stacks: Vec<String>,
    /// Deploy only the named stacks, not the stacks they depend on.
    #[arg(long)]
    pub exclusively: bool,
    /// Execute without asking (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// Stacks deployed at the same time, at most.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Let the deploy replace or delete this resource although it holds data (repeatable).
    #[arg(long = "allow-replace", value_name = "LOGICAL_ID")]
    pub allow_replace: Vec<String>,
    /// Fail at once when a stack is busy with another operation, instead of waiting.
    #[arg(long)]
    pub no_wait: bool,
    /// IAM role CloudFormation deploys with (a CI/CD execution role), as `cdk deploy --role-arn`.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Print what was done per stack, with its outputs, as JSON on standard output (progress
    /// goes to standard error).
    #[arg(long)]
    pub json: bool,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
    /// A compact account (per stack: created, updated or unchanged, resources, time) instead of
    /// every plan and event, unless -v; what `sdlf local` shows.
    #[arg(skip)]
    pub compact: bool,
}

/// Progress for people and for CI: on a terminal, a bar per executing stack (resources done
/// of all, with how many are in progress and failed) and the plan in colour; elsewhere one
/// plain line per event.
struct Terminal<'c> {
    console: &'c Console,
    style: Style,
    bars: Option<Bars>,
    /// The compact account (see [`DeployArgs::compact`] and `-q`).
    compact: bool,
    /// A person is asked about each plan, so plans are shown even in the compact account.
    asks: bool,
    /// Progress goes to standard error: standard output is for the `--json` result.
    to_stderr: bool,
    /// When each executing stack started, and its resources.
    started: Mutex<BTreeMap<String, (std::time::Instant, usize)>>,
}

/// A stack's bar and the last status of each of its resources.
type StackBar = (ProgressBar, BTreeMap<String, String>);

/// The bars of the stacks being executed.
struct Bars {
    multi: MultiProgress,
    stacks: Mutex<BTreeMap<String, StackBar>>,
}

impl Bars {
    fn start(&self, stack: &str, resources: usize) {
        let bar = self.multi.add(ProgressBar::new(resources as u64));
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(stack.to_owned());
        self.stacks.lock().unwrap_or_else(|p| p.into_inner()).insert(stack.to_owned(), (bar, BTreeMap::new()));
    }

    fn resource(&self, stack: &str, logical_id: &str, status: &str) {
        let mut stacks = self.stacks.lock().unwrap_or_else(|p| p.into_inner());
        let Some((bar, resources)) = stacks.get_mut(stack) else { return };
        if logical_id == stack {
            return; // the stack's own events
        }
        resources.insert(logical_id.to_owned(), status.to_owned());
        let count = |suffix: &str| resources.values().filter(|s| s.ends_with(suffix)).count();
        bar.set_position(count("_COMPLETE") as u64);
        bar.set_message(format!("{} in progress, {} failed", count("_IN_PROGRESS"), count("_FAILED")));
    }

    fn finish(&self, stack: &str, status: &str) {
        if let Some((bar, _)) = self.stacks.lock().unwrap_or_else(|p| p.into_inner()).remove(stack) {
            bar.finish_with_message(status.to_owned());
        }
    }
}

impl Terminal<'_> {
    fn line(&self, text: &str) {
        if let Some(bars) = &self.bars {
            // Above the bars, which stay at the bottom.
            let _ = bars.multi.println(text);
        } else if self.to_stderr {
            self.console.error(text);
        } else {
            self.console.line(text);
        }
    }

    /// The compact account's own rendering of `event`: says it and returns true, or returns
    /// false to leave it to the full rendering.
    fn report_compact(&self, event: &Event<'_>) -> bool {
        match event {
            Event::NoChanges { stack } => self.line(&format!("{stack}: unchanged")),
            Event::AssetUploaded { .. } => {}
            Event::Plan { .. } if !self.asks => {}
            Event::Executing { stack, resources, .. } => {
                let now = std::time::Instant::now();
                self.started.lock().unwrap_or_else(|p| p.into_inner()).insert((*stack).to_owned(), (now, *resources));
                if let Some(bars) = &self.bars {
                    bars.start(stack, *resources);
                }
            }
            Event::Resource { event, .. } if self.bars.is_none() && !event.status.ends_with("_FAILED") => {}
            Event::Finished { stack, status, outcome } => {
                if let Some(bars) = &self.bars {
                    bars.finish(stack, status);
                }
                let what = match *status {
                    "CREATE_COMPLETE" => "created".to_owned(),
                    "UPDATE_COMPLETE" => "updated".to_owned(),
                    other => format!("{other} ({outcome})"),
                };
                let started = self.started.lock().unwrap_or_else(|p| p.into_inner()).remove(*stack);
                let (secs, resources) = started.map_or((0.0, 0), |(t, n)| (t.elapsed().as_secs_f64(), n));
                self.line(&format!("{stack}: {what} ({resources} resources, {secs:.1} s)"));
            }
            _ => return false,
        }
        true
    }
}

impl Reporter for Terminal<'_> {
    fn report(&self, event: Event<'_>) {
        if self.compact && self.report_compact(&event) {
            return;
        }
        match event {
            Event::Waiting { stack, status } => {
                self.line(&format!("{stack}: {status}: another operation is running; waiting for it to finish"))
            }
            Event::Rival { stack, change_sets } => self.line(&format!(
                "{stack}: another deploy is running ({change_sets}); waiting for it to finish (--no-wait fails instead)"
            )),
            Event::CleaningUp { stack, status } => {
                self.line(&format!("{stack}: deleting the stack left in {status} before creating it again"))
            }
            Event::NoChanges { stack } => self.line(&format!("{stack}: no changes")),
            Event::AssetUploaded { stack, key } => self.line(&format!("{stack}: uploaded {key}")),
            Event::Plan { diff, .. } => self.line(render_text(std::slice::from_ref(diff), &self.style).trim_end()),
            Event::Executing { stack, change_set, resources } => {
                self.line(&format!("{stack}: executing change set {change_set} ({resources} resources)"));
                if let Some(bars) = &self.bars {
                    bars.start(stack, resources);
                }
            }
            Event::Resource { stack, event } => match &self.bars {
                // Failures are worth a line of their own; the bar counts the rest.
                Some(bars) => {
                    bars.resource(stack, &event.logical_id, &event.status);
                    if event.status.ends_with("_FAILED") {
                        let reason = event.reason.as_deref().unwrap_or("no reason given");
                        self.line(&format!(
                            "{stack}: {} {} {}: {reason}",
                            event.status, event.resource_type, event.logical_id
                        ));
                    }
                }
                None => {
                    let reason = event.reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default();
                    self.line(&format!(
                        "{stack} | {} | {} | {} | {}{reason}",
                        event.timestamp, event.status, event.resource_type, event.logical_id
                    ))
                }
            },
            Event::Finished { stack, status, outcome } => {
                if let Some(bars) = &self.bars {
                    bars.finish(stack, status);
                }
                self.line(&format!("{stack}: {status} ({outcome})"))
            }
            Event::Cancelling { stack } => self.line(&format!(
                "{stack}: interrupted: cancelling the update (CancelUpdateStack) and waiting for the rollback; press \
                 Ctrl-C again to stop watching"
            )),
            Event::CannotCancel { stack } => self.line(&format!(
                "{stack}: interrupted: a create cannot be cancelled; following it to its end (CloudFormation rolls it \
                 back if it fails); press Ctrl-C again to stop watching"
            )),
            Event::Detached { stack } => self.line(&format!(
                "{stack}: no longer watching; CloudFormation carries on. Follow it with `sdlf status` or `aws \
                 cloudformation describe-stack-events --stack-name {stack}`"
            )),
        }
    }

    fn confirm(&self, question: &str) -> bool {
        if let Some(bars) = &self.bars {
            return bars.multi.suspend(|| self.console.ask(question, self.to_stderr));
        }
        self.console.ask(question, self.to_stderr)
    }
}

/// The environment to deploy: the one named, else `dev` when a person at a terminal will see
/// it in the plans and confirm; without a terminal a deploy never picks one itself.
fn environment_named(args: &DeployArgs, console: &Console) -> Result<String, CliError> {
    match &args.env {
        Some(env) => Ok(env.clone()),
        None if console.interactive => Ok("dev".to_owned()),
        None => Err(CliError::Usage(
            "deploy without a terminal needs --env: name the environment to deploy (dev, test, prod or local)".into(),
        )),
    }
}

pub fn run(args: &DeployArgs, console: &Console) -> Result<ExitCode, CliError> {
    let env_name = environment_named(args, console)?;
    let (lake, output) = session::synthesize(&env_name)?;
    let env = session::environment(&lake, &output);
    let direction = if args.exclusively { Direction::Exclusively } else { Direction::Dependencies };
    let selected = select(&sdlf_deploy::select::nodes(&output), &env_name, &args.stacks, direction)?;
    debug_assert_eq!(output.assets_bucket, sdlf_lake::Names::new(&lake, env).bucket(Layer::Artifacts));
    let protect = sdlf_lake::protection::protected_stacks(&lake, env);
    deploy_output(env, &output, &selected, protect, args, console)
}

/// Deploys `selected` of a synthesized `output` of environment `env` — the lake's stacks, or
/// the CI/CD's (`cargo run -p bootstrap`) — with the terminal, Ctrl-C and summary of `sdlf
/// deploy`; `protect` are the stacks that get termination protection.
pub fn deploy_output(
    env: &sdlf_lake::Environment,
    output: &sdlf_lake::output::EnvironmentOutput,
    selected: &[String],
    protect: BTreeSet<String>,
    args: &DeployArgs,
    console: &Console,
) -> Result<ExitCode, CliError> {
    let assets = sdlf_package::RepoAssets::new(crate::project_root()?);
    let interrupts = Arc::new(Interrupts::default());
    let code = crate::runtime()?.block_on(async {
        crate::watch_interrupts(interrupts.clone(), None)?;
        let conn = connect(env, &args.aws).await?;
        let calls = || conn.calls.get();
        let cloud = Cloud { stacks: &conn.cloudformation, objects: &conn.s3, queues: &conn.sqs, calls: &calls };
        let run_id = sdlf_deploy::naming::new_run_id();
        let request = DeployRequest { env, output, selected, protect, region: &conn.region, run_id };
        deploy_with(&cloud, &assets, &request, args, console, &interrupts).await
    })?;
    Ok(ExitCode::from(code))
}

/// What a deploy is asked to do.
pub struct DeployRequest<'a> {
    pub env: &'a sdlf_lake::Environment,
    pub output: &'a sdlf_lake::output::EnvironmentOutput,
    /// Stack names, in deploy order.
    pub selected: &'a [String],
    /// The stacks that get termination protection.
    pub protect: BTreeSet<String>,
    /// The region the connection is in (it is in the change sets' template URLs).
    pub region: &'a str,
    /// This run's id, in its change sets' names (see `sdlf_deploy::naming::new_run_id`).
    pub run_id: String,
}

/// The deploy after connecting: what is deployed, the engine's run with its progress on
/// `console`, and the closing summary (or the `--json` result). Returns the exit code.
pub async fn deploy_with<S: Stacks, O: Objects, Q: Queues, A: AssetBytes>(
    cloud: &Cloud<'_, S, O, Q>,
    assets: &A,
    request: &DeployRequest<'_>,
    args: &DeployArgs,
    console: &Console,
    interrupts: &Interrupts,
) -> Result<u8, CliError> {
    let json = args.json;
    let terminal = Terminal {
        console,
        style: console.style(),
        // On the stream that is the terminal, so the lines printed above the bars (plans,
        // failures) reach the user whatever stderr is redirected to.
        bars: (console.terminal && !json).then(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            stacks: Mutex::new(BTreeMap::new()),
        }),
        compact: match crate::verbosity() {
            crate::Verbosity::Quiet => true,
            crate::Verbosity::Normal => args.compact,
            crate::Verbosity::Verbose => false,
        },
        asks: console.interactive && !args.yes,
        to_stderr: json,
        started: Mutex::new(BTreeMap::new()),
    };
    let deployed = session::deployed(cloud.stacks, request.output).await?;
    let deployer = Deployer {
        stacks: cloud.stacks,
        objects: cloud.objects,
        queues: cloud.queues,
        assets,
        reporter: &terminal,
        interrupts,
        options: DeployOptions {
            concurrency: args.concurrency,
            yes: args.yes,
            interactive: console.interactive,
            allow_replace: args.allow_replace.clone(),
            no_wait: args.no_wait,
            protect: request.protect.clone(),
            region: request.region.to_owned(),
            role_arn: args.role_arn.clone(),
            run_id: request.run_id.clone(),
            parameters: crate::aws_target::stack_parameters(request.env, &args.aws),
        },
    };
    let results = deployer.deploy(request.output, request.selected, &deployed).await;
    let interrupted = interrupts.count() > 0;
    let code = exit_code(results.iter().map(|(_, r)| r), interrupted);
    if json {
        // The stacks as they are now: read again only if some stack may have moved.
        let moved = results.iter().any(|(_, r)| {
            !matches!(
                r,
                StackResult::NoChanges
                    | StackResult::Refused(_)
                    | StackResult::NotConfirmed { .. }
                    | StackResult::Blocked { .. }
            )
        });
        let now = if moved {
            std::borrow::Cow::Owned(session::deployed(cloud.stacks, request.output).await?)
        } else {
            std::borrow::Cow::Borrowed(&deployed)
        };
        console.print(&crate::to_json_text(&results_json(&request.env.name, &results, &now, code)));
    } else {
        summary(console, &request.env.name, &results, (cloud.calls)(), interrupted);
    }
    Ok(code)
}

/// `deploy --json`: per stack what was done and why, with the stack's outputs as deployed now.
fn results_json(
    env: &str,
    results: &[(String, StackResult)],
    deployed: &BTreeMap<String, sdlf_deploy::api::DeployedStack>,
    code: u8,
) -> serde_json::Value {
    let stacks: Vec<serde_json::Value> = results
        .iter()
        .map(|(name, result)| {
            let (outcome, detail) = outcome(result);
            let now = deployed.get(name);
            serde_json::json!({
                "name": name,
                "result": outcome,
                "detail": detail,
                "status": now.map(|d| d.status.as_str()),
                "outputs": now.map(|d| &d.outputs),
            })
        })
        .collect();
    serde_json::json!({ "environment": env, "exitCode": code, "stacks": stacks })
}

/// A stack's result as a word for programs, and what else it says (reasons, advice, state).
fn outcome(result: &StackResult) -> (&'static str, Option<String>) {
    match result {
        StackResult::Deployed => ("deployed", None),
        StackResult::NoChanges => ("unchanged", None),
        StackResult::Failed { status, reasons, advice } => {
            let mut text = session::failure_lines(status, reasons);
            text.extend(advice.iter().map(|a| format!("next: {a}")));
            ("failed", Some(text.join("\n")))
        }
        StackResult::Refused(refused) => ("refused", Some(refused.to_string())),
        StackResult::NotConfirmed { why } => ("not-confirmed", Some(why.clone())),
        StackResult::Blocked { dependency } => ("blocked", Some(format!("{dependency} did not deploy"))),
        StackResult::Detached => ("detached", None),
        StackResult::Interrupted { state } => ("interrupted", Some(state.clone())),
        StackResult::Error(e) => ("error", Some(e.clone())),
    }
}

/// The exit code of stacks that ended differently: the most severe wins, which the codes'
/// order already is — interrupted (130) over failed (4) over refused (3) over not confirmed (2).
/// A run the user interrupted exits 130 whatever its stacks did.
fn exit_code<'r>(results: impl IntoIterator<Item = &'r StackResult>, interrupted: bool) -> u8 {
    if interrupted {
        return exit::INTERRUPTED;
    }
    results
        .into_iter()
        .map(|r| match r {
            StackResult::Deployed | StackResult::NoChanges | StackResult::Blocked { .. } => exit::OK,
            StackResult::NotConfirmed { .. } => exit::USAGE,
            StackResult::Refused(_) => exit::INVALID,
            StackResult::Failed { .. } | StackResult::Error(_) => exit::FAILED,
            StackResult::Detached | StackResult::Interrupted { .. } => exit::INTERRUPTED,
        })
        .max()
        .unwrap_or(exit::OK)
}

/// Prints the closing summary.
fn summary(console: &Console, env: &str, results: &[(String, StackResult)], calls: u64, interrupted: bool) {
    let code = exit_code(results.iter().map(|(_, r)| r), interrupted);
    let (mut deployed, mut unchanged) = (0, 0);
    let mut problems = Vec::new();
    for (stack, r) in results {
        match r {
            StackResult::Deployed => deployed += 1,
            StackResult::NoChanges => unchanged += 1,
            StackResult::Failed { status, reasons, advice } => {
                let mut text = format!("{stack}: {status}");
                for reason in reasons {
                    text.push_str(&format!("\n    {reason}"));
                }
                if let Some(a) = advice {
                    text.push_str(&format!("\n  next: {a}"));
                }
                problems.push(text);
            }
            StackResult::Refused(refused) => {
                problems.push(refused.to_string());
            }
            StackResult::NotConfirmed { why } => {
                problems.push(format!("{stack}: not deployed: {why}"));
            }
            StackResult::Blocked { dependency } => {
                problems.push(format!("{stack}: not attempted: it depends on {dependency}, which did not deploy"))
            }
            StackResult::Detached => {
                problems.push(format!("{stack}: still in progress (detached)"));
            }
            StackResult::Interrupted { state } => {
                problems.push(format!("{stack}: interrupted: {state}"));
            }
            StackResult::Error(e) => {
                problems.push(format!("{stack}: {e}"));
            }
        }
    }
    if interrupted {
        console.error("\nInterrupted (Ctrl-C). Each stack as it was left:");
    }
    if problems.is_empty() {
        console.line(&format!("\n{deployed} deployed, {unchanged} unchanged ({calls} AWS calls)"));
    } else {
        console.error(&format!("\n{deployed} deployed, {unchanged} unchanged, {} not deployed:", problems.len()));
        for p in &problems {
            console.error(&format!("  {p}"));
        }
        if code == exit::FAILED {
            console.error(&format!("Fix the cause, then run `sdlf deploy --env {env}` again."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> StackResult {
        StackResult::Failed { status: "UPDATE_ROLLBACK_COMPLETE".into(), reasons: vec![], advice: None }
    }

    #[test]
    fn the_most_severe_outcome_decides_the_exit_code_whatever_the_order() {
        let detached = StackResult::Detached;
        let not_confirmed = StackResult::NotConfirmed { why: "no --yes".into() };
        assert_eq!(exit_code([&StackResult::Deployed, &StackResult::NoChanges], false), exit::OK);
        assert_eq!(exit_code([&detached, &failed()], false), exit::INTERRUPTED, "a later failure keeps the detach");
        assert_eq!(exit_code([&failed(), &detached], false), exit::INTERRUPTED);
        assert_eq!(
            exit_code([&not_confirmed, &failed(), &StackResult::Blocked { dependency: "a".into() }], false),
            exit::FAILED
        );
        assert_eq!(exit_code([&StackResult::Error("x".into()), &not_confirmed], false), exit::FAILED);
        assert_eq!(exit_code([&not_confirmed, &StackResult::Deployed], false), exit::USAGE);
        let interrupted = StackResult::Interrupted { state: "not started; left as it was".into() };
        assert_eq!(exit_code([&failed(), &interrupted], false), exit::INTERRUPTED);
        // Interrupted while a create ran to its end: every stack succeeded, the run was still cut short.
        assert_eq!(exit_code([&StackResult::Deployed], true), exit::INTERRUPTED);
    }
}
