//! What the command line's emulator tests share: running `sdlf` against a test's emulator.

use std::process::{Command, Output};

use sdlf_testkit::Emulator;

/// `sdlf ARGS` with the emulator as the endpoint and no AWS profile or region of the caller's.
pub fn sdlf(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdlf"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("the sdlf binary runs")
}

/// Standard output and error, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
