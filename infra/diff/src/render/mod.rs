//! Showing diffs: text for people, Markdown for pull requests, JSON for programs. Both are pure functions of the diffs,
//! so the same diffs always render to the same bytes.

mod json;
mod markdown;
mod table;
mod text;
mod value;

pub use json::{JSON_FORMAT_VERSION, render_json};
pub use markdown::{EnvironmentPlan, MarkdownOptions, render_markdown};
pub use table::plain as render_table;
pub use text::{render_text, summary_line};

/// How text output looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours (only when the output is a terminal that wants them: the caller decides).
    pub colour: bool,
    /// Unchanged lines shown around each change of a multi-line value.
    pub context_lines: usize,
    /// The widest a line may be (a terminal's columns): a wider table wraps its cells (other
    /// lines are not wrapped). `None` is as wide as the content, for a pipe or a file.
    pub width: Option<usize>,
}

impl Style {
    pub const PLAIN: Style = Style { colour: false, context_lines: 3, width: None };
    pub const COLOUR: Style = Style { colour: true, context_lines: 3, width: None };

    /// This style with lines at most `width` columns wide (`None`: as wide as the content).
    pub const fn with_width(self, width: Option<usize>) -> Style {
        Style { width, ..self }
    }
}

impl Default for Style {
    fn default() -> Style {
        Style::PLAIN
    }
}

/// ANSI SGR codes used by the text renderer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paint {
    Green,
    Red,
    Yellow,
    BoldRed,
    Bold,
    Dim,
}

impl Style {
    pub(crate) fn paint(&self, paint: Paint, text: &str) -> String {
        if !self.colour || text.is_empty() {
            return text.to_owned();
        }
        let code = match paint {
            Paint::Green => "32",
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::BoldRed => "1;31",
            Paint::Bold => "1",
            Paint::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// `text` as it reads without terminal escape sequences: CSI (colour, cursor movement,
/// clearing) up to its final character, OSC (titles, links) up to BEL or ST; other escapes
/// are two characters. What a user sees of coloured output, or of a terminal's recording.
pub fn strip_escapes(text: &str) -> String {
    let (mut out, mut chars) = (String::with_capacity(text.len()), text.chars());
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => _ = chars.by_ref().find(|c| ('@'..='~').contains(c)),
                Some(']') => _ = chars.by_ref().find(|&c| c == '\u{7}' || c == '\\'),
                _ => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_escapes;

    #[test]
    fn escapes_are_removed_and_text_kept() {
        // Colour, a cursor move with parameters, a hyperlink (OSC ended by ST and by BEL).
        let raw = "\x1b[1;31mfailed\x1b[0m \x1b[2K\x1b[12Dnext \x1b]8;;https://x\x1b\\link\x1b]8;;\x07 end";
        assert_eq!(strip_escapes(raw), "failed next link end");
        assert_eq!(strip_escapes("plain │ text"), "plain │ text");
    }
}
