//! A box-drawn table whose cells may hold several lines, wrapped to fit a width when one is given.

use std::borrow::Cow;

use textwrap::core::Word;

use super::{Paint, Style};

/// Narrowest a column is shrunk to (unless its header is wider): narrower, an ARN becomes a
/// column of fragments nobody can read.
const MIN_COLUMN: usize = 8;

/// Characters a wrapped line may break after, besides spaces: the separators of ARNs
/// (`arn:aws:s3:::bucket/key`), actions (`s3:GetObject`), names (`sdlf-raw`) and compact JSON.
const BREAK_AFTER: [char; 4] = [':', '/', ',', '-'];

pub struct Row {
    /// One list of lines per column.
    pub cells: Vec<Vec<String>>,
    /// Colour of the first column (the `+`/`-` sign).
    pub sign: Option<Paint>,
}

/// Draws `rows` under `headers`; with `grouped`, a rule separates rows whose second column
/// differs, so the statements of one resource stay together. A table wider than `style.width` has its widest
/// columns narrowed and their lines wrapped.
pub fn draw(headers: &[&str], rows: &[Row], style: &Style, grouped: bool) -> String {
    let natural = natural_widths(headers, rows);
    let widths = match style.width {
        Some(max) => fit(&natural, headers, max),
        None => natural,
    };
    let rule = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}\n", parts.join(mid))
    };
    let line = |cells: Vec<(&str, Option<Paint>)>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|((text, paint), w)| {
                let padded = format!("{text}{}", " ".repeat(w.saturating_sub(width(text))));
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
        if grouped && i > 0 && rows[i - 1].cells.get(1) != row.cells.get(1) {
            out += &rule("├", "┼", "┤");
        }
        let cells: Vec<Vec<Cow<str>>> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| row.cells.get(c).map_or_else(Vec::new, |cell| wrap_cell(cell, *w)))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for n in 0..height {
            let texts = cells.iter().enumerate().map(|(c, cell)| {
                let text = cell.get(n).map_or("", |l| l.as_ref());
                (text, if c == 0 { row.sign } else { None })
            });
            out += &line(texts.collect());
        }
    }
    out += &rule("└", "┴", "┘");
    out
}

/// A table of plain cells (their lines wrapped to `style.width` when too wide): the command
/// line's other tables (stacks and their states, dependencies) look like the plan's.
pub fn plain(headers: &[&str], rows: &[Vec<String>], style: &Style) -> String {
    let lines = |cell: &String| cell.lines().map(str::to_owned).collect();
    let rows: Vec<Row> = rows.iter().map(|r| Row { cells: r.iter().map(lines).collect(), sign: None }).collect();
    draw(headers, &rows, style, false)
}

/// Columns a text takes: its characters (cells hold plain text, colour comes after padding).
fn width(text: &str) -> usize {
    text.chars().count()
}

/// The widest line of each column, its header included.
fn natural_widths(headers: &[&str], rows: &[Row]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = cell.iter().map(|l| width(l)).fold(*w, usize::max);
        }
    }
    widths
}

/// Column widths for a table at most `max` columns wide: the widest column gives one column at
/// a time until the table fits, none below its header or [`MIN_COLUMN`]. When even those
/// minimums don't fit, the table is drawn at them and its lines are wider than `max`: cutting
/// headers or shrinking further would leave a table nobody can read.
fn fit(natural: &[usize], headers: &[&str], max: usize) -> Vec<usize> {
    // Each column has a space either side and a border on its left; one more border closes a line.
    let frame = 3 * natural.len() + 1;
    let budget = max.saturating_sub(frame);
    let minimum: Vec<usize> = natural.iter().zip(headers).map(|(n, h)| (*n).min(width(h).max(MIN_COLUMN))).collect();
    let mut widths = natural.to_vec();
    let mut excess = widths.iter().sum::<usize>().saturating_sub(budget);
    while excess > 0 {
        let Some(widest) = (0..widths.len()).filter(|&c| widths[c] > minimum[c]).max_by_key(|&c| widths[c]) else {
            break;
        };
        widths[widest] -= 1;
        excess -= 1;
    }
    widths
}

/// The lines of a cell, each wrapped to `columns`: lines that fit are kept as they are, so a table
/// that needs no wrapping is drawn as without a width.
fn wrap_cell(lines: &[String], columns: usize) -> Vec<Cow<'_, str>> {
    lines
        .iter()
        .flat_map(
            |line| if width(line) <= columns { vec![Cow::Borrowed(line.as_str())] } else { wrap_line(line, columns) },
        )
        .collect()
}

/// `line` in pieces at most `columns` wide, broken at spaces or after separators; words longer
/// than the column (ARNs, long action names) are broken anywhere.
fn wrap_line(line: &str, columns: usize) -> Vec<Cow<'_, str>> {
    // textwrap counts a character from U+1100 on as two columns: a piece never holds more
    // characters than `columns`, which is what the padding counts.
    let words = textwrap::core::break_words(words(line, columns), columns);
    let pieces = textwrap::wrap_algorithms::wrap_first_fit(&words, &[columns as f64]);
    pieces
        .iter()
        .map(|piece| {
            let text: String = piece.iter().flat_map(|w| [w.word, w.whitespace]).collect();
            // The spaces at a break are not shown.
            Cow::Owned(text.trim_end_matches(' ').to_owned())
        })
        .collect()
}

/// The pieces `line` may break between: after a run of spaces, and after the [`BREAK_AFTER`]
/// separators (the last of a run, so `:::` stays whole) unless the piece after it must be broken
/// anyway: `sqs:SendMe` / `ssage` reads better than `sqs:` / `SendMessag` / `e`.
fn words(line: &str, columns: usize) -> Vec<Word<'_>> {
    let is_separator = |c: char| BREAK_AFTER.contains(&c);
    // Where each piece starts, and whether a separator (rather than a space) ends the one before.
    let mut starts = vec![(0, false)];
    let mut chars = line.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        let Some(&(next_start, next)) = chars.peek() else { break };
        if ch == ' ' && next != ' ' {
            starts.push((next_start, false));
        } else if is_separator(ch) && next != ' ' && !is_separator(next) {
            starts.push((next_start, true));
        }
    }
    starts.push((line.len(), false));
    let fits = |start: usize, end: usize| width(line[start..end].trim_end_matches(' ')) <= columns;
    let kept: Vec<usize> = starts
        .windows(2)
        .filter(|pair| !pair[0].1 || fits(pair[0].0, pair[1].0))
        .map(|pair| pair[0].0)
        .chain([line.len()])
        .collect();
    kept.windows(2).map(|span| Word::from(&line[span[0]..span[1]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IAM_HEADERS: [&str; 7] = ["", "Held by", "Effect", "Action", "Resource", "Principal", "Condition"];

    fn cells(values: &[&[&str]]) -> Vec<Vec<String>> {
        values.iter().map(|cell| cell.iter().map(|l| (*l).to_owned()).collect()).collect()
    }

    /// Statements with long ARNs, actions and a logical id with no place to break; each held by
    /// another resource, so a rule separates every row.
    fn iam_rows(columns: usize) -> Vec<Row> {
        let rows = [
            cells(&[
                &["+"],
                &["DataLakeCrawlerRoleForTheRawStageOfTheLake"],
                &["Allow"],
                &["glue:BatchCreatePartition", "glue:GetTableVersions", "s3:ListBucketMultipartUploads"],
                &[
                    "!Sub arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${RawDatabase}/*",
                    "!GetAtt RawBucket.Arn",
                ],
                &[],
                &["StringEquals aws:SourceAccount = !Ref AWS::AccountId"],
            ]),
            cells(&[
                &["-"],
                &["QueuePolicy"],
                &["Deny"],
                &["sqs:SendMessage"],
                &["arn:aws:sqs:eu-west-1:123456789012:sdlf-raw-landing-zone-notifications-dead-letter-queue"],
                &["Service:sns.amazonaws.com", "AWS:arn:aws:iam::123456789012:role/sdlf-cicd-deployment-role"],
                &["ArnLike aws:SourceArn = [\"arn:aws:sns:eu-west-1:123456789012:raw\",\"!Ref Topic\"]"],
            ]),
        ];
        rows.into_iter()
            .enumerate()
            .map(|(i, mut cells)| {
                cells.truncate(columns);
                Row { cells, sign: Some(if i == 0 { Paint::Green } else { Paint::Red }) }
            })
            .collect()
    }

    fn without_whitespace(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Each row's cells read back from a drawn table (rows separated by rules), the pieces of a
    /// cell joined without whitespace.
    fn read_back(table: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut current: Vec<String> = Vec::new();
        // The top rule, the headers and their rule.
        for line in table.lines().skip(3) {
            if line.starts_with('│') {
                let pieces = line.trim_matches('│').split('│');
                current.resize(pieces.clone().count(), String::new());
                for (cell, piece) in current.iter_mut().zip(pieces) {
                    cell.push_str(&without_whitespace(piece));
                }
            } else {
                rows.push(std::mem::take(&mut current));
            }
        }
        rows
    }

    fn assert_fits_and_keeps_the_text(headers: &[&str], rows: &[Row], columns: usize) {
        let table = draw(headers, rows, &Style::PLAIN.with_width(Some(columns)), true);
        for line in table.lines() {
            assert!(width(line) <= columns, "wider than {columns}: {line}\n{table}");
        }
        let expected: Vec<Vec<String>> =
            rows.iter().map(|row| row.cells.iter().map(|cell| without_whitespace(&cell.concat())).collect()).collect();
        assert_eq!(read_back(&table), expected, "\n{table}");
    }

    #[test]
    fn without_a_width_or_with_room_the_table_is_as_wide_as_its_content() {
        let rows = iam_rows(7);
        let natural = draw(&IAM_HEADERS, &rows, &Style::PLAIN, true);
        let longest = natural.lines().map(width).max();
        assert!(longest > Some(200), "{natural}");
        assert!(natural.lines().all(|l| Some(width(l)) == longest), "{natural}");
        assert_eq!(draw(&IAM_HEADERS, &rows, &Style::PLAIN.with_width(longest), true), natural);
        assert_eq!(draw(&IAM_HEADERS, &rows, &Style::PLAIN.with_width(Some(10_000)), true), natural);
    }

    #[test]
    fn a_narrowed_table_fits_and_keeps_every_character() {
        assert_fits_and_keeps_the_text(&IAM_HEADERS, &iam_rows(7), 80);
        // Seven columns need 71 at least; five fit in 60.
        assert_fits_and_keeps_the_text(&IAM_HEADERS[..5], &iam_rows(5), 60);
    }

    #[test]
    fn lines_break_at_spaces_and_separators_before_anywhere() {
        let wrapped = |line: &str, columns| -> Vec<String> {
            wrap_cell(&[line.to_owned()], columns).into_iter().map(Cow::into_owned).collect()
        };
        let arn = "!Sub arn:${AWS::Partition}:s3:::${RawBucket}/raw/*";
        assert_eq!(wrapped(arn, 20), ["!Sub arn:${AWS::", "Partition}:s3:::", "${RawBucket}/raw/*"]);
        assert_eq!(wrapped("sdlf-raw-landing-zone", 10), ["sdlf-raw-", "landing-", "zone"]);
        assert_eq!(wrapped("sqs:SendMessage", 12), ["sqs:", "SendMessage"]);
        // Cutting `s3:` off would not spare breaking the action.
        assert_eq!(wrapped("s3:ListBucketMultipartUploads", 12), ["s3:ListBucke", "tMultipartUp", "loads"]);
        assert_eq!(wrapped("a line that fits   ", 20), ["a line that fits   "]);
    }

    #[test]
    fn the_widest_columns_give_first_and_none_below_its_minimum() {
        // The frame of three columns takes 10: 30 are left.
        assert_eq!(fit(&[1, 50, 20], &["", "Action", "Resource"], 40), [1, 15, 14]);
        assert_eq!(fit(&[1, 50, 20], &["", "Action", "Resource"], 20), [1, 8, 8]);
        assert_eq!(fit(&[1, 50, 20], &["", "Action", "Conditions"], 20), [1, 8, 10]);
    }

    #[test]
    fn when_even_the_minimums_do_not_fit_the_table_is_drawn_at_them() {
        let table = draw(&IAM_HEADERS, &iam_rows(7), &Style::PLAIN.with_width(Some(40)), true);
        assert!(table.lines().all(|l| width(l) == 71), "{table}");
    }

    #[test]
    fn colour_is_not_counted_in_the_width() {
        let rows = iam_rows(5);
        let coloured = draw(&IAM_HEADERS[..5], &rows, &Style::COLOUR.with_width(Some(60)), true);
        assert!(coloured.contains("\x1b[32m+"), "{coloured}");
        assert!(coloured.lines().all(|l| width(&crate::strip_escapes(l)) <= 60), "{coloured}");
        let plain = draw(&IAM_HEADERS[..5], &rows, &Style::PLAIN.with_width(Some(60)), true);
        assert_eq!(crate::strip_escapes(&coloured), plain);
    }

    #[test]
    fn a_plain_table_has_no_rules_between_its_rows_and_fits_its_width() {
        let rows = vec![
            vec!["anycompany-datalake-dev-team-engineering".to_owned(), "CREATE_COMPLETE".to_owned()],
            vec!["anycompany-datalake-dev-catalog".to_owned(), "not deployed".to_owned()],
        ];
        let table = plain(&["STACK", "STATUS"], &rows, &Style::PLAIN.with_width(Some(40)));
        assert_eq!(table.lines().filter(|l| l.starts_with('├')).count(), 1, "only below the header:\n{table}");
        assert!(table.lines().all(|l| l.chars().count() <= 40), "{table}");
        assert!(table.contains("engineering") && table.contains("not deployed"), "{table}");
    }
}
