//! The union is whole: every crate the command line's build, the functions' host builds and the
//! workspace's test build share has the same features in all four (else `sdlf local`, or a test
//! that runs it, compiles it and everything above it a second time). Read from `cargo tree`,
//! which resolves features as a build does.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Crate (`name vX.Y.Z`) → the feature sets it is compiled with: a crate can be compiled twice
/// in one build, for build scripts and proc-macros (whose features cargo resolves apart) and for
/// the target.
type Graph = BTreeMap<String, BTreeSet<BTreeSet<String>>>;

/// A package's crates (normal and build dependencies) and the features each is built with.
fn features(package: &str, host_feature: bool) -> Graph {
    let mut args = vec!["-p".to_owned(), package.to_owned(), "-e".to_owned(), "normal,build".to_owned()];
    if host_feature {
        args.extend(["--features".to_owned(), format!("{package}/host")]);
    }
    tree(&args, true)
}

/// The registry crates `cargo test --workspace` compiles (dev-dependencies too) and their
/// features. The workspace's own crates are left out: a test build gives them test-only
/// features, and the nested builds compile them anyway (the pipeline's, from another checkout).
fn test_build_features() -> Graph {
    tree(&["--workspace", "-e", "normal,build,dev"].map(str::to_owned), false)
}

/// `cargo tree ARGS`, as crate → features; the workspace's own crates only if `members`.
fn tree(args: &[String], members: bool) -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args(["tree", "--manifest-path", manifest, "--prefix", "none", "--format", "{p}|{f}"]).args(args);
    let out = cmd.output().expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|line| {
            let (package, features) = line.split_once('|')?;
            if !members && package.contains(" (/") {
                return None;
            }
            // `name vX.Y.Z (path) (*)`: the name and version name the compiled crate.
            let id: Vec<&str> = package.split_whitespace().take(2).collect();
            // A crate shown before ends in ` (*)`; one without features has only that.
            let features = features.split_whitespace().next().filter(|f| !f.starts_with('(')).unwrap_or_default();
            Some((id.join(" "), features.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect()))
        })
        .fold(Graph::new(), |mut graph, (id, features)| {
            graph.entry(id).or_default().insert(features);
            graph
        })
}

#[test]
fn the_cli_the_functions_host_builds_and_the_tests_share_every_common_crate_compiled_alike() {
    let graphs = [
        ("sdlf", features("sdlf", false)),
        ("sdlf-lambda", features("sdlf-lambda", true)),
        ("sdlf-heavy-lambda", features("sdlf-heavy-lambda", true)),
        ("cargo test --workspace", test_build_features()),
    ];
    let mut differing = Vec::new();
    // This crate itself has no code: its features (`functions`) cost nothing to differ.
    let crates: BTreeSet<&String> =
        graphs.iter().flat_map(|(_, g)| g.keys()).filter(|id| !id.starts_with("sdlf-unify ")).collect();
    for id in crates {
        let sets: Vec<(&str, &BTreeSet<BTreeSet<String>>)> =
            graphs.iter().filter_map(|(n, g)| Some((*n, g.get(id)?))).collect();
        if sets.windows(2).any(|w| w[0].1 != w[1].1) {
            let union: BTreeSet<&String> = sets.iter().flat_map(|(_, s)| s.iter().flatten()).collect();
            differing.push(format!("{id}: {union:?} (by package: {sets:?})"));
        }
    }
    assert!(
        differing.is_empty(),
        "add these crates with the union of their features to infra/unify/Cargo.toml (as a \
         build-dependency where a build script or proc-macro uses it):\n{}",
        differing.join("\n")
    );
    // The functions' release builds for AWS are not made to carry the CLI's dependencies.
    assert!(!features("sdlf-lambda", false).contains_key("sdlf-unify v0.1.0"));
}
