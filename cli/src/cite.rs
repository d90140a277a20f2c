//! The citation in the machine formats: JSON gets a `citation` object (report, publisher,
//! edition, data version) after the report's own keys, CSV two last columns `edition` and
//! `data_version` on every row, so every format says which edition and data a figure is from.

use serde::Serialize;

use llmarket_proto::csv::CITATION_COLUMNS;

use crate::render::Citation;

/// The `citation` object of the JSON.
#[derive(Debug, Serialize)]
struct CitationJson<'a> {
    report: &'a str,
    publisher: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    edition: Option<i32>,
    data_version: &'a str,
}

/// A report with its citation after its own keys.
#[derive(Debug, Serialize)]
struct Cited<'a, R> {
    #[serde(flatten)]
    report: &'a R,
    citation: CitationJson<'a>,
}

/// `report` as pretty JSON ending in a newline, with `citation` as its last key; a report
/// that is not a JSON object (or has a `citation` of its own) is printed as it is.
pub(super) fn json<R: Serialize>(
    report: &R,
    citation: Option<&Citation>,
) -> Result<String, serde_json::Error> {
    let plain = serde_json::to_value(report)?;
    let cited = match citation {
        Some(c)
            if plain
                .as_object()
                .is_some_and(|o| !o.contains_key("citation")) =>
        {
            serde_json::to_string_pretty(&Cited {
                report,
                citation: CitationJson {
                    report: &c.report,
                    publisher: &c.publisher,
                    edition: c.edition,
                    data_version: &c.version,
                },
            })?
        }
        Some(_) | None => serde_json::to_string_pretty(report)?,
    };
    Ok(format!("{cited}\n"))
}

/// `csv` (RFC 4180, CRLF rows, a header first) with two more columns, `edition` and
/// `data_version`, filled from `citation` on every row. Quoted fields may hold line breaks.
pub(super) fn csv(csv: &str, citation: &Citation) -> String {
    let header = format!(",{}", CITATION_COLUMNS.join(","));
    let row = format!(
        ",{},{}",
        citation.edition.map(|y| y.to_string()).unwrap_or_default(),
        quoted(&citation.version)
    );
    let mut out = String::with_capacity(csv.len() + 64);
    let mut in_quotes = false;
    let mut first = true;
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c == '\r' && !in_quotes && chars.peek() == Some(&'\n') {
            out.push_str(if first { &header } else { &row });
            first = false;
        }
        out.push(c);
    }
    out
}

/// A CSV field, quoted when it must be.
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citation() -> Citation {
        Citation {
            report: "Report".to_owned(),
            publisher: "CIC".to_owned(),
            edition: Some(2026),
            version: "4ba1".to_owned(),
        }
    }

    #[test]
    fn json_gets_the_citation_last_and_once() {
        #[derive(Serialize)]
        struct Report {
            a: i32,
        }
        let text = json(&Report { a: 1 }, Some(&citation())).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["citation"]["edition"], 2026);
        assert_eq!(value["citation"]["data_version"], "4ba1");
        assert!(text.find("\"a\"") < text.find("\"citation\""), "{text}");
        assert_eq!(json(&Report { a: 1 }, None).unwrap(), "{\n  \"a\": 1\n}\n");
    }

    #[test]
    fn csv_gets_two_columns_on_every_row_even_across_quoted_line_breaks() {
        let csv_text = "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n";
        assert_eq!(
            csv(csv_text, &citation()),
            "a,b,edition,data_version\r\n1,\"x\r\ny\",2026,4ba1\r\n2,z,2026,4ba1\r\n"
        );
    }
}
