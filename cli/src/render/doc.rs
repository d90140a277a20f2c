//! The document model every report becomes ([`Doc`]: headings, text, fields, tables, lists), and
//! the layout the Markdown and table renderers share.

use llmarket_client::reports::Language;

/// A block of a rendered document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the title.
    Heading(u8, String),
    /// A paragraph.
    Text(String),
    /// Label–value pairs.
    Fields(Vec<(String, String)>),
    /// A table: a header row, then rows of the same width.
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// The rows.
        rows: Vec<Vec<String>>,
    },
    /// A list of terms, each with an optional description, nested by depth (0 = top).
    Terms(Vec<Term>),
    /// A plain list.
    List(Vec<String>),
}

/// A term in a [`Block::Terms`] list.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Nesting depth: 0 for a top item, 1 under it, and so on.
    pub depth: usize,
    /// The term.
    pub term: String,
    /// What it means; may be empty.
    pub description: String,
}

/// A document: what a report says, independent of the output format.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// The language of its words (the Markdown renderer's punctuation follows it).
    pub language: Language,
    /// The blocks in order.
    pub blocks: Vec<Block>,
}

impl Doc {
    /// An empty document in `language`.
    pub fn new(language: Language) -> Self {
        Self {
            language,
            blocks: Vec::new(),
        }
    }

    /// Appends a heading.
    pub fn heading(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading(level, text.into()));
    }

    /// Appends a paragraph (nothing if empty).
    pub fn text(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.blocks.push(Block::Text(text));
        }
    }

    /// Appends label–value pairs.
    pub fn fields(&mut self, fields: Vec<(String, String)>) {
        if !fields.is_empty() {
            self.blocks.push(Block::Fields(fields));
        }
    }

    /// Appends a table.
    pub fn table(&mut self, headers: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        });
    }

    /// Appends a flat list of terms.
    pub fn terms(&mut self, terms: Vec<(String, String)>) {
        self.tree(terms.into_iter().map(|(t, d)| (0, t, d)).collect());
    }

    /// Appends a nested list of `(depth, term, description)`.
    pub fn tree(&mut self, terms: Vec<(usize, String, String)>) {
        self.blocks.push(Block::Terms(
            terms
                .into_iter()
                .map(|(depth, term, description)| Term {
                    depth,
                    term,
                    description,
                })
                .collect(),
        ));
    }

    /// Appends a plain list.
    pub fn list(&mut self, items: Vec<String>) {
        self.blocks.push(Block::List(items));
    }
}

/// `doc` with each block rendered by `block`, separated by one blank line, ending with a newline.
pub(super) fn blocks(doc: &Doc, block: impl Fn(&Block) -> String) -> String {
    let blocks: Vec<String> = doc.blocks.iter().map(block).collect();
    let mut text = blocks.join("\n\n");
    text.push('\n');
    text
}

/// Bulleted lines `(depth, head, description)`: indented two spaces per depth, then `bullet`,
/// the head, and ` — description` when there is one; the Markdown and table renderers differ
/// only in the bullet and how they escape the texts.
pub(super) fn bullets(
    items: impl IntoIterator<Item = (usize, String, String)>,
    bullet: &str,
) -> String {
    items
        .into_iter()
        .map(|(depth, head, description)| {
            let indent = "  ".repeat(depth);
            if description.is_empty() {
                format!("{indent}{bullet} {head}")
            } else {
                format!("{indent}{bullet} {head} — {description}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
