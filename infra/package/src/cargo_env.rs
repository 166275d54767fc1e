//! What a cargo started by a program that cargo itself started must not inherit.
//!
//! `cargo run` and `cargo test` give the program they start its package's variables
//! (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …). A `cargo build` started from there with them in its
//! environment sees a different value of a variable some build scripts' compilation depends on
//! (ring's: `CARGO_MANIFEST_DIR`), rebuilds that, and so everything above it — the whole AWS
//! SDK — and the next plain `cargo build` rebuilds it all back. Measured: a nested build after
//! `cargo test` recompiled 46 crates for this alone.

use std::ffi::OsStr;
use std::process::Command;

/// Whether cargo sets `name` for the programs it runs (the cargo book's "Environment variables
/// Cargo sets for crates"). `CARGO` itself stays: it names the toolchain to build with.
fn set_by_cargo_for_its_programs(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else { return false };
    const EXACT: [&str; 8] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    EXACT.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}

/// `cmd` without the variables of [`set_by_cargo_for_its_programs`] from this process's
/// environment.
pub fn without_inherited_package_vars(cmd: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if set_by_cargo_for_its_programs(&name) {
            cmd.env_remove(name);
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::set_by_cargo_for_its_programs as set;

    #[test]
    fn the_package_variables_go_and_the_build_settings_stay() {
        for gone in ["CARGO_MANIFEST_DIR", "CARGO_PKG_NAME", "CARGO_PKG_VERSION_MAJOR", "CARGO_BIN_EXE_sdlf", "OUT_DIR"]
        {
            assert!(set(OsStr::new(gone)), "{gone}");
        }
        for kept in
            ["CARGO", "CARGO_HOME", "CARGO_TARGET_DIR", "CARGO_BUILD_BUILD_DIR", "CARGO_PROFILE_DEV_STRIP", "PATH"]
        {
            assert!(!set(OsStr::new(kept)), "{kept}");
        }
    }
}
