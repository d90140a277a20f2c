//! A [`Doc`] as aligned plain text for a terminal (CJK characters count two columns).

use crate::render::{Block, Doc};

/// `doc` as aligned text, ending with a newline.
pub fn render(doc: &Doc) -> String {
    let blocks: Vec<String> = doc.blocks.iter().map(block).collect();
    let mut text = blocks.join("\n\n");
    text.push('\n');
    text
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
        Block::Terms(terms) => terms
            .iter()
            .map(|t| {
                let indent = "  ".repeat(t.depth);
                if t.description.is_empty() {
                    format!("{indent}• {}", one_line(&t.term))
                } else {
                    format!(
                        "{indent}• {} — {}",
                        one_line(&t.term),
                        one_line(&t.description)
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::List(items) => items
            .iter()
            .map(|item| format!("• {}", one_line(item)))
            .collect::<Vec<_>>()
            .join("\n"),
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

/// Terminal columns `text` takes: East Asian wide and full-width characters count two.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_with_wide_characters() {
        let mut doc = Doc::default();
        doc.table(
            &["Name", "Value"],
            vec![
                vec!["市场".to_owned(), "1".to_owned()],
                vec!["market".to_owned(), "22".to_owned()],
            ],
        );
        assert_eq!(
            render(&doc),
            "Name    Value\n──────  ─────\n市场    1\nmarket  22\n"
        );
    }

    #[test]
    fn headings_are_underlined_to_their_width() {
        let mut doc = Doc::default();
        doc.heading(2, "市场 size");
        assert_eq!(render(&doc), "市场 size\n─────────\n");
    }
}
