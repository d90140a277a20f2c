//! The tidy CSV that `llmarket --format csv` writes and `llmarket-server data import` reads back
//! (docs/cli.md, docs/configuration.md): its columns, named once so the writer and the reader
//! cannot drift apart.

/// The columns of a value row, in order: the series, what the value measures, its year (and
/// the year a rate starts from), the value with its interval, unit and provenance, and the
/// report's words about it.
pub const VALUE_COLUMNS: [&str; 18] = [
    "series",
    "measure",
    "from_year",
    "year",
    "value",
    "low",
    "high",
    "width_unknown",
    "unit",
    "qualifier",
    "kind",
    "provenance",
    "method",
    "past_horizon",
    "source",
    "note",
    "quote",
    "series_note",
];

/// The columns the command writes last on every row, naming the edition and the data version
/// the values were read from; the import ignores them.
pub const CITATION_COLUMNS: [&str; 2] = ["edition", "data_version"];
