//! A [`Doc`] as aligned plain text for a terminal (CJK characters and emoji count two columns,
//! zero-width marks none).

use unicode_width::UnicodeWidthStr;

use crate::render::doc::{Block, Doc, blocks, bullets};

/// `doc` as aligned text, ending with a newline.
pub fn render(doc: &Doc) -> String {
    blocks(doc, block)
}

fn block(block: &Block) -> String {
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
        Block::Table { headers, rows } => grid(headers, rows),
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

fn grid(headers: &[String], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width(&one_line(cell)));
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = (0..columns)
            .map(|i| {
                pad(
                    &one_line(cells.get(i).map_or("", String::as_str)),
                    widths[i],
                )
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    let mut lines = vec![line(headers), rule.join("  ")];
    lines.extend(rows.iter().map(|r| line(r)));
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
    fn headings_are_underlined_to_their_width() {
        let mut doc = Doc::default();
        doc.heading(2, "市场 size");
        assert_eq!(render(&doc), "市场 size\n─────────\n");
    }
}
