//! `sdlf-cfn-codegen`: typed CloudFormation property structs from the registry schemas.
//!
//! - `extract --cfn-lint-schemas DIR --service-spec FILE`: refresh `infra/cfn-types/schemas/`
//!   from the pinned sources (see `extract.sh`; developers only, never CI).
//! - `generate` (the default): write `infra/cfn-types/src/generated/` from `schemas/`.
//! - `generate --check`: fail if the committed generated code differs from what `schemas/`
//!   gives (CI runs this).

mod catalog;
mod docs;
mod extract;
mod generate;
mod model;
mod naming;
mod render;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Generates sdlf-cfn-types from CloudFormation registry schemas")]
struct Cli {
    /// The sdlf-cfn-types crate (holds schemas/ and src/generated/); defaults to the one
    /// beside this crate.
    #[arg(long, global = true)]
    types_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Extract the schemas of the listed types from the pinned sources into schemas/.
    Extract {
        /// cfn-lint's `data/schemas` directory (with providers/ and resources/).
        #[arg(long)]
        cfn_lint_schemas: PathBuf,
        /// The service spec database, `db.json.gz` of @aws-cdk/aws-service-spec.
        #[arg(long)]
        service_spec: PathBuf,
    },
    /// Generate src/generated/ from schemas/ (the default command).
    Generate {
        /// Compare with the committed files instead of writing; exit 1 if they differ.
        #[arg(long)]
        check: bool,
        /// List every property that fell back to `Expr`.
        #[arg(long)]
        list_fallbacks: bool,
    },
}

fn default_types_dir() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).join("cfn-types")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Generate { check: false, list_fallbacks: false });
    let types_dir = cli.types_dir.unwrap_or_else(default_types_dir);
    let result = match command {
        Command::Extract { cfn_lint_schemas, service_spec } => {
            extract::run(&cfn_lint_schemas, &service_spec, &types_dir.join("schemas")).map(|()| true)
        }
        Command::Generate { check, list_fallbacks } => run_generate(&types_dir, check, list_fallbacks),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether the committed files are (or now are) up to date.
fn run_generate(types_dir: &Path, check: bool, list_fallbacks: bool) -> Result<bool> {
    let output = generate::generate_default(&types_dir.join("schemas"))?;
    let out_dir = types_dir.join("src/generated");
    eprintln!(
        "{} files, {} lines: {} structs, {} enums, {} properties fall back to Expr{}",
        output.files.len(),
        output.lines(),
        output.structs,
        output.enums,
        output.fallbacks.len(),
        if list_fallbacks { ":" } else { " (--list-fallbacks lists them)" },
    );
    if list_fallbacks {
        output.fallbacks.iter().for_each(|f| eprintln!("  {f}"));
    }
    let stale = stale_files(&out_dir, &output.files)?;
    if check {
        if stale.is_empty() {
            return Ok(true);
        }
        eprintln!("generated code is stale: run `cargo run -p sdlf-cfn-codegen`");
        for name in &stale {
            let what = match (output.files.contains_key(name), out_dir.join(name).exists()) {
                (true, true) => "differs",
                (true, false) => "missing",
                (false, _) => "not generated any more",
            };
            eprintln!("  {what}: {}", out_dir.join(name).display());
        }
        return Ok(false);
    }
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for name in &stale {
        let path = out_dir.join(name);
        match output.files.get(name) {
            Some(text) => fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?,
            None => fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?,
        }
        eprintln!("  updated {}", path.display());
    }
    Ok(true)
}

/// Files (relative to `dir`) that differ from `files`, are missing, or are `.rs` files the
/// generator no longer produces.
fn stale_files(dir: &Path, files: &std::collections::BTreeMap<String, String>) -> Result<BTreeSet<String>> {
    let mut stale = BTreeSet::new();
    for (name, text) in files {
        if fs::read_to_string(dir.join(name)).ok().as_ref() != Some(text) {
            stale.insert(name.clone());
        }
    }
    if dir.is_dir() {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !files.contains_key(&name) {
                stale.insert(name);
            }
        }
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` alone catches a stale `src/generated/` (CI also runs `generate --check`).
    #[test]
    fn committed_generated_code_is_fresh() {
        let types_dir = default_types_dir();
        let output = generate::generate_default(&types_dir.join("schemas")).expect("the committed schemas generate");
        let stale = stale_files(&types_dir.join("src/generated"), &output.files).unwrap();
        assert!(stale.is_empty(), "generated code is stale: run `cargo run -p sdlf-cfn-codegen`; differing: {stale:?}");
    }

    #[test]
    fn every_listed_type_is_listed_once() {
        let mut names: Vec<&str> = catalog::TYPES.iter().map(|t| t.type_name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
