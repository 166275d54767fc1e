//! `extract`: copies what the generator needs from the two sources into `schemas/`.
//!
//! Sources: the registry schemas shipped by cfn-lint (`data/schemas/`), and the
//! `@aws-cdk/aws-service-spec` database (`db.json.gz`), which adds what the registry lacks:
//! the real `Fn::GetAtt` attribute list, `isStateful`, and replacement flags on nested and
//! "maybe" properties. One JSON file per type, keys sorted, only the keys the generator
//! reads, so a schema update shows as a reviewable diff.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use crate::catalog::{TYPES, schema_file_name};

/// The file recording where `schemas/` came from.
pub const SOURCES_FILE: &str = "sources.json";

pub fn run(cfn_lint_schemas: &Path, service_spec: &Path, out_dir: &Path) -> Result<()> {
    let providers_path = cfn_lint_schemas.join("providers/us-east-1.json");
    let providers = read_json(&providers_path)?;
    let service_db = read_service_spec(service_spec)?;
    let entities = service_entities(&service_db)
        .with_context(|| format!("{}: not a service spec database", service_spec.display()))?;

    fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut written = BTreeSet::new();
    for entry in TYPES {
        let type_name = entry.type_name;
        let hash = providers
            .get(type_name)
            .and_then(Value::as_str)
            .with_context(|| format!("{}: no schema for {type_name}", providers_path.display()))?;
        let schema_path = cfn_lint_schemas.join("resources").join(format!("{hash}.json"));
        let schema = read_json(&schema_path)?;
        let mut trimmed = trim_top(&schema).with_context(|| format!("{}: {type_name}", schema_path.display()))?;
        let entity = entities
            .resources
            .get(type_name)
            .with_context(|| format!("{}: no resource {type_name}", service_spec.display()))?;
        let merged = merge_section(entity, &entities.type_defs)
            .with_context(|| format!("{}: {type_name}", service_spec.display()))?;
        trimmed.insert("x-sdlf".to_owned(), merged);
        let file = schema_file_name(type_name);
        write_json(&out_dir.join(&file), &Value::Object(trimmed))?;
        written.insert(file);
    }

    let sources = json!({
        "cfnLint": {
            "package": "cfn-lint (PyPI)",
            "version": cfn_lint_version(cfn_lint_schemas)?,
            "schemaDate": read_json(&cfn_lint_schemas.join("version.json"))?
                .get("schema_date")
                .cloned()
                .unwrap_or(Value::Null),
            "region": "us-east-1",
        },
        "serviceSpec": {
            "package": "@aws-cdk/aws-service-spec (npm)",
            "version": service_spec_version(service_spec)?,
        },
    });
    write_json(&out_dir.join(SOURCES_FILE), &sources)?;
    written.insert(SOURCES_FILE.to_owned());

    // Types dropped from the list leave no stale schema behind.
    for dir_entry in fs::read_dir(out_dir)? {
        let name = dir_entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !written.contains(&name) {
            fs::remove_file(out_dir.join(&name))?;
            eprintln!("removed stale {name}");
        }
    }
    eprintln!("extracted {} types into {}", TYPES.len(), out_dir.display());
    Ok(())
}

/// The top-level keys the generator reads; everything else (handlers, permissions, tagging,
/// examples, validation keywords) stays behind.
const TOP_KEYS: &[&str] = &[
    "typeName",
    "description",
    "properties",
    "definitions",
    "required",
    "primaryIdentifier",
    "createOnlyProperties",
    "conditionalCreateOnlyProperties",
    "readOnlyProperties",
];

fn trim_top(schema: &Value) -> Result<Map<String, Value>> {
    let obj = schema.as_object().context("schema is not an object")?;
    let mut out = Map::new();
    for &key in TOP_KEYS {
        let Some(value) = obj.get(key) else { continue };
        let value = match key {
            "properties" | "definitions" => trim_schema_map(value),
            _ => value.clone(),
        };
        out.insert(key.to_owned(), value);
    }
    if !out.contains_key("properties") {
        bail!("schema has no properties");
    }
    Ok(out)
}

fn trim_schema_map(map: &Value) -> Value {
    match map.as_object() {
        Some(obj) => Value::Object(obj.iter().map(|(k, v)| (k.clone(), trim_schema(v))).collect()),
        None => map.clone(),
    }
}

/// Keeps the keywords that decide a Rust type, plus descriptions for docs. Composition
/// keywords (`anyOf`, ...) are kept only where nothing else gives the type: elsewhere they
/// only constrain values (e.g. "one of these two is required").
fn trim_schema(node: &Value) -> Value {
    let Some(obj) = node.as_object() else {
        return node.clone();
    };
    let typed = ["type", "$ref", "properties", "items", "enum", "const"].iter().any(|k| obj.contains_key(*k));
    let mut out = Map::new();
    for (key, value) in obj {
        let kept = match key.as_str() {
            "$ref" | "type" | "description" | "enum" | "const" | "required" => value.clone(),
            "properties" | "patternProperties" => trim_schema_map(value),
            "items" if value.is_object() => trim_schema(value),
            "additionalProperties" if value.is_object() => trim_schema(value),
            "anyOf" | "oneOf" | "allOf" if !typed => match value.as_array() {
                Some(items) => Value::Array(items.iter().map(trim_schema).collect()),
                None => continue,
            },
            _ => continue,
        };
        out.insert(key.clone(), kept);
    }
    Value::Object(out)
}

/// The service spec's resources by type name, and its type definitions by id.
struct Entities<'a> {
    resources: HashMap<&'a str, &'a Value>,
    type_defs: HashMap<&'a str, &'a Value>,
}

fn service_entities(db: &Value) -> Option<Entities<'_>> {
    let schema = db.get("schema")?;
    let list = |name: &str| schema.get(name)?.get("entities")?.as_array();
    let resources =
        list("resource")?.iter().filter_map(|e| Some((e.get("cloudFormationType")?.as_str()?, e))).collect();
    let type_defs = list("typeDefinition")?.iter().filter_map(|e| Some((e.get("$id")?.as_str()?, e))).collect();
    Some(Entities { resources, type_defs })
}

/// The `x-sdlf` section: attributes, replacement flags the registry lacks, statefulness.
fn merge_section(entity: &Value, type_defs: &HashMap<&str, &Value>) -> Result<Value> {
    let attributes: BTreeSet<&str> = entity
        .get("attributes")
        .and_then(Value::as_object)
        .map(|a| a.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut replacement = BTreeMap::<String, &str>::new();
    let props = entity.get("properties").and_then(Value::as_object).context("resource has no properties")?;
    collect_replacement(props, "", &mut Vec::new(), type_defs, &mut replacement)?;
    let paths =
        |flag: &str| -> Vec<&String> { replacement.iter().filter(|(_, f)| **f == flag).map(|(p, _)| p).collect() };
    Ok(json!({
        "attributes": attributes,
        "replaceAlways": paths("yes"),
        "replaceConditional": paths("maybe"),
        "stateful": entity.get("isStateful").and_then(Value::as_bool).unwrap_or(false),
    }))
}

/// Walks properties and the type definitions they use, recording `causesReplacement`
/// `yes` / `maybe` by `/`-separated path.
fn collect_replacement<'a>(
    props: &'a Map<String, Value>,
    prefix: &str,
    seen: &mut Vec<&'a str>,
    type_defs: &HashMap<&str, &'a Value>,
    out: &mut BTreeMap<String, &'a str>,
) -> Result<()> {
    for (name, prop) in props {
        let path = format!("{prefix}/{name}");
        if let Some(flag @ ("yes" | "maybe")) = prop.get("causesReplacement").and_then(Value::as_str) {
            out.insert(path.clone(), flag);
        }
        let mut refs = Vec::new();
        type_refs(prop.get("type").unwrap_or(&Value::Null), &mut refs);
        for id in refs {
            if seen.contains(&id) {
                continue; // a recursive type: its paths were recorded one level up
            }
            let def = type_defs.get(id).with_context(|| format!("{path}: unknown type definition {id}"))?;
            if let Some(inner) = def.get("properties").and_then(Value::as_object) {
                seen.push(id);
                collect_replacement(inner, &path, seen, type_defs, out)?;
                seen.pop();
            }
        }
    }
    Ok(())
}

/// Type definition ids referenced anywhere in a service-spec property type (directly, or as
/// list / map elements, or union members).
fn type_refs<'a>(ty: &'a Value, out: &mut Vec<&'a str>) {
    match ty {
        Value::Object(obj) => {
            if obj.get("type").and_then(Value::as_str) == Some("ref")
                && let Some(id) = obj.get("reference").and_then(|r| r.get("$ref")).and_then(Value::as_str)
            {
                out.push(id);
            }
            obj.values().for_each(|v| type_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| type_refs(v, out)),
        _ => {}
    }
}

fn cfn_lint_version(schemas_dir: &Path) -> Result<String> {
    // DIR is `.../cfnlint/data/schemas`; the version sits in `.../cfnlint/version.py`.
    let path = schemas_dir.join("../../version.py");
    let text =
        fs::read_to_string(&path).with_context(|| format!("{}: cannot read the cfn-lint version", path.display()))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("__version__").map(|r| r.trim_matches([' ', '=', '"', '\''])))
        .map(str::to_owned)
        .with_context(|| format!("{}: no __version__", path.display()))
}

fn service_spec_version(db_path: &Path) -> Result<String> {
    let path = db_path.parent().unwrap_or(Path::new(".")).join("package.json");
    let package = read_json(&path).context("the service spec version comes from package.json beside the database")?;
    package
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{}: no version", path.display()))
}

/// Reads the service spec database, gzipped (as npm ships it) or not. Decompression goes
/// through `gzip -dc`: extract runs on developer machines only, and this keeps a
/// decompression crate out of the generator that CI builds.
fn read_service_spec(path: &Path) -> Result<Value> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let output = Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .with_context(|| format!("running gzip -dc {}", path.display()))?;
        if !output.status.success() {
            bail!("gzip -dc {} failed: {}", path.display(), String::from_utf8_lossy(&output.stderr));
        }
        output.stdout
    } else {
        bytes
    };
    serde_json::from_slice(&text).with_context(|| format!("{}: invalid JSON", path.display()))
}

pub fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: invalid JSON", path.display()))
}

/// Pretty-printed, keys sorted at every level, newline-terminated.
fn write_json(path: &PathBuf, value: &Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(&sorted(value))?;
    text.push('\n');
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(obj) => {
            let mut entries: Vec<_> = obj.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
