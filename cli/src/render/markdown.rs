//! A [`Doc`] as GitHub-flavoured Markdown.

use crate::render::doc::{Block, Doc, blocks, bullets};
use llmarket_client::reports::Language;

/// `doc` as Markdown: blocks separated by one blank line, ending with a newline.
pub fn render(doc: &Doc) -> String {
    // A field's label ends in the colon of the document's language.
    let colon = match doc.language {
        Language::En => ":",
        Language::Zh => "：",
    };
    blocks(doc, |b| block(b, colon))
}

fn block(block: &Block, colon: &str) -> String {
    match block {
        Block::Heading(level, text) => {
            format!(
                "{} {}",
                "#".repeat(usize::from((*level).clamp(1, 6))),
                inline(text)
            )
        }
        Block::Text(text) => inline(text),
        Block::Fields(fields) => fields
            .iter()
            .map(|(label, value)| format!("- **{}{colon}** {}", inline(label), inline(value)))
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Table { headers, rows } => {
            let mut lines = vec![row(headers), row(&vec!["---".to_owned(); headers.len()])];
            lines.extend(rows.iter().map(|r| row(r)));
            lines.join("\n")
        }
        Block::Terms(terms) => bullets(
            terms.iter().map(|t| {
                let term = format!("**{}**", inline(&t.term));
                (t.depth, term, inline(&t.description))
            }),
            "-",
        ),
        Block::List(items) => bullets(
            items.iter().map(|item| (0, inline(item), String::new())),
            "-",
        ),
    }
}

fn row(cells: &[String]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|c| inline(c).replace('|', "\\|"))
        .collect();
    format!("| {} |", cells.join(" | "))
}

/// Text on one line, with the characters Markdown would take as markup escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace('*', "\\*").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_render_as_markdown() {
        let mut doc = Doc::default();
        doc.heading(1, "Title");
        doc.fields(vec![("Year".to_owned(), "2026".to_owned())]);
        doc.table(
            &["A", "B"],
            vec![vec!["1|2".to_owned(), "19.3*".to_owned()]],
        );
        doc.tree(vec![
            (0, "Term".to_owned(), "what it\nmeans".to_owned()),
            (1, "Sub".to_owned(), String::new()),
        ]);
        assert_eq!(
            render(&doc),
            "# Title\n\n- **Year:** 2026\n\n| A | B |\n| --- | --- |\n| 1\\|2 | 19.3\\* |\n\n- **Term** — what it means\n  - **Sub**\n"
        );
    }

    #[test]
    fn chinese_fields_end_in_a_full_width_colon() {
        let mut doc = Doc::new(Language::Zh);
        doc.fields(vec![("数据集".to_owned(), "cic".to_owned())]);
        assert_eq!(render(&doc), "- **数据集：** cic\n");
    }
}
