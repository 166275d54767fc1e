//! Values for display: short scalars inline, everything else as lines to diff.

use sdlf_cfn::Expr;

/// Longest value shown inline; longer ones are diffed line by line.
const INLINE_MAX: usize = 60;

/// The value on one line, if it is short enough: strings JSON-quoted (so `"x"` and `!Ref x`
/// cannot be confused), intrinsics in the YAML short form (`!GetAtt Role.Arn`), small literal
/// lists and maps as compact JSON (`["Table"]`).
pub fn inline(expr: &Expr) -> Option<String> {
    let text = match expr {
        Expr::Map(_) | Expr::List(_) if expr.is_literal() => serde_json::to_string(expr).ok()?,
        Expr::Map(_) | Expr::List(_) => return None,
        Expr::String(s) => serde_json::Value::String(s.clone()).to_string(),
        other => sdlf_policy::render_value(other),
    };
    (text.chars().count() <= INLINE_MAX && !text.contains('\n')).then_some(text)
}

/// The value as lines for a line diff: a string as its own lines (inline code, state machine
/// definitions), anything else as pretty CloudFormation JSON. Absent is no lines.
pub fn lines(expr: Option<&Expr>) -> String {
    let mut text = match expr {
        None => return String::new(),
        Some(Expr::String(s)) => s.clone(),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The value as CloudFormation JSON.
pub fn json(expr: &Expr) -> serde_json::Value {
    serde_json::to_value(expr).unwrap_or(serde_json::Value::Null)
}
