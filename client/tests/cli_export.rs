//! End-to-end tests of the export options of `llmarket` (CSV, --output, --lang tags, completions).
