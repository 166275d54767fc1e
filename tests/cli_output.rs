//! The whole output of `diff` (against what is deployed), `deploy`, `status` and `destroy`,
//! pinned as uv pins its CLI: each command after connecting (the same functions `sdlf` runs),
//! on the example lake's `dev` stacks, at a terminal's width (120 columns) and a narrow one (72).
//!
//! The fake: `sdlf_deploy::fake::FakeCloud`, CloudFormation in memory. Why a fake: MiniStack
//! stamps real times and ids into stack events and answers concurrent operations in its own
//! order, so its output cannot be pinned byte for byte; `tests/deploy_local.rs` runs the same
//! commands end to end on it. `list` and `diff OLD.json NEW.json` need no AWS at all: they are
//! pinned by running the binary (`tests/cli.rs`), as are `NO_COLOR` and `CLICOLOR_FORCE`.

use sdlf::console::{Captured, Console};
use sdlf::deploy::{DeployArgs, DeployRequest, deploy_with};
use sdlf::destroy::{DestroyArgs, StatusArgs, destroy_with, status_with};
use sdlf::diff::{DiffArgs, Format, MethodArg, diff_with};
use sdlf::session::Cloud;
use sdlf_deploy::engine::deploy::{AssetBytes, Interrupts};
use sdlf_deploy::fake::FakeCloud;
use sdlf_deploy::select::{Direction, nodes, select};
use sdlf_lake::assets::{Asset, StandInFingerprints};
use sdlf_lake::output::EnvironmentOutput;

const WIDE: usize = 120;
const NARROW: usize = 72;
const TEAM: &str = "anycompany-datalake-dev-team-engineering";

/// The example lake's `dev` stacks, with stand-in asset hashes (the functions' sources do
/// not move the snapshots).
fn dev() -> EnvironmentOutput {
    sdlf_lake::output::synth_environment(&sdlf_pipelines::lake(), "dev", &StandInFingerprints).unwrap()
}

/// The stacks `'*-team-engineering'` selects for a deploy: the team's and what it needs.
fn team_and_dependencies(output: &EnvironmentOutput) -> Vec<String> {
    select(&nodes(output), "dev", &["*-team-engineering".to_owned()], Direction::Dependencies).unwrap()
}

struct Bytes;
impl AssetBytes for Bytes {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String> {
        Ok(asset.source.name().as_bytes().to_vec())
    }
}

fn deploy_args(stacks: &[String]) -> DeployArgs {
    DeployArgs {
        env: Some("dev".into()),
        stacks: stacks.to_vec(),
        exclusively: true,
        yes: true,
        // One at a time: the stacks' events in one order.
        concurrency: 1,
        allow_replace: Vec::new(),
        no_wait: false,
        role_arn: None,
        json: false,
        aws: Default::default(),
        compact: false,
    }
}

fn diff_args(stacks: &[String]) -> DiffArgs {
    DiffArgs {
        envs: vec!["dev".into()],
        stacks: stacks.to_vec(),
        method: MethodArg::Auto,
        format: Format::Text,
        json: false,
        out: None,
        max_bytes: None,
        full_out: None,
        env_profiles: Vec::new(),
        full_plan: None,
        fail: true,
        fail_if_refused: false,
        json_out: None,
        summary_out: None,
        aws: Default::default(),
    }
}

/// What a command printed: its exit code, standard output, then standard error.
fn printed(code: u8, captured: &Captured) -> String {
    format!("exit {code}\n--- stdout\n{}--- stderr\n{}", captured.out(), captured.err())
}

async fn deploy(fake: &FakeCloud, output: &EnvironmentOutput, args: &DeployArgs, width: usize) -> String {
    let calls = || fake.calls.lock().unwrap().len() as u64;
    let cloud = Cloud { stacks: fake, objects: fake, queues: fake, calls: &calls };
    let lake = sdlf_pipelines::lake();
    let env = lake.environment("dev").unwrap();
    let request = DeployRequest {
        env,
        output,
        selected: &args.stacks,
        protect: sdlf_lake::protection::protected_stacks(&lake, env),
        region: "us-east-1",
        run_id: "run1".into(),
    };
    let (console, captured) = Console::captured(Some(width), false);
    let code = deploy_with(&cloud, &Bytes, &request, args, &console, &Interrupts::default()).await.unwrap();
    printed(code, &captured)
}

async fn diff(fake: &FakeCloud, output: &EnvironmentOutput, args: &DiffArgs, width: usize, colour: bool) -> String {
    let (console, captured) = Console::captured(Some(width), colour);
    let code = diff_with(fake, fake, output, &Default::default(), args, &console).await.unwrap();
    printed(code, &captured)
}

#[tokio::test(start_paused = true)]
async fn diff_before_the_first_deploy_at_a_wide_and_a_narrow_width() {
    let (fake, output) = (FakeCloud::default(), dev());
    let args = diff_args(&[TEAM.to_owned()]);
    let wide = diff(&fake, &output, &args, WIDE, false).await;
    let narrow = diff(&fake, &output, &args, NARROW, false).await;
    for (text, width) in [(&wide, WIDE), (&narrow, NARROW)] {
        let table = text.lines().filter(|l| l.starts_with(['┌', '│', '├', '└']));
        let widest = table.map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= width, "a table line of {widest} columns at width {width}:\n{text}");
    }
    insta::assert_snapshot!("diff_wide", wide);
    insta::assert_snapshot!("diff_narrow", narrow);
    // With colour (a terminal, or CLICOLOR_FORCE): the same text, painted.
    let coloured = diff(&fake, &output, &args, WIDE, true).await;
    assert!(coloured.contains("\x1b[32m"), "{coloured}");
    assert_eq!(sdlf_diff::strip_escapes(&coloured), wide);
}

#[tokio::test(start_paused = true)]
async fn deploy_then_status_then_a_failed_update_then_destroy() {
    let (fake, output) = (FakeCloud::default(), dev());
    let selected = team_and_dependencies(&output);
    assert_eq!(selected, ["anycompany-datalake-dev-foundations", TEAM]);
    insta::assert_snapshot!("deploy", deploy(&fake, &output, &deploy_args(&selected), WIDE).await);
    insta::assert_snapshot!("deploy_again", deploy(&fake, &output, &deploy_args(&selected), WIDE).await);
    insta::assert_snapshot!("status", status(&fake, &output, false).await);
    insta::assert_snapshot!("status_json", status(&fake, &output, true).await);

    let edited = team_edited(&output);
    fake.failing.lock().unwrap().insert((TEAM.into(), "TeamKey".into()));
    let failed = deploy(&fake, &edited, &deploy_args(&[TEAM.to_owned()]), NARROW).await;
    insta::assert_snapshot!("deploy_failed_narrow", failed);
    fake.failing.lock().unwrap().clear();
    let json = deploy(&fake, &edited, &DeployArgs { json: true, ..deploy_args(&[TEAM.to_owned()]) }, WIDE).await;
    insta::assert_snapshot!("deploy_json", json);

    insta::assert_snapshot!("destroy", destroy(&fake, &output, &[TEAM], false).await);
    // The foundations stack has termination protection: refused, exit 4, and it stays.
    insta::assert_snapshot!("destroy_json", destroy(&fake, &output, &["*-foundations"], true).await);
    let left: Vec<String> = fake.stacks.lock().unwrap().keys().cloned().collect();
    assert_eq!(left, ["anycompany-datalake-dev-foundations"]);
}

fn team_edited(output: &EnvironmentOutput) -> EnvironmentOutput {
    let mut edited = output.clone();
    let team = edited.stacks.iter_mut().find(|s| s.name == TEAM).unwrap();
    team.body = team.body.replace("SDLF team engineering", "SDLF team engineering (edited)");
    assert_ne!(&team.body, &output.stacks.iter().find(|s| s.name == TEAM).unwrap().body, "the edit applies");
    edited
}

async fn status(fake: &FakeCloud, output: &EnvironmentOutput, json: bool) -> String {
    let args = StatusArgs { env: "dev".into(), json, batches: false, aws: Default::default() };
    let (console, captured) = Console::captured(Some(WIDE), false);
    status_with(fake, output, &args, &console).await.unwrap();
    printed(0, &captured)
}

async fn destroy(fake: &FakeCloud, output: &EnvironmentOutput, stacks: &[&str], json: bool) -> String {
    let stacks = stacks.iter().map(|s| (*s).to_owned()).collect();
    let args = DestroyArgs { env: "dev".into(), stacks, yes: true, json, aws: Default::default() };
    let (console, captured) = Console::captured(Some(WIDE), false);
    let code = destroy_with(fake, output, &args, &console, &Interrupts::default()).await.unwrap();
    printed(code, &captured)
}
