//! Taxonomy texts that quote a figure a series states. A concept definition or a milestone text
//! may repeat a market figure ("MaaS reaches 55.0 billion USD in 2029"); a caller granted the
//! scheme or the milestones reads that figure without a grant on the dataset whose series holds
//! it. That is the grant model (see docs/security.md); this check makes every such quote known
//! to the operator when the data is loaded, so none is a surprise.
//!
//! A number in a text counts as a quote of a stated value of a series of the same dataset when
//! it is equal to it and specific enough to mean it: it has a decimal point, or it is 10 or more
//! and not a year (1900–2100). "L5", "5 levels" or "2029" are never quotes.

use llmarket_forecast::{
    Catalog,
    model::{Provenance, Series},
};
use llmarket_taxonomy::{Vocabulary, model::Texts};

/// One taxonomy text quoting a stated value.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotedFigure {
    /// The text, e.g. `schemes/industry/concepts/maas definition`.
    pub text: String,
    /// The number as the text writes it.
    pub figure: String,
    /// The stated value it equals: `datasets/{d}/series/{s}` and the year.
    pub series: String,
    /// The year of that value.
    pub year: i32,
}

/// Every taxonomy text of `vocabulary` that quotes a value a series of the same dataset in
/// `catalog` states, in the order the texts come.
pub fn quoted_figures(catalog: &Catalog, vocabulary: &Vocabulary) -> Vec<QuotedFigure> {
    let mut found = Vec::new();
    let mut check = |dataset: &str, text: String, texts: &Texts| {
        let Ok(data) = catalog.dataset(dataset) else {
            return;
        };
        for figure in [&texts.zh_hans, &texts.en]
            .into_iter()
            .flat_map(|t| figures(t))
        {
            for (series, year) in stated_equal_to(data.series(), &figure) {
                let quote = QuotedFigure {
                    text: text.clone(),
                    figure: figure.clone(),
                    series: llmarket_proto::names::series_name(dataset, series),
                    year,
                };
                if !found.contains(&quote) {
                    found.push(quote);
                }
            }
        }
    };
    for concept in vocabulary.concepts() {
        // A scheme names its dataset in full (`datasets/{id}`), a milestone by its id.
        let dataset = vocabulary.scheme_of(concept).dataset.as_str();
        check(
            dataset.strip_prefix("datasets/").unwrap_or(dataset),
            format!("{} definition", concept.name),
            &concept.definition,
        );
    }
    for milestone in vocabulary.milestones() {
        let name = &milestone.name;
        check(
            &milestone.dataset,
            format!("{name} title"),
            &milestone.title,
        );
        check(
            &milestone.dataset,
            format!("{name} description"),
            &milestone.description,
        );
    }
    found
}

/// The numbers of `text` specific enough to be a quote (see the module documentation).
fn figures(text: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty() && !current.contains('.')) {
            current.push(c);
        } else if !current.is_empty() {
            let number = std::mem::take(&mut current);
            let number = number.trim_end_matches('.').to_owned();
            if specific(&number) {
                numbers.push(number);
            }
        }
    }
    numbers
}

fn specific(number: &str) -> bool {
    if number.contains('.') {
        return true;
    }
    number
        .parse::<u32>()
        .is_ok_and(|n| n >= 10 && !(1900..=2100).contains(&n))
}

/// The (series id, year) of every stated value of `series` equal to `figure`.
fn stated_equal_to<'a>(series: &'a [Series], figure: &str) -> Vec<(&'a str, i32)> {
    let Ok(value) = figure.parse::<f64>() else {
        return Vec::new();
    };
    series
        .iter()
        .flat_map(|s| s.observations.iter().map(move |o| (s, o)))
        .filter(|(_, o)| o.provenance == Provenance::Reported)
        .filter(|(_, o)| (o.value - value).abs() <= 1e-9 * value.abs().max(1.0))
        .map(|(s, o)| (s.id.as_str(), o.year))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_specific_numbers_count_as_figures() {
        assert_eq!(
            figures("MaaS 55.0 billion by 2029; L5 in 5 stages, 20 → 0.1 USD, 151.5."),
            ["55.0", "20", "0.1", "151.5"]
        );
        assert!(figures("2024年，L3 级别，共 7 类").is_empty());
    }

    #[test]
    #[cfg(feature = "builtin-data")]
    fn the_built_in_data_quotes_its_figures_and_each_is_named() {
        let sources = llmarket_kit::data::all_sources(&[]).expect("the built-in data");
        let catalog = Catalog::load(&sources).expect("forecast data");
        let vocabulary = Vocabulary::load(&sources).expect("taxonomy data");
        let quotes = quoted_figures(&catalog, &vocabulary);
        // The examples: MaaS 55.0 and applications 151.5 in 2029, inference cost 0.1.
        for (figure, year) in [("55.0", 2029), ("151.5", 2029), ("0.1", 2024)] {
            assert!(
                quotes.iter().any(|q| q.figure == figure && q.year == year),
                "{figure} ({year}) not found in {quotes:#?}"
            );
        }
        for quote in &quotes {
            assert!(
                quote
                    .series
                    .starts_with("datasets/cic-global-llm-2026/series/")
            );
        }
    }
}
