//! Rendering of reports.
