//! Structural diff of two template values, down to the smallest differing parts.
//!
//! Maps compare by key. Lists of the same length compare element by element, by index; lists
//! whose length changed are one change of the whole list, so an inserted element shows as one
//! insertion in the rendered (line-aligned) JSON diff instead of every later element changing.
//! Intrinsic functions are leaves: `!Ref A` → `!Ref B` is one change. Equal subtrees are
//! skipped after one comparison, so the cost is linear in the size of the values.

use indexmap::IndexMap;
use sdlf_cfn::{Expr, Resource};

use crate::model::{Cause, Impact, Path, ValueChange};

/// Appends the differences between `old` and `new` (either may be absent) under `path`. Every
/// change gets impact `Update`; the caller classifies resource property changes.
pub fn diff_values(path: &mut Path, old: Option<&Expr>, new: Option<&Expr>, out: &mut Vec<ValueChange>) {
    // Equality is decided at the leaves only: comparing whole subtrees at every level would
    // cost depth × size.
    match (old, new) {
        (Some(Expr::Map(a)), Some(Expr::Map(b))) => diff_maps(path, a, b, out),
        (Some(Expr::List(a)), Some(Expr::List(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                path.push_index(i);
                diff_values(path, Some(x), Some(y), out);
                path.pop();
            }
        }
        _ if old == new => {}
        _ => out.push(ValueChange {
            path: path.clone(),
            old: old.cloned(),
            new: new.cloned(),
            impact: Impact::Update,
            cause: Cause::Template,
        }),
    }
}

/// The differences of two maps, key by key under `path`: the new order first, then the keys
/// only the old map had (template order, deterministic).
pub fn diff_maps(
    path: &mut Path,
    old: &IndexMap<String, Expr>,
    new: &IndexMap<String, Expr>,
    out: &mut Vec<ValueChange>,
) {
    for (key, new_value) in new {
        path.push_key(key);
        diff_values(path, old.get(key), Some(new_value), out);
        path.pop();
    }
    for (key, old_value) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
        path.push_key(key);
        diff_values(path, Some(old_value), None, out);
        path.pop();
    }
}

/// `a == b`, fast when the keys of maps are in the same order (as they are in two syntheses
/// of the same program): `IndexMap`'s own equality ignores order, so it hashes every key.
pub fn same(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::Map(x), Expr::Map(y)) => same_maps(x, y),
        (Expr::List(x), Expr::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        _ => a == b,
    }
}

pub fn same_maps(x: &IndexMap<String, Expr>, y: &IndexMap<String, Expr>) -> bool {
    if x.len() != y.len() {
        return false;
    }
    if x.keys().zip(y.keys()).all(|(a, b)| a == b) {
        x.values().zip(y.values()).all(|(a, b)| same(a, b))
    } else {
        x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
    }
}

fn same_opt(a: Option<&Expr>, b: Option<&Expr>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// `a == b` for resources, through [`same`]: the one comparison every resource of both
/// templates goes through.
pub fn same_resource(a: &Resource, b: &Resource) -> bool {
    a.type_name == b.type_name
        && a.condition == b.condition
        && a.depends_on == b.depends_on
        && a.deletion_policy == b.deletion_policy
        && a.update_replace_policy == b.update_replace_policy
        && same_maps(&a.properties, &b.properties)
        && same_opt(a.metadata.as_ref(), b.metadata.as_ref())
        && same_opt(a.update_policy.as_ref(), b.update_policy.as_ref())
        && same_opt(a.creation_policy.as_ref(), b.creation_policy.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(old: Expr, new: Expr) -> Vec<String> {
        let mut out = Vec::new();
        diff_values(&mut Path::key("Properties"), Some(&old), Some(&new), &mut out);
        out.iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn maps_descend_by_key_and_equal_lists_by_index() {
        let old = Expr::map([("A", Expr::list([Expr::map([("B", 1)]), Expr::map([("B", 2)])])), ("C", Expr::int(1))]);
        let new = Expr::map([("A", Expr::list([Expr::map([("B", 1)]), Expr::map([("B", 3)])])), ("D", Expr::int(1))]);
        assert_eq!(changes(old, new), ["Properties.A[1].B", "Properties.D", "Properties.C"]);
    }

    #[test]
    fn a_list_whose_length_changed_is_one_change() {
        assert_eq!(changes(Expr::list([1, 2]), Expr::list([0, 1, 2])), ["Properties"]);
    }

    #[test]
    fn same_ignores_key_order_like_equality() {
        let a = Expr::map([("A", Expr::int(1)), ("B", Expr::list([Expr::map([("C", 2), ("D", 3)])]))]);
        let b = Expr::map([("B", Expr::list([Expr::map([("D", 3), ("C", 2)])])), ("A", Expr::int(1))]);
        let c = Expr::map([("A", Expr::int(1)), ("B", Expr::list([Expr::map([("C", 2), ("D", 4)])]))]);
        assert!(same(&a, &b) && a == b);
        assert!(!same(&a, &c) && a != c);
    }

    #[test]
    fn intrinsics_are_leaves() {
        assert_eq!(changes(Expr::reference("A"), Expr::reference("B")), ["Properties"]);
        assert!(changes(Expr::reference("A"), Expr::reference("A")).is_empty());
    }
}
