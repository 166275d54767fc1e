//! `cargo run -p bootstrap`: the CI/CD set-up. Not built yet; it says so instead of pretending.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "error: bootstrap (CodeCommit, CodeBuild and CodePipeline for the lake) is not implemented yet.\n\
         Until it is, deploy from a workstation with `cargo run -- deploy`."
    );
    // Exit code 2: the command cannot be used as asked (see README, "Exit codes").
    ExitCode::from(2)
}
