//! The JSON of a template, written directly.
//!
//! The bytes are those of `serde_json::to_string_pretty` over the `Serialize` impls in
//! `json.rs` (two-space indent, `"key": value`, `[]` and `{}` for empty containers, serde_json's
//! string escapes and number forms); tests hold the two together. Writing the JSON is the
//! largest part of synthesizing a large lake, and serde_json's pretty printer takes half as
//! long again as this: a call per token through its traits, the indentation written one level
//! at a time, every string scanned for escapes a byte at a time.

use std::fmt::Write as _;

use indexmap::IndexMap;

use crate::expr::Expr;
use crate::template::{Output, Parameter, Resource, Template};

/// The template as pretty-printed JSON with a trailing newline.
pub(crate) fn template(t: &Template) -> String {
    // Templates take 1 to 1.5 KB per resource, IAM-heavy ones more: with room for 2 KB, few
    // have to grow the buffer (copying everything written so far, onto freshly mapped memory).
    let mut w = Writer { out: String::with_capacity(4096 + t.resources.len() * 2048), level: 0 };
    w.template(t);
    w.out.push('\n');
    w.out
}

struct Writer {
    out: String,
    /// Nesting depth of the container being written.
    level: usize,
}

/// An object being written: its entries go through [`Object::key`].
struct Object<'w> {
    w: &'w mut Writer,
    empty: bool,
}

impl Object<'_> {
    /// Starts the entry `key`; its value is written next, on the returned writer.
    fn key(&mut self, key: &str) -> &mut Writer {
        self.w.next_line(self.empty);
        self.empty = false;
        self.w.string(key);
        self.w.out.push_str(": ");
        self.w
    }

    fn end(self) {
        self.w.close(self.empty, '}');
    }
}

impl Writer {
    /// `,` (unless `first`), a line break and the indentation of the current level.
    fn next_line(&mut self, first: bool) {
        const LINE: &str = ",\n                                                                ";
        let start = usize::from(first);
        match LINE.get(start..2 + 2 * self.level) {
            Some(prefix) => self.out.push_str(prefix),
            None => {
                self.out.push_str(&LINE[start..2]);
                (0..self.level).for_each(|_| self.out.push_str("  "));
            }
        }
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.level += 1;
    }

    fn close(&mut self, empty: bool, bracket: char) {
        self.level -= 1;
        if !empty {
            self.next_line(true);
        }
        self.out.push(bracket);
    }

    fn object(&mut self) -> Object<'_> {
        self.open('{');
        Object { w: self, empty: true }
    }

    fn list<T>(&mut self, items: impl IntoIterator<Item = T>, mut item: impl FnMut(&mut Self, T)) {
        self.open('[');
        let mut empty = true;
        for x in items {
            self.next_line(empty);
            empty = false;
            item(self, x);
        }
        self.close(empty, ']');
    }

    fn map<V>(&mut self, entries: &IndexMap<String, V>, mut value: impl FnMut(&mut Self, &V)) {
        let mut o = self.object();
        for (k, v) in entries {
            value(o.key(k), v);
        }
        o.end();
    }

    /// A quoted string, escaped as serde_json does: `"`, `\` and control characters only.
    fn string(&mut self, s: &str) {
        self.out.push('"');
        let mut rest = s;
        loop {
            let plain = plain_prefix(rest.as_bytes());
            self.out.push_str(&rest[..plain]);
            let Some(&byte) = rest.as_bytes().get(plain) else { break };
            match byte {
                b'"' => self.out.push_str("\\\""),
                b'\\' => self.out.push_str("\\\\"),
                b'\x08' => self.out.push_str("\\b"),
                b'\x0c' => self.out.push_str("\\f"),
                b'\n' => self.out.push_str("\\n"),
                b'\r' => self.out.push_str("\\r"),
                b'\t' => self.out.push_str("\\t"),
                control => write!(self.out, "\\u{control:04x}").expect("writing to a String cannot fail"),
            }
            // The byte is ASCII: the rest starts on a character boundary.
            rest = &rest[plain + 1..];
        }
        self.out.push('"');
    }

    fn strings(&mut self, items: &[String]) {
        self.list(items, |w, s| w.string(s));
    }

    fn number(&mut self, n: &serde_json::Number) {
        // `Number`'s `Display` is its JSON form (serde_json writes it the same way).
        write!(self.out, "{n}").expect("writing to a String cannot fail");
    }

    fn template(&mut self, t: &Template) {
        let mut o = self.object();
        if let Some(v) = &t.format_version {
            o.key("AWSTemplateFormatVersion").string(v);
        }
        if let Some(v) = &t.description {
            o.key("Description").string(v);
        }
        if !t.metadata.is_empty() {
            o.key("Metadata").map(&t.metadata, Writer::expr);
        }
        if !t.parameters.is_empty() {
            o.key("Parameters").map(&t.parameters, Writer::parameter);
        }
        if !t.rules.is_empty() {
            o.key("Rules").map(&t.rules, |w, rule| {
                let mut o = w.object();
                if let Some(c) = &rule.rule_condition {
                    o.key("RuleCondition").expr(c);
                }
                o.key("Assertions").list(&rule.assertions, |w, a| {
                    let mut o = w.object();
                    o.key("Assert").expr(&a.assert);
                    if let Some(d) = &a.description {
                        o.key("AssertDescription").string(d);
                    }
                    o.end();
                });
                o.end();
            });
        }
        if !t.mappings.is_empty() {
            o.key("Mappings").map(&t.mappings, |w, mapping| w.map(mapping, |w, second| w.map(second, Writer::expr)));
        }
        if !t.conditions.is_empty() {
            o.key("Conditions").map(&t.conditions, Writer::expr);
        }
        if let Some(v) = &t.transform {
            o.key("Transform").expr(v);
        }
        // Resources is required even when empty, so CloudFormation gives its own clear error.
        o.key("Resources").map(&t.resources, Writer::resource);
        if !t.outputs.is_empty() {
            o.key("Outputs").map(&t.outputs, Writer::output);
        }
        o.end();
    }

    fn resource(&mut self, r: &Resource) {
        let mut o = self.object();
        o.key("Type").string(&r.type_name);
        if let Some(c) = &r.condition {
            o.key("Condition").string(c);
        }
        if !r.depends_on.is_empty() {
            o.key("DependsOn").strings(&r.depends_on);
        }
        if let Some(m) = &r.metadata {
            o.key("Metadata").expr(m);
        }
        if !r.properties.is_empty() {
            o.key("Properties").map(&r.properties, Writer::expr);
        }
        if let Some(p) = r.deletion_policy {
            o.key("DeletionPolicy").string(p.as_str());
        }
        if let Some(p) = r.update_replace_policy {
            o.key("UpdateReplacePolicy").string(p.as_str());
        }
        if let Some(p) = &r.update_policy {
            o.key("UpdatePolicy").expr(p);
        }
        if let Some(p) = &r.creation_policy {
            o.key("CreationPolicy").expr(p);
        }
        o.end();
    }

    fn parameter(&mut self, p: &Parameter) {
        let mut o = self.object();
        o.key("Type").string(&p.param_type.type_string());
        if let Some(d) = &p.description {
            o.key("Description").string(d);
        }
        if let Some(d) = &p.default {
            o.key("Default").expr(d);
        }
        if !p.allowed_values.is_empty() {
            o.key("AllowedValues").list(&p.allowed_values, Writer::expr);
        }
        if let Some(v) = &p.allowed_pattern {
            o.key("AllowedPattern").string(v);
        }
        if let Some(v) = &p.constraint_description {
            o.key("ConstraintDescription").string(v);
        }
        for (key, value) in [("MinLength", p.min_length), ("MaxLength", p.max_length)] {
            if let Some(v) = value {
                o.key(key).number(&v.into());
            }
        }
        for (key, value) in [("MinValue", &p.min_value), ("MaxValue", &p.max_value)] {
            if let Some(v) = value {
                o.key(key).number(v);
            }
        }
        if let Some(v) = p.no_echo {
            o.key("NoEcho").out.push_str(if v { "true" } else { "false" });
        }
        o.end();
    }

    fn output(&mut self, output: &Output) {
        let mut o = self.object();
        if let Some(d) = &output.description {
            o.key("Description").string(d);
        }
        if let Some(c) = &output.condition {
            o.key("Condition").string(c);
        }
        o.key("Value").expr(&output.value);
        if let Some(name) = &output.export_name {
            o.key("Export").single("Name", |w| w.expr(name));
        }
        o.end();
    }

    /// A one-key object: the shape of every intrinsic function.
    fn single(&mut self, key: &str, value: impl FnOnce(&mut Self)) {
        let mut o = self.object();
        value(o.key(key));
        o.end();
    }

    /// A function of positional arguments: `{"Fn::X": [args]}`.
    fn function(&mut self, name: &str, args: &[Arg<'_>]) {
        self.single(name, |w| {
            w.list(args, |w, arg| match arg {
                Arg::Str(s) => w.string(s),
                Arg::Expr(e) => w.expr(e),
                Arg::Vars(vars) => w.map(vars, Writer::expr),
            })
        });
    }

    fn expr(&mut self, e: &Expr) {
        use Arg::{Expr as E, Str};
        match e {
            Expr::Null => self.out.push_str("null"),
            Expr::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Expr::Number(n) => self.number(n),
            Expr::String(s) => self.string(s),
            Expr::List(items) => self.list(items, Writer::expr),
            Expr::Map(entries) => self.map(entries, Writer::expr),
            Expr::Ref(name) => self.single("Ref", |w| w.string(name)),
            Expr::GetAtt { resource, attribute } => self.function("Fn::GetAtt", &[Str(resource), Str(attribute)]),
            Expr::Sub { template, vars: None } => self.single("Fn::Sub", |w| w.string(template)),
            Expr::Sub { template, vars: Some(vars) } => self.function("Fn::Sub", &[Str(template), Arg::Vars(vars)]),
            Expr::Join { delimiter, values } => self.function("Fn::Join", &[Str(delimiter), E(values)]),
            Expr::Select { index, list } => self.function("Fn::Select", &[E(index), E(list)]),
            Expr::Split { delimiter, source } => self.function("Fn::Split", &[Str(delimiter), E(source)]),
            Expr::If { condition, then, otherwise } => {
                self.function("Fn::If", &[Str(condition), E(then), E(otherwise)])
            }
            Expr::Equals(a, b) => self.function("Fn::Equals", &[E(a), E(b)]),
            Expr::Not(c) => self.function("Fn::Not", &[E(c)]),
            Expr::And(cs) => self.single("Fn::And", |w| w.list(cs, Writer::expr)),
            Expr::Or(cs) => self.single("Fn::Or", |w| w.list(cs, Writer::expr)),
            Expr::Condition(name) => self.single("Condition", |w| w.string(name)),
            Expr::ImportValue(v) => self.single("Fn::ImportValue", |w| w.expr(v)),
            Expr::FindInMap { map, top_key, second_key } => {
                self.function("Fn::FindInMap", &[E(map), E(top_key), E(second_key)])
            }
            Expr::Base64(v) => self.single("Fn::Base64", |w| w.expr(v)),
            Expr::GetAzs(v) => self.single("Fn::GetAZs", |w| w.expr(v)),
            Expr::Cidr { ip_block, count, cidr_bits } => {
                self.function("Fn::Cidr", &[E(ip_block), E(count), E(cidr_bits)])
            }
            Expr::Function { name, args } => self.single(name, |w| w.expr(args)),
        }
    }
}

/// Whether JSON needs `byte` escaped in a string.
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The length of the longest prefix of `s` without a byte that [`needs_escape`]. Strings are
/// most of a template's bytes and nearly never need an escape, so they are checked eight bytes
/// at a time; a byte at a time, this check was the most expensive part of writing a template.
fn plain_prefix(s: &[u8]) -> usize {
    const fn splat(byte: u8) -> u64 {
        u64::from_ne_bytes([byte; 8])
    }
    // The high bit of some byte is set when `x` has a zero byte (exactly: whatever the others).
    let zero_bytes = |x: u64| x.wrapping_sub(splat(0x01)) & !x;
    // A byte below 0x20 is one whose top three bits are clear. No branch between the three.
    let plain = |x: u64| {
        (zero_bytes(x & splat(0xe0)) | zero_bytes(x ^ splat(b'"')) | zero_bytes(x ^ splat(b'\\'))) & splat(0x80) == 0
    };
    let first_escape = |bytes: &[u8]| bytes.iter().position(|&b| needs_escape(b)).unwrap_or(bytes.len());
    let chunk_at = |i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    let mut checked = 0;
    while checked + 8 <= s.len() {
        if !plain(chunk_at(checked)) {
            return checked + first_escape(&s[checked..]);
        }
        checked += 8;
    }
    // The last few bytes: as the last eight, overlapping bytes already checked, when there are
    // eight; one at a time in a shorter string.
    if checked == s.len() || (s.len() >= 8 && plain(chunk_at(s.len() - 8))) {
        return s.len();
    }
    checked + first_escape(&s[checked..])
}

/// A function's positional arguments, of mixed kinds.
enum Arg<'a> {
    Str(&'a str),
    Expr(&'a Expr),
    Vars(&'a IndexMap<String, Expr>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_pretty(t: &Template) -> String {
        serde_json::to_string_pretty(t).expect("serializes") + "\n"
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let all: String = (0u8..0x80).map(char::from).chain("é€😀".chars()).collect();
        let long = format!("{all}{all} and some plain text to run past eight bytes");
        for s in [all.as_str(), &long, "", "plain", "plain text, no escape", "\"\\", "a\u{7f}b\u{1f}", "0123456\""] {
            let mut w = Writer { out: String::new(), level: 0 };
            w.string(s);
            assert_eq!(w.out, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn deep_nesting_is_indented_as_serde_json_does() {
        // Deeper than the indentation written in one piece, with empty containers on the way.
        let mut value = Expr::map([("leaf", Expr::list([Expr::int(-1), Expr::float(1.5), Expr::Null]))]);
        for i in 0..40 {
            let empty = [Expr::Map(IndexMap::new()), Expr::List(Vec::new())];
            value = Expr::map([("k", Expr::list([value, Expr::int(i)].into_iter().chain(empty)))]);
        }
        let mut t = Template::new("deep");
        t.metadata.insert("Deep".into(), value);
        assert_eq!(template(&t), serde_pretty(&t));
    }
}
