//! `sdlf synth`: writes each environment's templates and manifest, prints what it wrote.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sdlf_lake::Lake;
use sdlf_lake::assets::Fingerprints;
use sdlf_lake::output::{EnvironmentOutput, synth_environment};

use crate::{CliError, exit};

/// Synthesizes the named environment, or every environment of the lake.
pub fn synthesize(
    lake: &Lake,
    env: Option<&str>,
    fingerprints: &dyn Fingerprints,
) -> Result<Vec<EnvironmentOutput>, CliError> {
    let names: Vec<&str> = match env {
        Some(e) => vec![e],
        None => lake.environments.iter().map(|e| e.name.as_str()).collect(),
    };
    names.into_iter().map(|name| synth_environment(lake, name, fingerprints).map_err(CliError::Synth)).collect()
}

/// Writes `{out}/{env}/{stack}.template.json` and `{out}/{env}/manifest.json`; removes
/// templates of stacks the lake no longer has, so the directory is exactly the lake.
pub fn write(lake: &Lake, out: &Path, outputs: &[EnvironmentOutput]) -> Result<(), CliError> {
    for o in outputs {
        let dir = out.join(&o.environment);
        std::fs::create_dir_all(&dir).map_err(|e| CliError::io(&dir, e))?;
        let entries = std::fs::read_dir(&dir).map_err(|e| CliError::io(&dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| CliError::io(&dir, e))?.path();
            let stale = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".template.json") && !o.stacks.iter().any(|s| s.template_file == n));
            if stale {
                std::fs::remove_file(&path).map_err(|e| CliError::io(&path, e))?;
            }
        }
        for s in &o.stacks {
            let path = dir.join(&s.template_file);
            std::fs::write(&path, &s.body).map_err(|e| CliError::io(&path, e))?;
        }
        let manifest = serde_json::to_string_pretty(&o.manifest(lake)).expect("JSON values serialize") + "\n";
        let path = dir.join("manifest.json");
        std::fs::write(&path, manifest).map_err(|e| CliError::io(&path, e))?;
    }
    Ok(())
}

/// The human summary: one table per environment, then what was left out for the emulator.
pub fn render(lake: &Lake, out: &Path, outputs: &[EnvironmentOutput]) -> String {
    let mut s = String::new();
    for o in outputs {
        let env = lake.environment(&o.environment).expect("synthesized from the lake");
        let target = if env.is_local() {
            "local emulator".to_owned()
        } else {
            format!("account {}, {}", env.account(), env.region())
        };
        let dir: PathBuf = out.join(&o.environment);
        let _ = writeln!(s, "{} ({target}) → {}", o.environment, dir.display());
        let width = o.stacks.iter().map(|st| st.name.len()).max().unwrap_or(5).max(5);
        let _ = writeln!(s, "  {:<width$}  {:>9}  {:>9}  S3 UPLOAD", "STACK", "RESOURCES", "BYTES");
        let (mut resources, mut bytes) = (0, 0);
        for st in &o.stacks {
            resources += st.resources;
            bytes += st.bytes();
            let upload = if st.needs_upload { "yes (over 51,200 bytes)" } else { "no" };
            let _ = writeln!(s, "  {:<width$}  {:>9}  {:>9}  {upload}", st.name, st.resources, thousands(st.bytes()));
        }
        let _ = writeln!(s, "  {} stacks, {resources} resources, {} bytes", o.stacks.len(), thousands(bytes));
        let assets = o.assets();
        let _ = writeln!(s, "  {} assets", assets.len());
        let left_out: Vec<_> = o.left_out().collect();
        if !left_out.is_empty() {
            let _ = writeln!(s, "  left out (the local emulator rejects these types):");
            let stack_w = left_out.iter().map(|(st, _)| st.len()).max().unwrap_or(0);
            let id_w = left_out.iter().map(|(_, l)| l.logical_id.len()).max().unwrap_or(0);
            for (stack, l) in left_out {
                let _ = writeln!(s, "    {stack:<stack_w$}  {:<id_w$}  {}", l.logical_id, l.type_name);
            }
        }
    }
    s
}

/// `41233` → `41,233`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The global `--env` (default: dev).
    #[arg(skip)]
    pub env: String,
    /// Print as JSON: each stack, in deploy order, with the stacks it depends on.
    #[arg(long)]
    pub json: bool,
}

/// `sdlf list`: the environment's stacks in deploy order, as `cdk ls` lists them, with what
/// each depends on; no AWS involved.
pub fn run_list(args: &ListArgs, console: &crate::console::Console) -> Result<std::process::ExitCode, CliError> {
    let (_, output) = crate::session::synthesize(&args.env)?;
    if args.json {
        let stacks: Vec<serde_json::Value> =
            output.stacks.iter().map(|s| serde_json::json!({"name": s.name, "depends_on": s.depends_on})).collect();
        console.print(&crate::to_json_text(&serde_json::Value::Array(stacks)));
    } else {
        console.print(&render_list(&output, &console.style()));
    }
    Ok(std::process::ExitCode::from(exit::OK))
}

/// A row per stack in deploy order: its name, then the stacks it depends on, one per line.
pub fn render_list(output: &EnvironmentOutput, style: &sdlf_diff::Style) -> String {
    let rows: Vec<Vec<String>> = output
        .stacks
        .iter()
        .map(|s| {
            let depends = if s.depends_on.is_empty() { "-".to_owned() } else { s.depends_on.join("\n") };
            vec![s.name.clone(), depends]
        })
        .collect();
    sdlf_diff::render_table(&["STACK", "DEPENDS ON"], &rows, style)
}
