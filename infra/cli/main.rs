//! `sdlf`: one error path, one exit-code convention (see `sdlf::exit`).

use std::process::ExitCode;

use clap::Parser;

// Synthesis builds and drops hundreds of thousands of small values; mimalloc does that several
// times faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = sdlf::Cli::parse();
    match sdlf::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
