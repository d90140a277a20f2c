//! A [`Doc`] as aligned plain text for a terminal (CJK characters and emoji count two columns,
//! zero-width marks none), optionally fitted to the terminal's width.

use unicode_width::UnicodeWidthStr;

use crate::render::{
    doc::{Block, Doc, blocks, bullets},
    fit,
};

/// The narrowest a table column is squeezed to when a table is fitted to a width.
const MIN_COLUMN: usize = 8;
/// The most lines a table cell wraps into when a table is fitted; the rest is cut with `…`
/// (the full text is in `--format json` or `markdown`).
const MAX_CELL_LINES: usize = 4;

/// `doc` as aligned text, ending with a newline.
pub fn render(doc: &Doc) -> String {
    blocks(doc, |b| block(b, None))
}

/// `doc` as aligned text fitted to `columns` terminal columns, ending with a newline: tables
/// give their widest columns' width up first and wrap those cells, label–value pairs and
/// paragraphs wrap, and nothing is cut inside a character.
pub fn render_within(doc: &Doc, columns: usize) -> String {
    blocks(doc, |b| block(b, Some(columns)))
}

fn block(block: &Block, fit: Option<usize>) -> String {
    let Some(max) = fit else {
        return natural(block);
    };
    match block {
        Block::Heading(..) => natural(block),
        Block::Text(text) => fit::wrap(&one_line(text), max).join("\n"),
        Block::Fields(fields) => {
            let label_width = fields.iter().map(|(l, _)| width(l)).max().unwrap_or(0);
            let value_width = max.saturating_sub(label_width + 2).max(MIN_COLUMN);
            fields
                .iter()
                .flat_map(|(label, value)| {
                    fit::wrap(&one_line(value), value_width)
                        .into_iter()
                        .enumerate()
                        .map(move |(i, line)| {
                            let head = if i == 0 {
                                one_line(label)
                            } else {
                                String::new()
                            };
                            format!("{}  {line}", pad(&head, label_width))
                                .trim_end()
                                .to_owned()
                        })
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Block::Table { headers, rows } => grid(headers, rows, Some(max)),
        Block::Terms(terms) => bullets(
            terms
                .iter()
                .map(|t| (t.depth, one_line(&t.term), one_line(&t.description))),
            "•",
        )
        .lines()
        .flat_map(|line| hang(line, max))
        .collect::<Vec<_>>()
        .join("\n"),
        Block::List(items) => items
            .iter()
            .flat_map(|item| hang(&format!("• {}", one_line(item)), max))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A bulleted line wrapped to `max`, its continuation lines indented under its text.
fn hang(line: &str, max: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len() + "• ".len();
    let mut lines = fit::wrap(
        line.trim_start(),
        max.saturating_sub(indent - 2).max(MIN_COLUMN),
    );
    let first = format!("{}{}", " ".repeat(indent - 2), lines.remove(0));
    let rest = fit::wrap(&lines.join(" "), max.saturating_sub(indent).max(MIN_COLUMN));
    std::iter::once(first)
        .chain(
            rest.into_iter()
                .filter(|l| !l.is_empty())
                .map(|l| format!("{}{l}", " ".repeat(indent))),
        )
        .collect()
}

fn natural(block: &Block) -> String {
    match block {
        Block::Heading(level, text) => {
            let text = one_line(text);
            let rule = if *level <= 1 { '═' } else { '─' };
            let underline: String = std::iter::repeat_n(rule, width(&text)).collect();
            format!("{text}\n{underline}")
        }
        Block::Text(text) => one_line(text),
        Block::Fields(fields) => {
            let label_width = fields.iter().map(|(l, _)| width(l)).max().unwrap_or(0);
            fields
                .iter()
                .map(|(label, value)| {
                    format!(
                        "{}  {}",
                        pad(&one_line(label), label_width),
                        one_line(value)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Block::Table { headers, rows } => grid(headers, rows, None),
        Block::Terms(terms) => bullets(
            terms
                .iter()
                .map(|t| (t.depth, one_line(&t.term), one_line(&t.description))),
            "•",
        ),
        Block::List(items) => bullets(
            items.iter().map(|item| (0, one_line(item), String::new())),
            "•",
        ),
    }
}

fn grid(headers: &[String], rows: &[Vec<String>], fit: Option<usize>) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width(&one_line(cell)));
        }
    }
    if let Some(max) = fit {
        let mut words: Vec<usize> = headers.iter().map(|h| fit::longest_word(h)).collect();
        let mut identifiers = vec![0; columns];
        for row in rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                let cell = one_line(cell);
                words[i] = words[i].max(fit::longest_word(&cell));
                identifiers[i] = identifiers[i].max(fit::longest_identifier(&cell));
            }
        }
        widths = fit::columns(&widths, &words, &identifiers, max, 2, MIN_COLUMN);
    }
    // A row is as many lines as its tallest cell wraps into.
    let line = |cells: &[String]| -> Vec<String> {
        let wrapped: Vec<Vec<String>> = (0..columns)
            .map(|i| {
                let cell = one_line(cells.get(i).map_or("", String::as_str));
                if width(&cell) <= widths[i] {
                    vec![cell]
                } else {
                    fit::clip(fit::wrap(&cell, widths[i]), MAX_CELL_LINES, widths[i])
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        (0..height)
            .map(|n| {
                let padded: Vec<String> = (0..columns)
                    .map(|i| pad(wrapped[i].get(n).map_or("", String::as_str), widths[i]))
                    .collect();
                padded.join("  ").trim_end().to_owned()
            })
            .collect()
    };
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    let mut lines = line(headers);
    lines.push(rule.join("  "));
    lines.extend(rows.iter().flat_map(|r| line(r)));
    lines.join("\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pad(text: &str, to: usize) -> String {
    let fill = to.saturating_sub(width(text));
    format!("{text}{}", " ".repeat(fill))
}

/// Terminal columns `text` takes, as `unicode-width` counts them: East Asian wide characters and
/// emoji two, zero-width marks none.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width() {
        // CJK and emoji take two columns; a combining mark (U+0301) and a zero-width space
        // (U+200B) none.
        let cases = [
            (
                ["市场", "market"],
                "Name    Value\n──────  ─────\n市场    1\nmarket  2\n",
            ),
            (
                ["🚀", "cafe\u{301}"],
                "Name  Value\n────  ─────\n🚀    1\ncafe\u{301}  2\n",
            ),
            (
                ["a\u{200b}b", "ab"],
                "Name  Value\n────  ─────\na\u{200b}b    1\nab    2\n",
            ),
        ];
        for ([first, second], expected) in cases {
            let mut doc = Doc::default();
            doc.table(
                &["Name", "Value"],
                vec![
                    vec![first.to_owned(), "1".to_owned()],
                    vec![second.to_owned(), "2".to_owned()],
                ],
            );
            assert_eq!(render(&doc), expected, "{first:?}, {second:?}");
        }
    }

    #[test]
    fn a_table_fits_the_width_wrapping_its_widest_column() {
        let mut doc = Doc::default();
        doc.table(
            &["Id", "Label"],
            vec![vec![
                "l3".to_owned(),
                "能行动的AI that can act in the world".to_owned(),
            ]],
        );
        let text = render_within(&doc, 20);
        for line in text.lines() {
            assert!(width(line) <= 20, "{line:?} in\n{text}");
        }
        assert!(text.contains("能行动的AI"), "{text}");
        assert_eq!(render_within(&doc, 200), render(&doc));
    }

    #[test]
    fn fields_and_paragraphs_wrap_under_their_start() {
        let mut doc = Doc::default();
        doc.fields(vec![(
            "Definition".to_owned(),
            "one two three four five six".to_owned(),
        )]);
        doc.text("alpha beta gamma delta");
        assert_eq!(
            render_within(&doc, 24),
            "Definition  one two\n            three four\n            five six\n\nalpha beta gamma delta\n"
        );
    }

    #[test]
    fn headings_are_underlined_to_their_width() {
        let mut doc = Doc::default();
        doc.heading(2, "市场 size");
        assert_eq!(render(&doc), "市场 size\n─────────\n");
    }
}
