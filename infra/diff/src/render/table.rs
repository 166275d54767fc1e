//! A box-drawn table whose cells may hold several lines.

use super::{Paint, Style};

pub struct Row {
    /// One list of lines per column.
    pub cells: Vec<Vec<String>>,
    /// Colour of the first column (the `+`/`-` sign).
    pub sign: Option<Paint>,
}

/// Draws `rows` under `headers`; a rule separates rows whose second column differs, so the
/// statements of one resource stay together.
pub fn draw(headers: &[&str], rows: &[Row], style: &Style) -> String {
    let width = |text: &str| text.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = cell.iter().map(|l| width(l)).fold(*w, usize::max);
        }
    }
    let rule = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}\n", parts.join(mid))
    };
    let line = |cells: Vec<(&str, Option<Paint>)>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|((text, paint), w)| {
                let padded = format!("{text}{}", " ".repeat(w - width(text)));
                // Padding first, colour after: escape codes have no width.
                format!(" {} ", paint.map_or(padded.clone(), |p| style.paint(p, &padded)))
            })
            .collect();
        format!("│{}│\n", parts.join("│"))
    };

    let mut out = rule("┌", "┬", "┐");
    out += &line(headers.iter().map(|h| (*h, None)).collect());
    out += &rule("├", "┼", "┤");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 && rows[i - 1].cells.get(1) != row.cells.get(1) {
            out += &rule("├", "┼", "┤");
        }
        let height = row.cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for n in 0..height {
            let cells = (0..widths.len())
                .map(|c| {
                    let text = row.cells.get(c).and_then(|cell| cell.get(n)).map_or("", String::as_str);
                    (text, if c == 0 { row.sign } else { None })
                })
                .collect();
            out += &line(cells);
        }
    }
    out += &rule("└", "┴", "┘");
    out
}
