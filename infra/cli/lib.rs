//! The `sdlf` command line: a thin shell over the library crates.
//!
//! Argument parsing (clap), file output and the mapping of outcomes to exit codes live here;
//! the lake's stacks, synthesis and validation live in `sdlf-lake` and `sdlf-cfn`.

pub mod aws_target;
pub mod console;
pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod local;
pub mod redrive;
pub mod review;
pub mod session;
pub mod synth;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sdlf_lake::names::DefinitionError;
use sdlf_lake::stacks::SynthError;
use sdlf_local::LocalError;

/// Exit codes, one convention for every command (also in the README).
pub mod exit {
    /// Success, including "no changes".
    pub const OK: u8 = 0;
    /// The check asked for found what it fails on: `diff --fail` differences; `review
    /// --results` a failed check (tests, no plan, a refused deploy), after posting it.
    pub const CHANGES: u8 = 1;
    /// The command line was wrong, or the command is not available yet.
    pub const USAGE: u8 = 2;
    /// The lake definition or a template was refused (validation, synthesis).
    pub const INVALID: u8 = 3;
    /// An AWS operation failed (API error, failed or rolled-back deployment), or posting the
    /// plan comment on the pull request did.
    pub const FAILED: u8 = 4;
    /// Reading or writing local files failed.
    pub const IO: u8 = 5;
    /// Interrupted (Ctrl-C).
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, Parser)]
#[command(
    name = "sdlf",
    version,
    about = "The Serverless Data Lake Framework as a typed infrastructure program",
    long_about = "Defines the data lake's CloudFormation stacks in Rust, synthesizes them, \
                  compares them with what is deployed and deploys them through change sets.\n\n\
                  Exit codes: 0 success (including no changes), 1 differences found (diff --fail), \
                  2 usage error (flags, stack or environment names, --yes needed, wrong account or region), \
                  3 refused (invalid definition or template, or data loss without --allow-replace), \
                  4 AWS operation (or posting the plan comment) failed, 5 local file error, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub globals: Globals,
    /// No colour in the output (as NO_COLOR does); CLICOLOR_FORCE forces it where there is
    /// no terminal.
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
    /// More output: -v every plan and stack event (also under `sdlf local`) and the command's
    /// own logs, -vv the AWS SDK's too (RUST_LOG, when set, decides the logs instead).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output: results, prompts and errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// The flags every command takes, before or after its name (`sdlf --env prod diff` and `sdlf
/// diff --env prod` alike).
#[derive(Debug, Args, Clone, Default)]
pub struct Globals {
    /// Environment of the lake definition (dev, test, prod or local). `diff` takes several;
    /// `deploy` takes dev when not given only on a terminal; `destroy` always needs it; the
    /// others default to dev.
    #[arg(long = "env", short = 'e', global = true, value_name = "ENV")]
    pub envs: Vec<String>,
    #[arg(long, global = true, value_name = "PROFILE", help = aws_target::PROFILE_HELP)]
    pub profile: Option<String>,
    #[arg(long, global = true, value_name = "REGION", help = aws_target::REGION_HELP)]
    pub region: Option<String>,
    #[arg(long, global = true, value_name = "URL", help = aws_target::ENDPOINT_URL_HELP)]
    pub endpoint_url: Option<String>,
}

impl Globals {
    pub fn aws(&self) -> aws_target::AwsArgs {
        aws_target::AwsArgs {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    /// The one `--env` of a command that takes one, if given.
    fn env(&self, command: &str) -> Result<Option<String>, CliError> {
        match self.envs.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            _ => Err(CliError::Usage(format!("{command} takes one --env, not {}", self.envs.join(", ")))),
        }
    }

    /// The one `--env` of a command, else dev.
    fn env_or_dev(&self, command: &str) -> Result<String, CliError> {
        Ok(self.env(command)?.unwrap_or_else(|| "dev".to_owned()))
    }
}

/// How much a command says (`-q`, default, `-v`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static VERBOSITY: std::sync::OnceLock<Verbosity> = std::sync::OnceLock::new();

/// The verbosity the command line asked for.
pub fn verbosity() -> Verbosity {
    VERBOSITY.get().copied().unwrap_or(Verbosity::Normal)
}

/// Logs to stderr: `RUST_LOG` when set, else warnings, `-v` this tool's info, `-vv` debug
/// from everything (the AWS SDK's requests included).
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "warn,sdlf=info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(true).try_init();
}

/// `--no-color`, set once from the command line.
static NO_COLOR_FLAG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether output going to a stream that is (or is not) a terminal is coloured: never with
/// `--no-color` or `NO_COLOR` (no-color.org), always with `CLICOLOR_FORCE` (other than `0`),
/// else only on a terminal.
pub fn colour(terminal: bool) -> bool {
    let flag = NO_COLOR_FLAG.get().copied().unwrap_or(false);
    colour_choice(terminal, flag, std::env::var_os("NO_COLOR"), std::env::var_os("CLICOLOR_FORCE"))
}

fn colour_choice(
    terminal: bool,
    flag: bool,
    no_color: Option<std::ffi::OsString>,
    force: Option<std::ffi::OsString>,
) -> bool {
    if flag || no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    force.is_some_and(|v| !v.is_empty() && v != "0") || terminal
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write each stack's CloudFormation template and a manifest.
    Synth(SynthArgs),
    /// Compare synthesized stacks with the deployed ones.
    Diff(diff::DiffArgs),
    /// Deploy stacks through change sets.
    Deploy(deploy::DeployArgs),
    /// Delete stacks in reverse dependency order.
    Destroy(destroy::DestroyArgs),
    /// Show each stack's state and outputs.
    Status(destroy::StatusArgs),
    /// Take a pipeline stage's dead letters back into the pipeline.
    Redrive(redrive::RedriveArgs),
    /// Run the whole lake here: local emulator, deploy, sample data through both stages, report
    Local(local::LocalArgs),
    /// Post the plan on a pull request as its one plan comment, updated in place on later runs.
    Review(review::ReviewArgs),
    /// List an environment's stacks in deploy order, with the stacks each depends on.
    List(synth::ListArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell, e.g. `sdlf completions bash > ~/.local/share/bash-completion/completions/sdlf`.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// The global `--env` (default: every environment of the lake).
    #[arg(skip)]
    pub env: Option<String>,
    /// Output directory; each environment gets a subdirectory.
    #[arg(long, short, default_value = "sdlf.out")]
    pub out: PathBuf,
    /// Print the manifests as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Why a command did not succeed; each maps to one exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Synth(SynthError),
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{0}")]
    Select(#[from] sdlf_deploy::select::SelectError),
    #[error("{0}")]
    Api(#[from] sdlf_deploy::api::ApiError),
    #[error("{0}")]
    Engine(#[from] sdlf_deploy::engine::EngineError),
    #[error(
        "cannot reach AWS for environment `{env}`{}: {error}{}",
        .endpoint.as_ref().map(|e| format!(" at {e}")).unwrap_or_default(),
        if .endpoint.is_some() { "\nIs the local emulator running? Start it with `tests/support/ministack.sh start`" } else { "\nCheck your credentials (--profile, AWS_PROFILE) and network" }
    )]
    Connect { env: String, endpoint: Option<String>, error: sdlf_deploy::api::ApiError },
    #[error(
        "environment `{env}` is account {expected}, but the credentials are for account {actual}; nothing was \
         done. Use the profile of account {expected} (--profile or AWS_PROFILE)"
    )]
    WrongAccount { env: String, expected: String, actual: String },
    #[error(
        "environment `{env}` is in region {expected}, but the client is set to {actual}; nothing was done. Drop \
         --region/AWS_REGION or set it to {expected}"
    )]
    WrongRegion { env: String, expected: String, actual: String },
    #[error("{what} needs confirmation: run it on a terminal, or pass --yes")]
    NeedsYes { what: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    NoProject(#[from] sdlf_package::NoProject),
    #[error("{0}")]
    Local(#[from] sdlf_local::LocalError),
    #[error("{0}")]
    Review(#[from] sdlf_cicd::review::CommentError),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: not a CloudFormation template sdlf reads: {problem}")]
    Template { path: PathBuf, problem: String },
}

impl CliError {
    pub fn io(path: &Path, error: std::io::Error) -> CliError {
        CliError::Io { path: path.to_owned(), error }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            // Naming an environment the lake does not define is a wrong argument, like an
            // unknown stack name.
            CliError::Synth(SynthError::Definition(errors))
                if errors.iter().all(|e| matches!(e, DefinitionError::UnknownEnvironment(_))) =>
            {
                exit::USAGE
            }
            CliError::Synth(_) | CliError::Template { .. } => exit::INVALID,
            CliError::Io { .. } => exit::IO,
            CliError::Select(_)
            | CliError::WrongAccount { .. }
            | CliError::WrongRegion { .. }
            | CliError::NeedsYes { .. }
            | CliError::NoProject(_)
            | CliError::Usage(_) => exit::USAGE,
            CliError::Api(_) | CliError::Engine(_) | CliError::Connect { .. } => exit::FAILED,
            CliError::Runtime(_) | CliError::Review(_) => exit::FAILED,
            CliError::Local(error) => match error {
                LocalError::Io { .. } => exit::IO,
                LocalError::NoSamples { .. } => exit::USAGE,
                LocalError::Api(_) | LocalError::Emulator { .. } | LocalError::Reply { .. } => exit::FAILED,
            },
        }
    }
}

/// The project the command runs in (found from the working directory): asset paths, the
/// functions' sources and the tools' scripts are relative to it.
pub fn project_root() -> Result<PathBuf, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::io(Path::new("."), e))?;
    Ok(sdlf_package::find_project_root(&cwd)?)
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let _ = NO_COLOR_FLAG.set(cli.no_color);
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, _) => Verbosity::Verbose,
    };
    let _ = VERBOSITY.set(verbosity);
    init_logging(cli.verbose);
    let console = console::Console::process();
    let g = &cli.globals;
    match cli.command {
        Command::Synth(mut args) => {
            args.env = g.env("synth")?;
            run_synth(&args, &console)
        }
        Command::Diff(mut args) => {
            args.envs = if g.envs.is_empty() { vec!["dev".to_owned()] } else { g.envs.clone() };
            args.aws = g.aws();
            diff::run(&args, &console)
        }
        Command::Deploy(mut args) => {
            (args.env, args.aws) = (g.env("deploy")?, g.aws());
            deploy::run(&args, &console)
        }
        Command::Destroy(mut args) => {
            let Some(env) = g.env("destroy")? else {
                return Err(CliError::Usage(
                    "destroy needs --env: name the environment whose stacks are deleted (it never picks one itself)"
                        .into(),
                ));
            };
            (args.env, args.aws) = (env, g.aws());
            destroy::run_destroy(&args, &console)
        }
        Command::Status(mut args) => {
            (args.env, args.aws) = (g.env_or_dev("status")?, g.aws());
            destroy::run_status(&args, &console)
        }
        Command::Redrive(mut args) => {
            (args.env, args.aws) = (g.env_or_dev("redrive")?, g.aws());
            redrive::run(&args)
        }
        Command::Local(args) => {
            if g.env("local")?.is_some_and(|e| e != "local") {
                return Err(CliError::Usage("sdlf local runs the `local` environment; --env names no other".into()));
            }
            local::run(&args, &g.aws(), &console)
        }
        Command::Review(mut args) => {
            (args.env, args.aws) = (g.env_or_dev("review")?, g.aws());
            review::run(&args)
        }
        Command::List(mut args) => {
            args.env = g.env_or_dev("list")?;
            synth::run_list(&args, &console)
        }
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "sdlf", &mut std::io::stdout());
            Ok(ExitCode::from(exit::OK))
        }
    }
}

/// A JSON document as the commands print it: indented, with a final newline.
pub fn to_json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON values serialize") + "\n"
}

fn run_synth(args: &SynthArgs, console: &console::Console) -> Result<ExitCode, CliError> {
    let lake = sdlf_pipelines::lake();
    let fingerprints = sdlf_package::RepoFingerprints::new(project_root()?);
    let outputs = synth::synthesize(&lake, args.env.as_deref(), &fingerprints)?;
    synth::write(&lake, &args.out, &outputs)?;
    if args.json {
        let manifests: Vec<serde_json::Value> = outputs.iter().map(|o| o.manifest(&lake)).collect();
        console.print(&to_json_text(&serde_json::Value::Array(manifests)));
    } else {
        console.print(&synth::render(&lake, &args.out, &outputs));
    }
    Ok(ExitCode::from(exit::OK))
}

/// The async runtime of the AWS commands.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)
}

/// Counts Ctrl-C presses into `interrupts` from now on (the handler is in place when this
/// returns, so a press during the first AWS call is counted, not fatal); `first` is said on
/// the first press. Must run inside the runtime.
pub fn watch_interrupts(
    interrupts: std::sync::Arc<sdlf_deploy::engine::deploy::Interrupts>,
    first: Option<&'static str>,
) -> Result<(), CliError> {
    let press = move || {
        interrupts.press();
        if let (1, Some(text)) = (interrupts.count(), first) {
            eprintln!("{text}");
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigint = signal(SignalKind::interrupt()).map_err(CliError::Runtime)?;
        tokio::spawn(async move {
            while sigint.recv().await.is_some() {
                press();
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            press();
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::colour_choice;

    #[test]
    fn colour_only_on_a_terminal_never_with_no_color_always_with_clicolor_force() {
        let some = |v: &str| Some(std::ffi::OsString::from(v));
        assert!(colour_choice(true, false, None, None));
        assert!(!colour_choice(false, false, None, None));
        assert!(!colour_choice(true, true, None, None), "--no-color");
        assert!(!colour_choice(true, false, some("1"), None), "NO_COLOR");
        assert!(colour_choice(true, false, some(""), None), "an empty NO_COLOR is unset");
        assert!(colour_choice(false, false, None, some("1")), "CLICOLOR_FORCE");
        assert!(!colour_choice(false, false, None, some("0")));
        assert!(!colour_choice(false, false, some("1"), some("1")), "NO_COLOR wins");
    }
}
