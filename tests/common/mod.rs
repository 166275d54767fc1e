//! What the command line's emulator tests share: running `sdlf` against a test's emulator.
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};

use sdlf_testkit::Emulator;

mod terminal;
pub use terminal::OnTerminal;

/// `sdlf ARGS` with the emulator as the endpoint and no AWS profile or region of the caller's.
pub fn sdlf(emulator: &Emulator, args: &[&str]) -> Output {
    command(emulator, args).output().expect("the sdlf binary runs")
}

/// As [`sdlf`], with `vars` set in its environment too.
pub fn sdlf_with(emulator: &Emulator, args: &[&str], vars: &[(&str, &str)]) -> Output {
    command(emulator, args).envs(vars.iter().copied()).output().expect("the sdlf binary runs")
}

/// `sdlf ARGS` as a person at a terminal runs it, with standard error redirected to a file:
/// standard input and output on a pseudo-terminal 100 columns wide, each `[y/N]` question
/// answered with the line `answer`.
pub fn sdlf_on_terminal(emulator: &Emulator, args: &[&str], answer: &str) -> OnTerminal {
    terminal::run(command(emulator, args), answer)
}

fn command(emulator: &Emulator, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sdlf"));
    cmd.args(args).env("AWS_ENDPOINT_URL", &emulator.url).env_remove("AWS_PROFILE").env_remove("AWS_REGION");
    cmd
}

/// `sdlf ARGS`, interrupted (SIGINT, as Ctrl-C sends) as soon as a line of its standard output
/// contains `marker`; its whole output. Panics if it ends without printing the marker.
pub fn sdlf_interrupted(emulator: &Emulator, args: &[&str], marker: &str) -> Output {
    sdlf_until(emulator, args, marker, |pid| {
        let sent = Command::new("kill").args(["-INT", &pid.to_string()]).status().expect("kill runs");
        assert!(sent.success(), "SIGINT sent");
    })
}

/// `sdlf ARGS`, with `then` done (given its process id) as soon as a line of its standard
/// output contains `marker`; its whole output. Panics if it ends without printing the marker.
pub fn sdlf_until(emulator: &Emulator, args: &[&str], marker: &str, then: impl FnOnce(u32)) -> Output {
    let mut child =
        command(emulator, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the sdlf binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).expect("stdout reads");
        assert!(n > 0, "sdlf ended without printing {marker:?}:\n{seen}");
        seen.push_str(&line);
        if line.contains(marker) {
            break;
        }
    }
    then(child.id());
    stdout.read_to_string(&mut seen).expect("stdout reads");
    let mut output = child.wait_with_output().expect("sdlf ends");
    output.stdout = seen.into_bytes();
    output
}

/// The closing line's counts of a deploy: (deployed, unchanged).
pub fn deployed_unchanged(o: &Output) -> (usize, usize) {
    let out = text(o);
    let line = out.lines().find(|l| l.contains(" deployed, ")).unwrap_or_else(|| panic!("no summary: {out}"));
    let mut numbers = line.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).map(|n| n.parse().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

/// Standard output and error, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
