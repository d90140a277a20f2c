//! The AIP-160 filter subsets of contract v2, parsed strictly: terms `FIELD OP VALUE` joined by
//! `AND`, where each method accepts only the fields, operators and values its proto documents.
//! Anything else (OR, NOT, parentheses, other fields or operators, a malformed literal) is
//! INVALID_ARGUMENT with a `google.rpc.BadRequest` violation of `filter` saying what is not
//! supported.

use tonic::Status;

use super::super::model::{MAX_YEAR, MIN_YEAR};
use llmarket_kit::status::{echo, invalid_argument};
use llmarket_proto::names::{SeriesName, v2::ConceptName};

/// A comparison of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `:` (has)
    Has,
}

/// A literal of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// A double-quoted string.
    Text(String),
    /// An integer.
    Int(i64),
}

/// One `FIELD OP VALUE` term.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: String,
    op: Op,
    value: Value,
}

fn bad(description: impl Into<String>) -> Status {
    invalid_argument("filter", description)
}

/// Splits `filter` into its terms; an empty (or all-whitespace) filter has none.
fn terms(filter: &str) -> Result<Vec<Term>, Status> {
    let mut terms = Vec::new();
    let mut rest = filter.trim_start();
    while !rest.is_empty() {
        if !terms.is_empty() {
            let Some(after) = rest
                .strip_prefix("AND")
                .filter(|r| r.starts_with(char::is_whitespace))
            else {
                let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
                return Err(bad(format!(
                    "{} is not supported here; join terms with AND",
                    echo(&word)
                )));
            };
            rest = after.trim_start();
        }
        let field_len = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(rest.len());
        if field_len == 0 {
            let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            return Err(bad(format!(
                "{} is not supported; write terms FIELD OP VALUE joined by AND",
                echo(&word)
            )));
        }
        let field = &rest[..field_len];
        if matches!(field, "OR" | "NOT") {
            return Err(bad(format!("{field} is not supported; only AND")));
        }
        rest = rest[field_len..].trim_start();
        let (op, after) = if let Some(r) = rest.strip_prefix(">=") {
            (Op::Ge, r)
        } else if let Some(r) = rest.strip_prefix("<=") {
            (Op::Le, r)
        } else if let Some(r) = rest.strip_prefix('=') {
            (Op::Eq, r)
        } else if let Some(r) = rest.strip_prefix(':') {
            (Op::Has, r)
        } else {
            let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            return Err(bad(format!(
                "after {field}: {} is not a supported operator; use =, >=, <= or :",
                echo(&word)
            )));
        };
        rest = after.trim_start();
        let (value, after) = literal(rest)?;
        rest = after.trim_start();
        terms.push(Term {
            field: field.to_owned(),
            op,
            value,
        });
    }
    Ok(terms)
}

/// The literal `text` starts with and what follows it.
fn literal(text: &str) -> Result<(Value, &str), Status> {
    if let Some(body) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((Value::Text(value), &body[i + 1..])),
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => value.push(e),
                    _ => return Err(bad("only \\\" and \\\\ may be escaped in a string")),
                },
                c => value.push(c),
            }
        }
        return Err(bad("a string is not closed; end it with \""));
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let word = &text[..end];
    match word.parse::<i64>() {
        Ok(n) => Ok((Value::Int(n), &text[end..])),
        Err(_) if word.is_empty() => Err(bad("a term has no value")),
        Err(_) => Err(bad(format!(
            "{} is not a supported value; write a \"string\" or an integer",
            echo(word)
        ))),
    }
}

/// What a ListConcepts filter keeps: every condition holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConceptFilter {
    /// `broader = "NAME"` (`Some`, a concept name) or `broader = ""` (`None`: top concepts).
    pub broader: Vec<Option<String>>,
    /// `series:"NAME"`: the concept explains this series (`datasets/{d}/series/{s}`).
    pub series: Vec<String>,
}

impl ConceptFilter {
    /// Parses a ListConcepts `filter`.
    pub fn parse(filter: &str) -> Result<Self, Status> {
        let mut parsed = Self::default();
        for term in terms(filter)? {
            match (term.field.as_str(), term.op, term.value) {
                ("broader", Op::Eq, Value::Text(name)) if name.is_empty() => {
                    parsed.broader.push(None);
                }
                ("broader", Op::Eq, Value::Text(name)) => {
                    ConceptName::parse(&name).map_err(|e| bad(format!("broader: {e}")))?;
                    parsed.broader.push(Some(name));
                }
                ("series", Op::Has, Value::Text(name)) => {
                    SeriesName::parse(&name).map_err(|e| bad(format!("series: {e}")))?;
                    parsed.series.push(name);
                }
                (field, _, _) => {
                    return Err(bad(format!(
                        "the term on {} is not supported; use broader = \"NAME\", broader = \"\" \
                         or series:\"NAME\", joined with AND",
                        echo(field)
                    )));
                }
            }
        }
        Ok(parsed)
    }
}

/// What a ListMilestones filter keeps: every condition holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MilestoneFilter {
    /// The first year, if bounded.
    pub start_year: Option<i32>,
    /// The last year, if bounded.
    pub end_year: Option<i32>,
    /// `concepts:"NAME"`: the milestone concerns this concept.
    pub concepts: Vec<String>,
}

impl MilestoneFilter {
    /// Parses a ListMilestones `filter`.
    pub fn parse(filter: &str) -> Result<Self, Status> {
        let mut parsed = Self::default();
        for term in terms(filter)? {
            match (term.field.as_str(), term.op, term.value) {
                ("year", op @ (Op::Eq | Op::Ge | Op::Le), Value::Int(year)) => {
                    let year = i32::try_from(year)
                        .ok()
                        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
                        .ok_or_else(|| {
                            bad(format!(
                                "year {year} is out of range {MIN_YEAR}..={MAX_YEAR}"
                            ))
                        })?;
                    if matches!(op, Op::Eq | Op::Ge) {
                        parsed.start_year = Some(parsed.start_year.map_or(year, |y| y.max(year)));
                    }
                    if matches!(op, Op::Eq | Op::Le) {
                        parsed.end_year = Some(parsed.end_year.map_or(year, |y| y.min(year)));
                    }
                }
                ("concepts", Op::Has, Value::Text(name)) => {
                    ConceptName::parse(&name).map_err(|e| bad(format!("concepts: {e}")))?;
                    parsed.concepts.push(name);
                }
                (field, _, _) => {
                    return Err(bad(format!(
                        "the term on {} is not supported; use year >= Y, year <= Y, year = Y or \
                         concepts:\"NAME\", joined with AND",
                        echo(field)
                    )));
                }
            }
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic_types::StatusExt as _;

    use super::*;

    #[track_caller]
    fn rejected(status: Status, needle: &str) {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let details = status.get_error_details();
        let violations = &details.bad_request().expect("bad request").field_violations;
        assert_eq!(violations[0].field, "filter");
        assert!(status.message().contains(needle), "{}", status.message());
    }

    #[test]
    fn concept_filters_parse() {
        let name = "datasets/d/schemes/s/concepts/c";
        assert_eq!(
            ConceptFilter::parse("  ").unwrap(),
            ConceptFilter::default()
        );
        let parsed = ConceptFilter::parse(&format!(
            "broader = \"{name}\" AND series:\"datasets/d/series/x\"  AND broader=\"\""
        ))
        .unwrap();
        assert_eq!(parsed.broader, [Some(name.to_owned()), None]);
        assert_eq!(parsed.series, ["datasets/d/series/x"]);
    }

    #[test]
    fn concept_filters_reject_what_is_not_supported() {
        let cases = [
            ("broader = \"a\" OR broader = \"\"", "join terms with AND"),
            ("NOT broader = \"\"", "not supported"),
            ("notation = \"L3\"", "notation"),
            ("broader != \"\"", "not a supported operator"),
            ("broader > \"\"", "not a supported operator"),
            ("broader = 3", "not supported"),
            ("broader:\"\"", "not supported"),
            ("broader = \"schemes/s/concepts/c\"", "broader:"),
            ("series:\"x\"", "series:"),
            ("broader = \"open", "not closed"),
            ("broader =", "no value"),
            ("(broader = \"\")", "not supported"),
            ("broader = \"\" AND", "not supported"),
            (
                "broader = \"\" and series:\"datasets/d/series/x\"",
                "join terms with AND",
            ),
        ];
        for (filter, needle) in cases {
            rejected(ConceptFilter::parse(filter).unwrap_err(), needle);
        }
    }

    #[test]
    fn milestone_filters_parse_and_reject() {
        let parsed = MilestoneFilter::parse(
            "year >= 2024 AND year <= 2030 AND year >= 2025 AND concepts:\"datasets/d/schemes/s/concepts/c\"",
        )
        .unwrap();
        assert_eq!(
            (parsed.start_year, parsed.end_year),
            (Some(2025), Some(2030))
        );
        assert_eq!(parsed.concepts.len(), 1);
        let exact = MilestoneFilter::parse("year = 2027").unwrap();
        assert_eq!((exact.start_year, exact.end_year), (Some(2027), Some(2027)));
        for (filter, needle) in [
            ("year > 2024", "not a supported operator"),
            ("year = \"2024\"", "not supported"),
            ("year = 1800", "out of range"),
            ("year = 99999999999", "out of range"),
            ("month = 3", "month"),
            (
                "concepts = \"datasets/d/schemes/s/concepts/c\"",
                "not supported",
            ),
            ("year = 2024x", "not a supported value"),
        ] {
            rejected(MilestoneFilter::parse(filter).unwrap_err(), needle);
        }
    }
}
