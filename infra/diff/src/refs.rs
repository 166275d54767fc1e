//! Which resource properties reference which resources (`Ref`, `Fn::GetAtt`, `Fn::Sub`), so a
//! replacement can be followed to the values that change with it.

use std::collections::HashMap;

use sdlf_cfn::{Expr, Template};

use crate::model::Path;

/// A property value of `from` that resolves through another resource.
#[derive(Debug, Clone)]
pub struct Reference<'t> {
    pub from: &'t str,
    /// Path of the value, `Properties....`, at the same granularity as [`crate::tree`]'s leaves.
    pub path: Path,
    pub value: &'t Expr,
}

/// References grouped by the resource they point to.
#[derive(Debug, Default)]
pub struct ReferenceIndex<'t> {
    by_target: HashMap<&'t str, Vec<Reference<'t>>>,
}

impl<'t> ReferenceIndex<'t> {
    /// One pass over every property of every resource.
    pub fn of(template: &'t Template) -> ReferenceIndex<'t> {
        let mut index = ReferenceIndex::default();
        let mut targets = Vec::new();
        for (id, resource) in &template.resources {
            let mut at = vec![Step::Key("Properties")];
            for (key, value) in &resource.properties {
                at.push(Step::Key(key));
                index.walk(template, id, &mut at, value, &mut targets);
                at.pop();
            }
        }
        index
    }

    /// The references to `target`, in template order.
    pub fn to(&self, target: &str) -> &[Reference<'t>] {
        self.by_target.get(target).map_or(&[], Vec::as_slice)
    }

    /// `at` is the path so far, borrowed: most leaves reference nothing, so a [`Path`] is
    /// only built for the ones that do.
    fn walk(
        &mut self,
        template: &'t Template,
        from: &'t str,
        at: &mut Vec<Step<'t>>,
        value: &'t Expr,
        buf: &mut Vec<&'t str>,
    ) {
        match value {
            Expr::Map(entries) => {
                for (key, v) in entries {
                    at.push(Step::Key(key));
                    self.walk(template, from, at, v, buf);
                    at.pop();
                }
            }
            Expr::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    self.walk(template, from, at, v, buf);
                    at.pop();
                }
            }
            leaf => {
                buf.clear();
                referenced_names(leaf, buf);
                buf.sort_unstable();
                buf.dedup();
                for target in buf.iter().filter(|t| **t != from && template.resources.contains_key(**t)) {
                    let mut path = Path::default();
                    for step in at.iter() {
                        match step {
                            Step::Key(k) => path.push_key(k),
                            Step::Index(i) => path.push_index(*i),
                        }
                    }
                    self.by_target.entry(target).or_default().push(Reference { from, path, value });
                }
            }
        }
    }
}

/// One step of a borrowed path.
#[derive(Debug, Clone, Copy)]
enum Step<'t> {
    Key(&'t str),
    Index(usize),
}

/// Every name a value reads through `Ref`, `Fn::GetAtt` or `Fn::Sub` (parameters and pseudo
/// parameters included; the caller keeps the resources).
pub fn referenced_names<'e>(expr: &'e Expr, out: &mut Vec<&'e str>) {
    match expr {
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) | Expr::Condition(_) => {}
        Expr::Ref(name) => out.push(name),
        Expr::GetAtt { resource, .. } => out.push(resource),
        Expr::Sub { template, vars } => {
            let is_var = |name: &str| vars.as_ref().is_some_and(|v| v.contains_key(name));
            out.extend(sub_names(template).filter(|n| !is_var(n)));
            for v in vars.iter().flat_map(|v| v.values()) {
                referenced_names(v, out);
            }
        }
        Expr::List(items) | Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| referenced_names(e, out)),
        Expr::Map(entries) => entries.values().for_each(|e| referenced_names(e, out)),
        Expr::Join { values: e, .. }
        | Expr::Split { source: e, .. }
        | Expr::Not(e)
        | Expr::ImportValue(e)
        | Expr::Base64(e)
        | Expr::GetAzs(e)
        | Expr::Function { args: e, .. } => referenced_names(e, out),
        Expr::Select { index, list } => {
            referenced_names(index, out);
            referenced_names(list, out);
        }
        Expr::If { then, otherwise, .. } => {
            referenced_names(then, out);
            referenced_names(otherwise, out);
        }
        Expr::Equals(a, b) => {
            referenced_names(a, out);
            referenced_names(b, out);
        }
        Expr::FindInMap { map, top_key, second_key } => {
            for e in [map, top_key, second_key] {
                referenced_names(e, out);
            }
        }
        Expr::Cidr { ip_block, count, cidr_bits } => {
            for e in [ip_block, count, cidr_bits] {
                referenced_names(e, out);
            }
        }
    }
}

/// The names `${Name}` / `${Name.Attribute}` of a `Fn::Sub` string; `${!Literal}` is text.
fn sub_names(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = template;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("${")?;
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                rest = literal;
                continue;
            }
            let end = after.find('}')?;
            rest = &after[end + 1..];
            let name = &after[..end];
            return Some(name.split_once('.').map_or(name, |(resource, _)| resource).trim());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_names_skip_literals_and_keep_the_resource_of_an_attribute() {
        let names: Vec<_> = sub_names("${A}/x/${B.Arn}-${!C}-${AWS::Region}").collect();
        assert_eq!(names, ["A", "B", "AWS::Region"]);
    }

    #[test]
    fn sub_variables_shadow_template_names() {
        let mut out = Vec::new();
        let sub = Expr::sub_with("${X}-${Y}", [("X", Expr::reference("Z"))]);
        referenced_names(&sub, &mut out);
        assert_eq!(out, ["Y", "Z"]);
    }
}
