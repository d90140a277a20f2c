//! Rendering: every report becomes a small document model ([`Doc`]) that the Markdown and
//! terminal-table renderers print, JSON straight from serde, and an SVG chart of its series.

pub mod chart;
pub mod csv;
mod csv_analyst;
mod doc;
mod docs;
mod fit;
pub mod format;
pub mod markdown;
pub mod png;
mod punctuation;
mod records;
pub mod svg;
pub mod table;
pub(crate) mod words;

use serde::Serialize;

use llmarket_client::reports::Language;

pub use chart::{
    Bar, Bound, Chart, ChartError, ChartPoint, Citation, Event, Line, growth_path, sections,
    source_line, wants_log,
};
pub use doc::{Block, Doc, Term};

/// An output format of the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Pretty-printed JSON of the report's serde type.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// What the command can print: a serde type that also knows its document and its chart.
pub trait Render: Serialize {
    /// The report as a document.
    fn doc(&self) -> Doc;
    /// The report's series as a chart, if it has any (none by default).
    fn chart(&self) -> Option<Chart> {
        None
    }
    /// Words the command adds to the report's data (a derived value's `method`, a stated
    /// value's `note` where the data has it in that language) put in `language`, so that JSON
    /// and CSV speak it too; nothing to do by default.
    fn localize(&mut self, _language: Language) {}
}

/// `report` in `format`, ending with a newline.
pub fn render<R: Render>(report: &R, format: Format) -> Result<String, serde_json::Error> {
    Ok(match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(report)?;
            text.push('\n');
            text
        }
        Format::Markdown => markdown::render(&report.doc()),
        Format::Table => table::render(&report.doc()),
    })
}
