//! One-line doc comments from schema descriptions.

/// Longest doc line kept, in characters; longer first sentences are cut at a word.
const MAX_CHARS: usize = 200;

const SAYS_NOTHING: &[&str] = &["Optional.", "Required.", "Property description not available."];

/// The first sentence of a schema description, as one line of rustdoc markdown: markdown
/// links reduced to their text, ``` ``code`` ``` to `` `code` ``, and what rustdoc would
/// read as links or HTML (`[`, `]`, `<`, `>`, bare URLs) escaped outside code spans.
pub fn doc_line(description: &str) -> Option<String> {
    let first_line = description.trim_start().lines().next()?.trim();
    let mut text = strip_links(first_line).replace("``", "`");
    // Sentences that say nothing about the property give way to the next one.
    let mut sentence = first_sentence(&text);
    while SAYS_NOTHING.contains(&sentence.trim()) {
        text = text[sentence.len()..].to_owned();
        sentence = first_sentence(&text);
    }
    let text = collapse_whitespace(&sentence);
    let text = shorten(&text);
    let text = if text.matches('`').count() % 2 == 1 { text.replace('`', "") } else { text };
    let text = escape_markdown(&text);
    if text.is_empty() { None } else { Some(text) }
}

/// `[text](url)` → `text`.
fn strip_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let url_len = after[close + 2..].find(')')?;
            Some((close, close + 2 + url_len + 1))
        });
        match link {
            Some((close, end)) if !after[..close].contains('[') => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Up to the first `.` that ends a sentence (followed by a space or the end, outside code,
/// not an abbreviation like `e.g.`).
fn first_sentence(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut in_code = false;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code && chars.get(i + 1).is_none_or(|n| n.is_whitespace()) => {
                let before: String = chars[..i].iter().collect();
                let last_word = before.rsplit(char::is_whitespace).next().unwrap_or("").to_ascii_lowercase();
                if !matches!(last_word.as_str(), "e.g" | "i.e" | "etc" | "vs" | "inc" | "approx" | "no") {
                    return chars[..=i].iter().collect();
                }
            }
            _ => {}
        }
    }
    s.to_owned()
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s.to_owned();
    }
    let cut: String = s.chars().take(MAX_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(space) => &cut[..space],
        None => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// Escapes outside code spans; a leading block marker (`#`, `+`, `-`, `>`, ...) is escaped so
/// the line stays a paragraph.
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, segment) in s.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(segment); // code span: verbatim
            continue;
        }
        for (j, word) in segment.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            if word.starts_with("http://") || word.starts_with("https://") {
                let url = word.trim_end_matches(['.', ',', ';', ')']);
                out.push('<');
                out.push_str(url);
                out.push('>');
                out.push_str(&word[url.len()..]);
                continue;
            }
            for c in word.chars() {
                match c {
                    '[' => out.push_str("\\["),
                    ']' => out.push_str("\\]"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    _ => out.push(c),
                }
            }
        }
    }
    if out.starts_with(['#', '+', '-', '>', '*', '=', '|']) && !out.starts_with("**") {
        out.insert(0, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_without_links() {
        let d = "Specifies default encryption for a bucket using [SSE-S3](https://x.y/z). For more, see [docs](https://a.b).";
        assert_eq!(doc_line(d).unwrap(), "Specifies default encryption for a bucket using SSE-S3.");
    }

    #[test]
    fn code_spans_and_abbreviations() {
        let d = "The ``AWS::S3::Bucket`` resource, e.g. one named ``a.b``. More.";
        assert_eq!(doc_line(d).unwrap(), "The `AWS::S3::Bucket` resource, e.g. one named `a.b`.");
    }

    #[test]
    fn escapes_what_rustdoc_would_parse() {
        assert_eq!(
            doc_line("A list [of] <tags> at https://example.com/x.").unwrap(),
            "A list \\[of\\] &lt;tags&gt; at <https://example.com/x>."
        );
        assert_eq!(doc_line("+ a bullet").unwrap(), "\\+ a bullet");
        assert_eq!(doc_line("Keep `a<b>` as is.").unwrap(), "Keep `a<b>` as is.");
        assert_eq!(doc_line("   \n"), None);
    }

    #[test]
    fn empty_sentences_are_skipped() {
        assert_eq!(doc_line("Optional. The tag's key."), Some("The tag's key.".to_owned()));
        assert_eq!(doc_line("Property description not available."), None);
    }

    #[test]
    fn long_sentences_are_cut_at_a_word() {
        let d = "word ".repeat(100);
        let line = doc_line(&d).unwrap();
        assert!(line.ends_with("word…"), "{line}");
        assert!(line.chars().count() <= MAX_CHARS + 1);
    }
}
