//! `series search WORDS`: the series whose id, titles or notes (in both languages) hold every
//! word.

use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{
        convert,
        direct::SeriesInfo,
        shared::{Language, short_id},
    },
};

/// The series found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSearch {
    /// The words searched for, as given.
    pub query: String,
    /// The series holding every word, in name order.
    pub hits: Vec<SeriesHit>,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// A series a search found, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesHit {
    /// The series.
    pub series: SeriesInfo,
    /// Its note on what it covers, in the requested language; empty when it has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The fields a word was found in: `id`, `title_en`, `title_zh_hans`, `note_en`,
    /// `note_zh_hans`.
    pub matched: Vec<String>,
}

/// The searchable fields of a series, named as [`SeriesHit::matched`] names them.
fn fields(s: &llmarket_proto::llmarket::forecast::v2::Series) -> [(&'static str, String); 5] {
    let text =
        |texts, language: Language| convert::text_in(texts, language.code()).unwrap_or_default();
    [
        ("id", short_id(&s.name).to_owned()),
        ("title_en", text(&s.titles, Language::En)),
        ("title_zh_hans", text(&s.titles, Language::Zh)),
        ("note_en", text(&s.notes, Language::En)),
        ("note_zh_hans", text(&s.notes, Language::Zh)),
    ]
}

/// Which of `fields` hold a word of `words` (lowercase), if every word is in one of them.
fn matches(fields: &[(&'static str, String)], words: &[String]) -> Option<Vec<String>> {
    let lower: Vec<(&str, String)> = fields
        .iter()
        .map(|(name, text)| (*name, text.to_lowercase()))
        .collect();
    let every = words
        .iter()
        .all(|word| lower.iter().any(|(_, text)| text.contains(word.as_str())));
    every.then(|| {
        lower
            .iter()
            .filter(|(_, text)| words.iter().any(|word| text.contains(word.as_str())))
            .map(|(name, _)| (*name).to_owned())
            .collect()
    })
}

impl Client {
    /// The series of the default dataset whose id, titles or notes (either language) hold
    /// every word of `query` (case-insensitive).
    pub async fn series_search(
        &self,
        query: &str,
        language: Language,
    ) -> Result<SeriesSearch, ClientError> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Err(ClientError::InvalidArgument {
                argument: "words",
                reason: "no word to search for; give one or more".to_owned(),
            });
        }
        let dataset = self.dataset().to_owned();
        let mut hits = Vec::new();
        for series in self.list_series(&dataset).await? {
            let Some(matched) = matches(&fields(&series), &words) else {
                continue;
            };
            let info = crate::reports::direct::series_info("ListSeries", language, &series)?;
            hits.push(SeriesHit {
                series: info,
                note: convert::series_note(language, &series),
                matched,
            });
        }
        Ok(SeriesSearch {
            query: query.to_owned(),
            hits,
            language,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_be_found_in_some_field() {
        let fields = [
            ("id", "maas-market".to_owned()),
            ("title_en", "Large-model MaaS market".to_owned()),
            ("title_zh_hans", "大模型 MaaS 市场".to_owned()),
            ("note_en", String::new()),
            ("note_zh_hans", String::new()),
        ];
        let words = |text: &str| -> Vec<String> {
            text.split_whitespace().map(str::to_lowercase).collect()
        };
        assert_eq!(
            matches(&fields, &words("maas 市场")).unwrap(),
            ["id", "title_en", "title_zh_hans"]
        );
        assert_eq!(matches(&fields, &words("MAAS cost")), None);
    }
}
