//! The union is whole: every crate the command line's build and the functions' host builds
//! share has the same features in all three (else `sdlf local` compiles it, and everything
//! above it, a second time). Read from `cargo tree`, which resolves features as a build does.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// A package's crates (normal and build dependencies) and the features each is built with.
fn features(package: &str, host_feature: bool) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args(["tree", "--manifest-path", manifest, "-p", package, "-e", "normal,build", "--prefix", "none"]);
    cmd.args(["--format", "{p}|{f}"]);
    if host_feature {
        cmd.args(["--features", &format!("{package}/host")]);
    }
    let out = cmd.output().expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|line| {
            let (package, features) = line.split_once('|')?;
            // `name vX.Y.Z (path) (*)`: the name and version name the compiled crate.
            let id: Vec<&str> = package.split_whitespace().take(2).collect();
            // A crate shown before ends in ` (*)`; one without features has only that.
            let features = features.split_whitespace().next().filter(|f| !f.starts_with('(')).unwrap_or_default();
            Some((id.join(" "), features.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect()))
        })
        .collect()
}

#[test]
fn the_cli_and_the_functions_host_builds_share_every_common_crate_compiled_alike() {
    let graphs = [
        ("sdlf", features("sdlf", false)),
        ("sdlf-lambda", features("sdlf-lambda", true)),
        ("sdlf-heavy-lambda", features("sdlf-heavy-lambda", true)),
    ];
    let mut differing = Vec::new();
    let crates: BTreeSet<&String> = graphs.iter().flat_map(|(_, g)| g.keys()).collect();
    for id in crates {
        let sets: Vec<(&str, &BTreeSet<String>)> = graphs.iter().filter_map(|(n, g)| Some((*n, g.get(id)?))).collect();
        if sets.windows(2).any(|w| w[0].1 != w[1].1) {
            let union: BTreeSet<&String> = sets.iter().flat_map(|(_, s)| s.iter()).collect();
            differing.push(format!("{id}: {union:?} (by package: {sets:?})"));
        }
    }
    assert!(
        differing.is_empty(),
        "add these crates with the union of their features to infra/unify/Cargo.toml:\n{}",
        differing.join("\n")
    );
    // The functions' release builds for AWS are not made to carry the CLI's dependencies.
    assert!(!features("sdlf-lambda", false).contains_key("sdlf-unify v0.1.0"));
}
