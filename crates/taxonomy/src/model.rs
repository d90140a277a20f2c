//! The vocabulary's domain types: schemes, concepts, milestones and their texts. Plain Rust, no
//! tonic; they are assembled into a [`super::vocabulary::Vocabulary`] once by [`super::load`] and
//! are immutable afterwards.

use std::collections::BTreeMap;

use llmarket_kit::hash::IdMap;

use super::language::Lang;

/// Earliest year a milestone or a ListMilestones bound may name.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a milestone or a ListMilestones bound may name.
pub const MAX_YEAR: i32 = 2200;

/// Index of a concept in [`Vocabulary::concepts`](super::vocabulary::Vocabulary::concepts). Concepts are stored scheme by scheme in
/// scheme order, each scheme's in vocabulary order, so the index order is the tie order of search.
pub type ConceptIndex = u32;

/// A text in each language the vocabulary has; an empty string where a text is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    /// Simplified Chinese, the source language.
    pub zh_hans: String,
    /// English.
    pub en: String,
}

impl Texts {
    /// The text in `lang` (empty if absent).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhHans => &self.zh_hans,
            Lang::En => &self.en,
        }
    }

    /// The texts that are present, the source language first.
    pub fn present(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL
            .into_iter()
            .map(|lang| (lang, self.get(lang)))
            .filter(|(_, text)| !text.is_empty())
    }
}

/// One concept scheme.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// The id, e.g. `capability-levels`.
    pub id: String,
    /// `schemes/{id}`.
    pub name: String,
    /// The title.
    pub title: Texts,
    /// What the scheme covers.
    pub definition: Texts,
    /// The section of the source report, e.g. "2.2".
    pub source: String,
    /// The forecast dataset the vocabulary belongs to, `datasets/{dataset}`.
    pub dataset: String,
    /// The scheme's concepts, in vocabulary order.
    pub concepts: Vec<ConceptIndex>,
    /// The concepts without a broader concept, in vocabulary order.
    pub top_concepts: Vec<ConceptIndex>,
    /// Concept id → index.
    pub(crate) concept_ids: IdMap<ConceptIndex>,
}

/// One concept of a scheme.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The id within its scheme, e.g. `l3`.
    pub id: String,
    /// `schemes/{scheme}/concepts/{id}`.
    pub name: String,
    /// Index of its scheme in [`Vocabulary::schemes`](super::vocabulary::Vocabulary::schemes).
    pub scheme: usize,
    /// A short code such as "L3"; empty when the concept has none.
    pub notation: String,
    /// The preferred label, present in every language.
    pub pref_label: Texts,
    /// The definition.
    pub definition: Texts,
    /// Alternative labels, each in one language.
    pub alt_labels: Vec<(Lang, String)>,
    /// Broader concepts (same scheme), as written.
    pub broader: Vec<ConceptIndex>,
    /// Narrower concepts, in vocabulary order.
    pub narrower: Vec<ConceptIndex>,
    /// Related concepts, possibly in other schemes; symmetric.
    pub related: Vec<ConceptIndex>,
    /// The path to the top through each first broader concept: the broader concept first.
    pub ancestors: Vec<ConceptIndex>,
    /// Forecast series the concept explains, `datasets/{dataset}/series/{series}`.
    pub series: Vec<String>,
    /// The section of the source report.
    pub source: String,
    /// Free attributes, e.g. `current_level` = "border".
    pub attributes: BTreeMap<String, String>,
}

/// A dated event the report names.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// The id.
    pub id: String,
    /// `milestones/{id}`.
    pub name: String,
    /// Calendar year.
    pub year: i32,
    /// Month 1..=12 where the report gives one.
    pub month: Option<u8>,
    /// Whether the report places the event at the end of the year (年末).
    pub end_of_year: bool,
    /// The title.
    pub title: Texts,
    /// The description.
    pub description: Texts,
    /// The concepts the event concerns.
    pub concepts: Vec<ConceptIndex>,
    /// The section of the source report.
    pub source: String,
    /// The id of the dataset whose file declares it: a caller reads it only with a
    /// `milestones` grant and a grant on this dataset.
    pub dataset: String,
}

impl Milestone {
    /// The date-order key: year, then month (an event without a month first, one at the end of
    /// the year last), then id.
    pub fn date_key(&self) -> (i32, bool, u8, &str) {
        (
            self.year,
            self.end_of_year,
            self.month.unwrap_or(0),
            &self.id,
        )
    }

    /// A text whose order is the date order of [`Milestone::date_key`], for page tokens that
    /// continue after a milestone: years are four digits (1900..=2200) and months two.
    pub fn order_key(&self) -> String {
        format!(
            "{:04}{}{:02}/{}",
            self.year,
            u8::from(self.end_of_year),
            self.month.unwrap_or(0),
            self.id
        )
    }
}

/// Which milestones a ListMilestones request wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MilestoneFilter {
    /// First year, if bounded.
    pub start_year: Option<i32>,
    /// Last year, if bounded.
    pub end_year: Option<i32>,
    /// Only milestones concerning this concept.
    pub concept: Option<ConceptIndex>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milestone(id: &str, year: i32, month: Option<u8>, end_of_year: bool) -> Milestone {
        Milestone {
            id: id.into(),
            name: format!("milestones/{id}"),
            year,
            month,
            end_of_year,
            title: Texts::default(),
            description: Texts::default(),
            concepts: Vec::new(),
            source: String::new(),
            dataset: "d".into(),
        }
    }

    #[test]
    fn the_order_key_sorts_like_the_date_key() {
        let mut milestones = [
            milestone("b", 2024, None, false),
            milestone("a", 2024, Some(3), false),
            milestone("z", 2023, Some(12), true),
            milestone("c", 2024, Some(11), false),
            milestone("d", 2024, None, true),
            milestone("a-1", 2024, Some(3), false),
            milestone("m", 1900, None, false),
            milestone("n", 2200, Some(1), false),
        ];
        milestones.sort_by(|a, b| a.date_key().cmp(&b.date_key()));
        let by_date: Vec<_> = milestones.iter().map(|m| m.id.clone()).collect();
        milestones.sort_by_key(Milestone::order_key);
        let by_key: Vec<_> = milestones.iter().map(|m| m.id.clone()).collect();
        assert_eq!(by_date, by_key);
    }
}
