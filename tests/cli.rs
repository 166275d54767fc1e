//! The command line as a user meets it: help text, unavailable commands, exit codes.

use std::process::{Command, Output};

fn sdlf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdlf")).args(args).output().expect("the sdlf binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let out = sdlf(&["--help"]);
    assert!(out.status.success());
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn commands_not_built_yet_say_so_and_exit_2() {
    for command in ["synth", "diff", "deploy", "destroy", "status"] {
        let out = sdlf(&[command, "--env", "local"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("error: `sdlf {command}` is not implemented yet"))
                && stderr.contains("nothing was done"),
            "{command}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{command} printed to stdout");
    }
}

#[test]
fn a_wrong_flag_is_a_usage_error() {
    let out = sdlf(&["deploy", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(sdlf::exit::USAGE.into()));
    assert!(text(&out.stderr).contains("--no-such-flag"));
}
