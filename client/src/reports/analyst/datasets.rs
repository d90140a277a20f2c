//! `datasets`: every dataset the forecast service holds, with its edition and data version.

use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{convert, shared::Language},
};

/// The datasets of the forecast service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetList {
    /// The datasets in name order.
    pub datasets: Vec<DatasetSummary>,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// One dataset: the report it holds the figures of, and which version of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// `datasets/{dataset}`.
    pub name: String,
    /// The report's title in the requested language.
    pub title: String,
    /// The title in English.
    pub title_en: String,
    /// The title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// Who published the report.
    pub publisher: String,
    /// The year of the report's edition; absent when the data does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<i32>,
    /// A hash of the dataset's content: it changes whenever a figure changes.
    pub data_version: String,
    /// The last year the report states any value for; absent when the data does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_year: Option<i32>,
    /// How many series it holds.
    pub series_count: i32,
    /// The language the report is written in (BCP-47).
    pub source_language_code: String,
}

impl Client {
    /// Every dataset of the forecast service, titles in `language`.
    pub async fn datasets(&self, language: Language) -> Result<DatasetList, ClientError> {
        let datasets = self.list_datasets().await?;
        // Each dataset's latest edition: its year, content version, horizon and series.
        let editions = futures_util::future::try_join_all(
            datasets.iter().map(|d| self.get_edition(&d.latest_edition)),
        )
        .await?;
        let datasets = datasets
            .into_iter()
            .zip(editions)
            .map(|(d, e)| DatasetSummary {
                title: convert::pick_text(language, &d.titles),
                title_en: convert::text_in(&d.titles, Language::En.code()).unwrap_or_default(),
                title_zh_hans: convert::text_in(&d.titles, Language::Zh.code()).unwrap_or_default(),
                name: d.name,
                publisher: d.publisher,
                edition: e.publish_date.map(|date| date.year).filter(|&y| y != 0),
                data_version: e.content_version,
                horizon_year: e.horizon_year,
                series_count: e.series_count,
                source_language_code: d.source_language_code,
            })
            .collect();
        Ok(DatasetList { datasets, language })
    }
}
