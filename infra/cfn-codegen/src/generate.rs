//! `generate`: the committed extract in, the Rust modules out (in memory; `main` writes or
//! compares them).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use crate::catalog::{TYPES, TypeEntry, schema_file_name};
use crate::extract::read_json;
use crate::model::{self, Resource};
use crate::render;

/// The generated files, by path relative to `src/generated/`, and what they contain.
pub struct Output {
    pub files: BTreeMap<String, String>,
    pub structs: usize,
    pub enums: usize,
    pub fallbacks: Vec<String>,
}

impl Output {
    pub fn lines(&self) -> usize {
        self.files.values().map(|f| f.lines().count()).sum()
    }
}

/// Builds every type of `types` from `schemas_dir` and renders the modules.
pub fn generate(schemas_dir: &Path, types: &[TypeEntry]) -> Result<Output> {
    let mut resources = Vec::with_capacity(types.len());
    for entry in types {
        let path = schemas_dir.join(schema_file_name(entry.type_name));
        let schema = read_json(&path).with_context(|| {
            format!("{}: no usable extracted schema (infra/cfn-codegen/extract.sh extracts it)", entry.type_name)
        })?;
        let resource =
            model::build(entry, &schema).with_context(|| format!("{}: {}", path.display(), entry.type_name))?;
        resources.push(resource);
    }
    Ok(render_all(resources))
}

pub fn generate_default(schemas_dir: &Path) -> Result<Output> {
    generate(schemas_dir, TYPES)
}

fn render_all(mut resources: Vec<Resource>) -> Output {
    resources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    // Service modules, each with its resources sorted by name.
    let mut services: BTreeMap<String, (String, Vec<&Resource>)> = BTreeMap::new();
    for r in &resources {
        let service = r.type_name.split("::").nth(1).unwrap_or_default().to_owned();
        services.entry(r.service_module.clone()).or_insert_with(|| (service, Vec::new())).1.push(r);
    }
    let mut files = BTreeMap::new();
    let mut modules = Vec::new();
    for (module, (service, mut members)) in services {
        members.sort_by(|a, b| a.name.cmp(&b.name));
        files.insert(format!("{}.rs", module.trim_start_matches("r#")), render::service_file(&service, &members));
        modules.push(module);
    }
    files.insert("mod.rs".to_owned(), render::mod_file(&modules));
    let all: Vec<&Resource> = resources.iter().collect();
    files.insert("specs.rs".to_owned(), render::specs_file(&all));
    Output {
        structs: resources.iter().map(|r| 1 + r.structs.len()).sum(),
        enums: resources.iter().map(|r| r.enums.len() + usize::from(!r.attributes.is_empty())).sum(),
        fallbacks: resources
            .iter()
            .flat_map(|r| r.fallbacks.iter().map(move |f| format!("{} {f}", r.type_name)))
            .collect(),
        files,
    }
}
