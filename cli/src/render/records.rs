//! `--format csv` of what is not a value: milestones (one row each) and concepts (one row per
//! concept and language, as the taxonomy gives them), tidy like the values' CSV: codes and
//! identifiers as the JSON has them, texts in the language their `language` column names (a
//! milestone's in the `--lang` language).

use std::borrow::Cow;

use crate::render::csv::{COLUMNS, Records, Value, Values, value_records};
use llmarket_client::reports::{
    Timeline,
    direct::Milestones,
    discovery::{CapabilityLadder, ConceptList},
    model::{ConceptSummary, MilestoneItem},
    short_id,
};

/// The columns of a milestone.
const MILESTONE_COLUMNS: [&str; 8] = [
    "milestone",
    "year",
    "month",
    "end_of_year",
    "title",
    "description",
    "concepts",
    "source",
];

/// The columns of a concept; `current` and `position` only for the capability ladder.
const CONCEPT_COLUMNS: [&str; 10] = [
    "concept",
    "scheme",
    "notation",
    "language",
    "label",
    "alt_labels",
    "definition",
    "broader",
    "series",
    "source",
];

/// What separates the items of a list in one field (alternative labels, concepts).
const LIST_SEPARATOR: &str = " | ";

/// A milestone's fields under [`MILESTONE_COLUMNS`].
fn milestone_row(m: &MilestoneItem) -> Vec<String> {
    vec![
        m.name.clone(),
        m.year.to_string(),
        m.month.map(|month| month.to_string()).unwrap_or_default(),
        m.end_of_year.to_string(),
        m.title.clone(),
        m.description.clone(),
        m.concepts.join(LIST_SEPARATOR),
        m.source.clone(),
    ]
}

/// The value records `values` (under [`COLUMNS`]) followed by one row per milestone: `measure`
/// is `milestone`, `year` and `source` are the milestone's, and the milestone's own columns
/// (those of `milestones` but its year and source) come after the values' columns.
fn beside_values<'a>(
    mut values: Records,
    milestones: impl Iterator<Item = &'a MilestoneItem>,
) -> Records {
    let extra: Vec<&'static str> = MILESTONE_COLUMNS
        .into_iter()
        .filter(|c| !matches!(*c, "year" | "source"))
        .collect();
    for row in &mut values.rows {
        row.resize(COLUMNS.len() + extra.len(), String::new());
    }
    for m in milestones {
        let mut row: Vec<String> = COLUMNS
            .iter()
            .map(|column| match *column {
                "measure" => "milestone".to_owned(),
                "year" => m.year.to_string(),
                "source" => m.source.clone(),
                _ => String::new(),
            })
            .collect();
        row.extend(
            MILESTONE_COLUMNS
                .iter()
                .zip(milestone_row(m))
                .filter(|(c, _)| !matches!(**c, "year" | "source"))
                .map(|(_, field)| field),
        );
        values.rows.push(row);
    }
    values.header.extend(extra);
    values
}

/// One row per language of `concept` (the taxonomy's order, the source's language first); its
/// label and definition in the requested language when the taxonomy sent no `languages`.
fn concept_rows(concept: &ConceptSummary, language: &str) -> Vec<Vec<String>> {
    let scheme = concept
        .name
        .split("/concepts/")
        .next()
        .unwrap_or_default()
        .to_owned();
    let row = |code: &str, label: &str, alt: &[String], definition: &str| {
        vec![
            concept.name.clone(),
            scheme.clone(),
            concept.notation.clone().unwrap_or_default(),
            code.to_owned(),
            label.to_owned(),
            alt.join(LIST_SEPARATOR),
            definition.to_owned(),
            concept.broader.join(LIST_SEPARATOR),
            concept.series.join(LIST_SEPARATOR),
            concept.source.clone(),
        ]
    };
    if concept.languages.is_empty() {
        return vec![row(language, &concept.label, &[], &concept.definition)];
    }
    concept
        .languages
        .iter()
        .map(|t| row(&t.language_code, &t.label, &t.alt_labels, &t.definition))
        .collect()
}

impl Values for Milestones {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        None
    }

    fn records(&self) -> Option<Records> {
        Some(Records {
            header: MILESTONE_COLUMNS.to_vec(),
            rows: self.milestones.iter().map(milestone_row).collect(),
        })
    }
}

impl Values for ConceptList {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        None
    }

    fn records(&self) -> Option<Records> {
        let code = self.language.code();
        Some(Records {
            header: CONCEPT_COLUMNS.to_vec(),
            rows: self
                .concepts
                .iter()
                .flat_map(|c| concept_rows(c, code))
                .collect(),
        })
    }
}

impl Values for CapabilityLadder {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        None
    }

    /// The levels as concepts, with `current` (the level the report calls current) and
    /// `position` (where models stand on it).
    fn records(&self) -> Option<Records> {
        let code = self.language.code();
        let mut header = CONCEPT_COLUMNS.to_vec();
        header.extend(["current", "position"]);
        let rows = self
            .levels
            .iter()
            .flat_map(|level| {
                let current = self.current.as_deref() == Some(level.name.as_str());
                let position = if current {
                    self.position.clone().unwrap_or_default()
                } else {
                    String::new()
                };
                concept_rows(level, code).into_iter().map(move |mut row| {
                    row.extend([current.to_string(), position.clone()]);
                    row
                })
            })
            .collect();
        Some(Records { header, rows })
    }
}

impl Values for Timeline {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        Some(
            self.years
                .iter()
                .filter_map(|y| y.market_size.as_ref())
                .map(|point| {
                    Value::of_year(
                        short_id(&self.series),
                        "value",
                        Cow::Borrowed(point),
                        &self.note,
                    )
                })
                .collect(),
        )
    }

    /// The market size's values, then each milestone as a row of its own (`measure`
    /// `milestone`, the milestone's columns after the values').
    fn records(&self) -> Option<Records> {
        let values = value_records(self.values()?);
        let milestones = self
            .years
            .iter()
            .flat_map(|y| y.milestones.iter().flatten());
        Some(beside_values(values, milestones))
    }
}
