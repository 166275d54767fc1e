//! The `sdlf` command line: a thin shell over the library crates.
//!
//! Argument parsing (clap) and the mapping of outcomes to exit codes live here; templates,
//! synthesis and validation live in `sdlf-cfn` and `sdlf-cfn-types`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit codes, one convention for every command (also in the README).
pub mod exit {
    /// Success, including "no changes".
    pub const OK: u8 = 0;
    /// `diff --fail` found differences.
    pub const CHANGES: u8 = 1;
    /// The command line was wrong, or the command is not available yet.
    pub const USAGE: u8 = 2;
    /// The lake definition or a template was refused (validation, synthesis).
    pub const INVALID: u8 = 3;
    /// An AWS operation failed (API error, failed or rolled-back deployment).
    pub const FAILED: u8 = 4;
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
                  2 usage error or command not available yet, 3 definition or template refused, \
                  4 AWS operation failed, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write each stack's CloudFormation template and a manifest.
    Synth(EnvArgs),
    /// Compare synthesized stacks with the deployed ones.
    Diff(EnvArgs),
    /// Deploy stacks through change sets.
    Deploy(EnvArgs),
    /// Delete stacks in reverse dependency order.
    Destroy(EnvArgs),
    /// Show each stack's state and outputs.
    Status(EnvArgs),
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Environment of the lake definition (dev, test, prod or local).
    #[arg(long, short, default_value = "dev")]
    pub env: String,
    /// Stacks to act on (default: all).
    pub stacks: Vec<String>,
}

/// Why a command did not succeed; each maps to one exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("`sdlf {command}` is not implemented yet ({what}); nothing was done")]
    NotImplemented { command: &'static str, what: &'static str },
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::NotImplemented { .. } => exit::USAGE,
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let (command, what) = match cli.command {
        Command::Synth(_) => ("synth", "it arrives with the lake's stacks"),
        Command::Diff(_) => ("diff", "it arrives with the deploy engine"),
        Command::Deploy(_) => ("deploy", "it arrives with the deploy engine"),
        Command::Destroy(_) => ("destroy", "it arrives with the deploy engine"),
        Command::Status(_) => ("status", "it arrives with the deploy engine"),
    };
    Err(CliError::NotImplemented { command, what })
}
