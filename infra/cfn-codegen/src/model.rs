//! From an extracted schema to the model the renderer prints: structs, enums, fields with
//! Rust types, attributes and the spec row.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::catalog::{Patch, TypeEntry};
use crate::docs::doc_line;
use crate::naming::{pascal, snake};

/// The Rust type of a property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Num,
    Bool,
    /// Index into [`Resource::enums`].
    Enum(usize),
    /// Index into [`Resource::structs`].
    Struct(usize),
    List(Box<Ty>),
    Map(Box<Ty>),
    /// Free-form JSON, or a shape we do not type.
    Expr,
}

#[derive(Debug)]
pub struct Field {
    /// The schema's property name, e.g. `BucketName`.
    pub json: String,
    /// e.g. `bucket_name`, `r#type`.
    pub rust: String,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
}

#[derive(Debug)]
pub struct StructDef {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug)]
pub struct EnumDef {
    pub name: String,
    pub doc: Option<String>,
    /// `(variant, schema value)` in schema order.
    pub variants: Vec<(String, String)>,
}

/// One resource type, ready to print.
#[derive(Debug)]
pub struct Resource {
    pub type_name: String,
    /// e.g. `s3`.
    pub service_module: String,
    /// e.g. `Bucket`.
    pub name: String,
    /// The submodule with its property types, e.g. `bucket`.
    pub module: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    /// `(variant, attribute name)`, sorted by name.
    pub attributes: Vec<(String, String)>,
    /// The attribute that is the ARN, if any.
    pub arn_attribute: Option<String>,
    pub name_rule: Option<NameRule>,
    pub spec: Spec,
    /// Schema pointers where a property fell back to `Expr`.
    pub fallbacks: Vec<String>,
    /// The schema corrections applied, as `pointer: why`.
    pub patch_notes: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub enum NameRule {
    /// `Ref` returns the name.
    Ref,
    /// `Fn::GetAtt` of this attribute returns it.
    GetAtt(String),
}

/// The metadata row of `specs.rs`.
#[derive(Debug)]
pub struct Spec {
    pub attributes: Vec<String>,
    pub primary_identifier: Vec<String>,
    pub replace_always: Vec<String>,
    pub replace_conditional: Vec<String>,
    pub holds_data: Option<String>,
}

/// Builds the model of one type from its extracted schema (`x-sdlf` section included).
pub fn build(entry: &TypeEntry, schema: &Value) -> Result<Resource> {
    let type_name = entry.type_name;
    let mut schema = schema.clone();
    apply_patches(&mut schema, entry)?;
    let root = schema.as_object().context("schema is not an object")?;
    if root.get("typeName").and_then(Value::as_str) != Some(type_name) {
        bail!("typeName is not {type_name}");
    }
    let mut segments = type_name.split("::");
    let (Some(_), Some(service), Some(resource), None) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        bail!("type name {type_name} is not of the form Org::Service::Resource");
    };
    let name = pascal(resource);
    let definitions = root.get("definitions").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut resolver = Resolver {
        definitions: &definitions,
        read_only: read_only_pointers(&schema, &definitions),
        structs: Vec::new(),
        enums: Vec::new(),
        def_types: HashMap::new(),
        fallbacks: Vec::new(),
    };
    let fields = resolver.fields("", &schema, &name)?;
    let Resolver { mut structs, enums, mut fallbacks, .. } = resolver;
    break_cycles(&mut structs, &mut fallbacks);
    let (structs, enums) = assign_names(structs, enums)?;

    let x = root.get("x-sdlf").context("no x-sdlf section: run extract")?;
    let attribute_names = strings(x.get("attributes"));
    let mut attributes = Vec::new();
    for attr in &attribute_names {
        let variant = pascal(attr);
        if variant.is_empty() || attributes.iter().any(|(v, _)| *v == variant) {
            bail!("attribute {attr} has no distinct variant name");
        }
        attributes.push((variant, attr.clone()));
    }
    let has_attr = |a: &str| attribute_names.iter().any(|n| n == a);
    // `Arn`, else `<Resource>Arn` (SNS `TopicArn`): the same rule as for names below.
    let arn_attribute = ["Arn".to_owned(), format!("{resource}Arn")].into_iter().find(|a| has_attr(a));

    let primary_identifier: Vec<String> = strings(root.get("primaryIdentifier"))
        .iter()
        .map(|p| p.strip_prefix("/properties/").unwrap_or(p).to_owned())
        .collect();
    let name_by_ref = entry.patches.iter().any(|p| matches!(p, Patch::NameByRef { .. }));
    let name_rule = if name_by_ref || matches!(primary_identifier.as_slice(), [id] if id.ends_with("Name")) {
        Some(NameRule::Ref)
    } else {
        ["Name".to_owned(), format!("{resource}Name")].into_iter().find(|a| has_attr(a)).map(NameRule::GetAtt)
    };

    let stateful = x.get("stateful").and_then(Value::as_bool).unwrap_or(false);
    let holds_data = entry.patches.iter().find_map(|p| match p {
        Patch::HoldsData(what) => Some((*what).to_owned()),
        _ => None,
    });
    if stateful && holds_data.is_none() {
        bail!("the service spec marks {type_name} stateful: give it a Patch::HoldsData naming the data it holds");
    }
    // Registry createOnlyProperties and the service spec's `yes` always replace; the spec's
    // `maybe` and the registry's conditionalCreateOnlyProperties may replace.
    let relative = |key: &str| -> Vec<String> { strings(root.get(key)).iter().map(|p| relative_path(p)).collect() };
    let mut always = relative("createOnlyProperties");
    always.extend(strings(x.get("replaceAlways")).iter().map(|p| relative_path(p)));
    let always = prune(always, &[]);
    let mut conditional = relative("conditionalCreateOnlyProperties");
    conditional.extend(strings(x.get("replaceConditional")).iter().map(|p| relative_path(p)));
    let conditional = prune(conditional, &always);

    Ok(Resource {
        type_name: type_name.to_owned(),
        service_module: crate::naming::service_module(service),
        module: snake(resource),
        // "Resource Type definition for AWS::X::Y" says no more than the type line we print.
        doc: root
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.starts_with("Resource Type definition for") && !d.starts_with("Resource schema for"))
            .and_then(doc_line),
        name,
        fields,
        structs,
        enums,
        attributes,
        arn_attribute,
        name_rule,
        spec: Spec {
            attributes: attribute_names,
            primary_identifier,
            replace_always: always,
            replace_conditional: conditional,
            holds_data,
        },
        fallbacks,
        patch_notes: entry
            .patches
            .iter()
            .filter_map(|p| match p {
                Patch::Schema { pointer, why, .. } => Some(format!("{pointer}: {why}")),
                Patch::NameByRef { why } => Some(format!("HasName uses Ref: {why}")),
                Patch::HoldsData(_) => None,
            })
            .collect(),
    })
}

fn apply_patches(schema: &mut Value, entry: &TypeEntry) -> Result<()> {
    for patch in entry.patches {
        let Patch::Schema { pointer, json, why: _ } = patch else {
            continue;
        };
        let mut replacement: Value =
            serde_json::from_str(json).with_context(|| format!("patch of {pointer}: invalid JSON"))?;
        let node = schema.pointer_mut(pointer).with_context(|| format!("patch of {pointer}: no such node"))?;
        if let (Some(description), Some(obj)) = (node.get("description").cloned(), replacement.as_object_mut()) {
            obj.entry("description").or_insert(description);
        }
        *node = replacement;
    }
    Ok(())
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// `/properties/A/*/B` → `/A/B`: paths under `Properties`, without list wildcards (the
/// spec's `impact_of` skips list indices on its side too).
fn relative_path(pointer: &str) -> String {
    let rest = pointer.strip_prefix("/properties").unwrap_or(pointer);
    rest.split('/').filter(|s| !s.is_empty() && *s != "*").map(|s| format!("/{s}")).collect()
}

/// Sorted, deduplicated, without paths inside another path of the list or of `covered`.
fn prune(paths: Vec<String>, covered: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = paths.into_iter().collect();
    let inside = |p: &String, outer: &String| p == outer || p.starts_with(&format!("{outer}/"));
    set.iter()
        .filter(|p| !set.iter().any(|o| o != *p && inside(p, o)) && !covered.iter().any(|o| inside(p, o)))
        .cloned()
        .collect()
}

/// Pointers of the property nodes that are read-only (`/properties/Arn`,
/// `/definitions/S3TablesDestination/properties/TableArn`): registry pointers are followed
/// through `$ref`s and list items to the definition that declares the property.
fn read_only_pointers(schema: &Value, definitions: &Map<String, Value>) -> HashSet<String> {
    let mut out = HashSet::new();
    for pointer in strings(schema.get("readOnlyProperties")) {
        let Some(rest) = pointer.strip_prefix("/properties/") else {
            continue;
        };
        let segments: Vec<&str> = rest.split('/').filter(|s| *s != "*").collect();
        let mut node_ptr = String::new();
        let mut node = schema;
        for (i, segment) in segments.iter().enumerate() {
            let prop_ptr = format!("{node_ptr}/properties/{segment}");
            if i + 1 == segments.len() {
                out.insert(prop_ptr);
                break;
            }
            let Some(mut next) = node.get("properties").and_then(|p| p.get(*segment)) else {
                break;
            };
            node_ptr = prop_ptr;
            // Follow `$ref`s and list items down to the object holding the next segment.
            loop {
                let reference = next.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"));
                if let Some(def) = reference.and_then(|name| Some((name, definitions.get(name)?))) {
                    node_ptr = format!("/definitions/{}", def.0);
                    next = def.1;
                } else if let Some(items) = next.get("items") {
                    node_ptr.push_str("/items");
                    next = items;
                } else {
                    break;
                }
                if node_ptr.matches('/').count() > 64 {
                    break; // a $ref cycle without properties in between
                }
            }
            node = next;
        }
    }
    out
}

/// Breaks cycles of structs that contain each other directly (not through a list or map):
/// such a field would make the type infinitely large, so it falls back to `Expr`.
fn break_cycles(structs: &mut [PendingStruct], fallbacks: &mut Vec<String>) {
    let direct = |ty: &Ty| match ty {
        Ty::Struct(j) => Some(*j),
        _ => None,
    };
    for i in 0..structs.len() {
        for f in 0..structs[i].fields.len() {
            let Some(target) = direct(&structs[i].fields[f].ty) else {
                continue;
            };
            // Does `target` reach `i` through direct fields?
            let mut stack = vec![target];
            let mut seen = HashSet::new();
            let mut cyclic = false;
            while let Some(s) = stack.pop() {
                if s == i {
                    cyclic = true;
                    break;
                }
                if seen.insert(s) {
                    stack.extend(structs[s].fields.iter().filter_map(|fl| direct(&fl.ty)));
                }
            }
            if cyclic {
                fallbacks.push(format!("{}.{} (recursive)", structs[i].hint, structs[i].fields[f].json));
                structs[i].fields[f].ty = Ty::Expr;
            }
        }
    }
}

/// A struct or enum before naming: `hint` is the name it would like (its definition or
/// property name), `owner` the struct it appears in (to qualify clashing names).
struct PendingStruct {
    hint: String,
    owner: String,
    /// Named after a definition: the name is the definition's, never qualified.
    fixed: bool,
    doc: Option<String>,
    fields: Vec<Field>,
}

struct PendingEnum {
    hint: String,
    owner: String,
    fixed: bool,
    doc: Option<String>,
    values: Vec<String>,
}

struct Resolver<'a> {
    definitions: &'a Map<String, Value>,
    read_only: HashSet<String>,
    structs: Vec<PendingStruct>,
    enums: Vec<PendingEnum>,
    /// Definitions already resolved (structs are entered before their fields, for cycles).
    def_types: HashMap<String, Ty>,
    fallbacks: Vec<String>,
}

impl Resolver<'_> {
    /// The writable properties of the object schema at `ptr`, sorted by name.
    fn fields(&mut self, ptr: &str, node: &Value, owner: &str) -> Result<Vec<Field>> {
        let required: HashSet<String> = strings(node.get("required")).into_iter().collect();
        let Some(props) = node.get("properties").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut names: Vec<&String> = props.keys().collect();
        names.sort();
        let mut fields: Vec<Field> = Vec::new();
        for json in names {
            let prop_ptr = format!("{ptr}/properties/{json}");
            if self.read_only.contains(&prop_ptr) {
                continue;
            }
            let prop = &props[json];
            let ty = self.resolve(&prop_ptr, prop, json, owner).with_context(|| prop_ptr.clone())?;
            let rust = snake(json);
            if let Some(other) = fields.iter().find(|f| f.rust == rust) {
                bail!("{prop_ptr}: properties {} and {json} both map to field {rust}", other.json);
            }
            fields.push(Field {
                doc: prop.get("description").and_then(Value::as_str).and_then(doc_line),
                required: required.contains(json),
                json: json.clone(),
                rust,
                ty,
            });
        }
        Ok(fields)
    }

    fn fallback(&mut self, ptr: &str, why: &str) -> Ty {
        self.fallbacks.push(format!("{ptr} ({why})"));
        Ty::Expr
    }

    fn resolve(&mut self, ptr: &str, node: &Value, hint: &str, owner: &str) -> Result<Ty> {
        if let Some(reference) = node.get("$ref") {
            let name = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .with_context(|| format!("unsupported $ref {reference}"))?;
            return self.definition(name);
        }
        let types: Vec<&str> = match node.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            Some(other) => bail!("unsupported type {other}"),
            None if node.get("properties").is_some() => vec!["object"],
            None if node.get("items").is_some() => vec!["array"],
            None if node.get("enum").is_some() || node.get("const").is_some() => vec!["string"],
            None if node.get("patternProperties").is_some() => vec!["object"],
            None => vec![],
        };
        let [ty] = types.as_slice() else {
            let why = if types.is_empty() { "no single type" } else { "several types" };
            return Ok(self.fallback(ptr, why));
        };
        Ok(match *ty {
            "string" => match enum_values(node) {
                Some(values) => Ty::Enum(self.enumeration(hint, owner, false, node, values)),
                None => Ty::Str,
            },
            "integer" => Ty::Int,
            "number" => Ty::Num,
            "boolean" => Ty::Bool,
            "array" => match node.get("items") {
                Some(items) => {
                    let item_hint = singular(hint);
                    Ty::List(Box::new(self.resolve(&format!("{ptr}/items"), items, &item_hint, owner)?))
                }
                None => Ty::List(Box::new(self.fallback(ptr, "list items untyped"))),
            },
            "object" if has_properties(node) => {
                let index = self.structs.len();
                self.structs.push(PendingStruct {
                    hint: hint.to_owned(),
                    owner: owner.to_owned(),
                    fixed: false,
                    doc: node.get("description").and_then(Value::as_str).and_then(doc_line),
                    fields: Vec::new(),
                });
                let fields = self.fields(ptr, node, hint)?;
                self.structs[index].fields = fields;
                Ty::Struct(index)
            }
            "object" => self.map(ptr, node, hint, owner)?,
            _ => self.fallback(ptr, "unknown type"),
        })
    }

    /// An object of arbitrary keys: a map when its values have one type other than `Expr`.
    fn map(&mut self, ptr: &str, node: &Value, hint: &str, owner: &str) -> Result<Ty> {
        let mut value_schemas: Vec<(String, &Value)> = Vec::new();
        if let Some(patterns) = node.get("patternProperties").and_then(Value::as_object) {
            value_schemas.extend(patterns.iter().map(|(k, v)| (format!("{ptr}/patternProperties/{k}"), v)));
        }
        if let Some(additional) = node.get("additionalProperties").filter(|v| v.is_object()) {
            value_schemas.push((format!("{ptr}/additionalProperties"), additional));
        }
        if value_schemas.is_empty() {
            return Ok(self.fallback(ptr, "free-form object"));
        }
        let fallbacks_before = self.fallbacks.len();
        let mut value_ty = None;
        for (value_ptr, schema) in value_schemas {
            let ty = self.resolve(&value_ptr, schema, hint, owner)?;
            if value_ty.as_ref().is_some_and(|t| *t != ty) {
                value_ty = Some(Ty::Expr);
                break;
            }
            value_ty = Some(ty);
        }
        match value_ty {
            Some(Ty::Expr) | None => {
                // One fallback for the whole map, not one per value schema.
                self.fallbacks.truncate(fallbacks_before);
                Ok(self.fallback(ptr, "map values untyped"))
            }
            Some(ty) => Ok(Ty::Map(Box::new(ty))),
        }
    }

    fn definition(&mut self, name: &str) -> Result<Ty> {
        if let Some(ty) = self.def_types.get(name) {
            return Ok(ty.clone());
        }
        let node = self.definitions.get(name).with_context(|| format!("$ref to missing definition {name}"))?;
        let ptr = format!("/definitions/{name}");
        let is_object =
            matches!(node.get("type"), None | Some(Value::String(_))) && node.get("type").is_none_or(|t| t == "object");
        let ty = if is_object && has_properties(node) {
            let index = self.structs.len();
            self.structs.push(PendingStruct {
                hint: name.to_owned(),
                owner: name.to_owned(),
                fixed: true,
                doc: node.get("description").and_then(Value::as_str).and_then(doc_line),
                fields: Vec::new(),
            });
            // Entered before the fields, so a definition that contains itself resolves.
            self.def_types.insert(name.to_owned(), Ty::Struct(index));
            let fields = self.fields(&ptr, node, name).with_context(|| ptr.clone())?;
            self.structs[index].fields = fields;
            Ty::Struct(index)
        } else if let (Some("string") | None, Some(values)) =
            (node.get("type").and_then(Value::as_str), enum_values(node))
        {
            Ty::Enum(self.enumeration(name, name, true, node, values))
        } else {
            self.resolve(&ptr, node, name, name).with_context(|| ptr.clone())?
        };
        self.def_types.insert(name.to_owned(), ty.clone());
        Ok(ty)
    }

    fn enumeration(&mut self, hint: &str, owner: &str, fixed: bool, node: &Value, values: Vec<String>) -> usize {
        // The same closed set under the same name is one enum (e.g. `Status` of two rules).
        if let Some(i) = self.enums.iter().position(|e| e.hint == hint && e.values == values) {
            self.enums[i].fixed |= fixed;
            return i;
        }
        self.enums.push(PendingEnum {
            hint: hint.to_owned(),
            owner: owner.to_owned(),
            fixed,
            doc: node.get("description").and_then(Value::as_str).and_then(doc_line),
            values,
        });
        self.enums.len() - 1
    }
}

/// The name of one item of a list property (`Architectures` → `Architecture`): English
/// plurals, roughly; a wrong guess only makes a slightly odd type name.
fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "ches", "shes", "xes"].iter().any(|s| name.ends_with(s)) {
        name[..name.len() - 2].to_owned()
    } else if name.ends_with('s') && !["ss", "us", "is"].iter().any(|s| name.ends_with(s)) {
        name[..name.len() - 1].to_owned()
    } else {
        name.to_owned()
    }
}

fn has_properties(node: &Value) -> bool {
    node.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty())
}

/// The closed set of a string schema: `enum` (all strings) or `const`.
fn enum_values(node: &Value) -> Option<Vec<String>> {
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        let strings: Option<Vec<String>> = values.iter().map(|v| v.as_str().map(str::to_owned)).collect();
        return strings.filter(|s| !s.is_empty());
    }
    node.get("const").and_then(Value::as_str).map(|c| vec![c.to_owned()])
}

/// Names the Rust imports and the generated code itself use; a type of the same name would
/// shadow them.
const RESERVED: &[&str] =
    &["Box", "Default", "Expr", "IndexMap", "IntoExpr", "Option", "PropsBuilder", "Result", "String", "Val", "Vec"];

/// Gives every struct and enum its final name. Definitions keep theirs; an inline object or
/// enum takes its property's name, qualified by its owner when that name is taken or shared
/// (so names do not depend on the order types were met).
fn assign_names(structs: Vec<PendingStruct>, enums: Vec<PendingEnum>) -> Result<(Vec<StructDef>, Vec<EnumDef>)> {
    struct Item<'a> {
        hint: &'a str,
        owner: &'a str,
        fixed: bool,
    }
    let items: Vec<Item> = structs
        .iter()
        .map(|s| Item { hint: &s.hint, owner: &s.owner, fixed: s.fixed })
        .chain(enums.iter().map(|e| Item { hint: &e.hint, owner: &e.owner, fixed: e.fixed }))
        .collect();
    let fixed: HashSet<String> = items.iter().filter(|i| i.fixed).map(|i| pascal(i.hint)).collect();
    let mut hint_count: HashMap<String, usize> = HashMap::new();
    for item in items.iter().filter(|i| !i.fixed) {
        *hint_count.entry(pascal(item.hint)).or_default() += 1;
    }
    let mut used = HashSet::new();
    let mut names = Vec::with_capacity(items.len());
    for item in &items {
        let plain = pascal(item.hint);
        let mut name = if item.fixed || (hint_count[&plain] == 1 && !fixed.contains(&plain)) {
            plain
        } else {
            format!("{}{plain}", pascal(item.owner))
        };
        if RESERVED.contains(&name.as_str()) {
            name.push_str("Type");
        }
        if name.is_empty() {
            bail!("{}: no usable type name", item.hint);
        }
        let base = name.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        names.push(name);
    }
    let mut names = names.into_iter();
    let structs = structs
        .into_iter()
        .map(|s| StructDef { name: names.next().unwrap_or_default(), doc: s.doc, fields: s.fields })
        .collect();
    let mut enum_defs = Vec::new();
    for e in enums {
        let name = names.next().unwrap_or_default();
        enum_defs.push(EnumDef { variants: variants(&name, &e.values)?, name, doc: e.doc });
    }
    Ok((structs, enum_defs))
}

/// Variant names for enum values; values that would collide (`SSE_KMS`, `SSE-KMS`) get a
/// numeric suffix in schema order.
fn variants(enum_name: &str, values: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for value in values {
        let mut variant = pascal(value);
        if variant.is_empty() {
            variant =
                if value.is_empty() { "Empty".to_owned() } else { bail!("{enum_name}: no variant name for {value:?}") };
        }
        let base = variant.clone();
        let mut n = 2;
        while out.iter().any(|(v, _)| *v == variant) {
            variant = format!("{base}{n}");
            n += 1;
        }
        out.push((variant, value.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_paths_are_pruned_and_relative() {
        assert_eq!(relative_path("/properties/A/*/B"), "/A/B");
        let always = prune(vec!["/A".into(), "/A/B".into(), "/C".into(), "/AB".into()], &[]);
        assert_eq!(always, ["/A", "/AB", "/C"]);
        assert_eq!(prune(vec!["/A/X".into(), "/D".into()], &always), ["/D"]);
    }

    #[test]
    fn list_items_are_named_in_the_singular() {
        assert_eq!(singular("Architectures"), "Architecture");
        assert_eq!(singular("Policies"), "Policy");
        assert_eq!(singular("Addresses"), "Address");
        assert_eq!(singular("Status"), "Status");
        assert_eq!(singular("Metrics"), "Metric");
    }

    #[test]
    fn colliding_enum_values_get_suffixes() {
        let v = variants("E", &["SSE_KMS".into(), "SSE-KMS".into(), "".into()]).unwrap();
        assert_eq!(
            v,
            [("SseKms".into(), "SSE_KMS".into()), ("SseKms2".into(), "SSE-KMS".into()), ("Empty".into(), "".into())]
        );
    }
}
