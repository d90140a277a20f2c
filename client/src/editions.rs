//! Editions: a dataset's editions, a series' revisions across editions, and the edition the
//! client's [`EditionSelection`] chooses.
//!
//! The selection is carried by the configuration: [`Client::edition_selector`] turns it into the
//! v2 `EditionSelector` of every read, and [`Client::follow_edition`] resolves it once (and a
//! v1 dataset id given as the dataset, by the edition whose content it serves:
//! docs/adr/0007-v1-id-of-an-edition.md), so every read of a report uses the same edition.

use llmarket_proto::forecast as fpb;
use llmarket_proto::google::r#type::Date;
use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    client::{LIST_PAGE_SIZE, all_pages, dataset_of},
    config::{DEFAULT_DATASET, Day, EditionSelection},
    error::{ClientError, Service, required},
    reports::{
        Language,
        model::{Kind, Point, Provenance, Qualifier, Unit},
    },
};

/// The edition a read uses, as the server chose it for the client's selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEdition {
    /// The v2 dataset, `datasets/{dataset}` (e.g. `datasets/cic-global-llm`).
    pub dataset: String,
    /// The edition, `datasets/{dataset}/editions/{edition}`.
    pub edition: String,
}

/// What a client follows: its dataset as v2 names it, and the edition its reads use (none: the
/// server's latest, per call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedEdition {
    /// `datasets/{dataset}`.
    pub dataset: String,
    /// `datasets/{dataset}/editions/{edition}`, or none for the latest.
    pub edition: Option<String>,
}

/// The editions of a dataset (`llmarket editions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditionList {
    /// The v2 dataset, `datasets/{dataset}`.
    pub dataset: String,
    /// Its editions, oldest first.
    pub editions: Vec<EditionSummary>,
    /// The version of the data the answer comes from.
    pub data_version: String,
    /// The language of titles and fixed words; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// One edition of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditionSummary {
    /// `datasets/{dataset}/editions/{edition}`.
    pub name: String,
    /// The edition's id, e.g. `2026`.
    pub id: String,
    /// When it was published: `YYYY-MM-DD`, `YYYY-MM` or `YYYY` as the data knows it.
    pub published: String,
    /// The title in the requested language.
    pub title: String,
    /// A hash of the edition's content: it changes whenever a figure of it changes.
    pub content_version: String,
    /// The last year it states any value for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_year: Option<i32>,
    /// How many series it states.
    pub series_count: i32,
}

/// What each edition states for a series, year by year (`llmarket revisions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRevisions {
    /// The series, `datasets/{dataset}/series/{series}` (v2).
    pub series: String,
    /// Its title in the requested language.
    pub title: String,
    /// The unit of the values.
    pub unit: Unit,
    /// The year asked for; none for every year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Only editions published on or before this day, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The revisions by year, then oldest edition first.
    pub revisions: Vec<Revision>,
    /// The version of the data the answer comes from.
    pub data_version: String,
    /// The language of titles and fixed words; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// One edition's value of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The edition, `datasets/{dataset}/editions/{edition}`.
    pub edition: String,
    /// Its id, e.g. `2027`.
    pub edition_id: String,
    /// When the edition was published, as [`EditionSummary::published`].
    pub published: String,
    /// The value it states (or the service derived from it), with its interval.
    pub value: Point,
}

impl Client {
    /// The edition selection of this client's configuration.
    pub fn edition_selection(&self) -> &EditionSelection {
        &self.edition
    }

    /// The v2 `EditionSelector` of a read of the v2 dataset `dataset` (`datasets/{d}`) for this
    /// client's selection; none for the default (the server's latest).
    pub fn edition_selector(&self, dataset: &str) -> Option<f2::EditionSelector> {
        use f2::edition_selector::Selector;
        let selector = match &self.edition {
            EditionSelection::Default => return None,
            EditionSelection::Edition(id) if id.starts_with("datasets/") => {
                Selector::Edition(id.clone())
            }
            EditionSelection::Edition(id) => Selector::Edition(format!("{dataset}/editions/{id}")),
            EditionSelection::AsOf(day) => Selector::AsOf(date(*day)),
        };
        Some(f2::EditionSelector {
            selector: Some(selector),
        })
    }

    /// Every edition of `parent` (`datasets/{d}`, or `datasets/-` for every dataset), all pages.
    pub async fn list_editions(&self, parent: &str) -> Result<Vec<f2::Edition>, ClientError> {
        all_pages(Service::Forecast, "ListEditions", |page_token| async move {
            let page = self
                .v2_list_editions_page(f2::ListEditionsRequest {
                    parent: parent.to_owned(),
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                })
                .await?;
            Ok((page.editions, page.next_page_token))
        })
        .await
    }

    /// Every revision of the series `name` (v2), of `year` only if given, from editions
    /// published on or before `as_of` only if given; all pages, and the data version.
    pub async fn list_series_revisions(
        &self,
        name: &str,
        year: Option<i32>,
        as_of: Option<Day>,
    ) -> Result<(Vec<f2::SeriesRevision>, String), ClientError> {
        let data_version = std::cell::RefCell::new(String::new());
        let revisions = all_pages(Service::Forecast, "ListSeriesRevisions", |page_token| {
            let data_version = &data_version;
            async move {
                let page = self
                    .v2_list_series_revisions_page(f2::ListSeriesRevisionsRequest {
                        name: name.to_owned(),
                        year,
                        as_of: as_of.map(date),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                    })
                    .await?;
                *data_version.borrow_mut() = page.data_version;
                Ok((page.revisions, page.next_page_token))
            }
        })
        .await?;
        Ok((revisions, data_version.into_inner()))
    }

    /// The v2 dataset this client reads (`datasets/{d}`), and the edition its dataset name pins
    /// when that is a v1 id (`datasets/cic-global-llm-2026`): found by the v1 dataset's content
    /// version among the v2 editions' (docs/adr/0007-v1-id-of-an-edition.md).
    pub async fn v2_dataset(&self) -> Result<(String, Option<String>), ClientError> {
        let editions = self.list_editions("datasets/-").await?;
        let prefix = format!("{}/editions/", self.dataset);
        if editions.iter().any(|e| e.name.starts_with(&prefix)) {
            return Ok((self.dataset.clone(), None));
        }
        let v1 = match self
            .v1_get_dataset(fpb::GetDatasetRequest {
                name: self.dataset.clone(),
            })
            .await
            .and_then(|r| required(Service::Forecast, "GetDataset", "dataset", r.dataset))
        {
            Ok(v1) => v1,
            // Neither a v2 dataset nor a v1 id: v2's answer names the nearest.
            Err(error) if error.code() == Some(tonic::Code::NotFound) => {
                self.v2_get_dataset(f2::GetDatasetRequest {
                    name: self.dataset.clone(),
                })
                .await?;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let edition = editions
            .into_iter()
            .find(|e| !v1.version.is_empty() && e.content_version == v1.version)
            .ok_or_else(|| {
                ClientError::bad_data(
                    Service::Forecast,
                    "ListEditions",
                    format!(
                        "no edition has the content of {} (version {})",
                        self.dataset, v1.version
                    ),
                )
            })?;
        let dataset = dataset_of(&edition.name).to_owned();
        Ok((dataset, Some(edition.name)))
    }

    /// The edition the client's selection chooses, as the server chooses it (a `ListSeries` of
    /// one item with the selector: its answer names the edition).
    pub async fn resolve_edition(&self) -> Result<ResolvedEdition, ClientError> {
        let (dataset, pinned) = self.v2_dataset().await?;
        let edition = match (self.edition_selector(&dataset), pinned) {
            (None, Some(pinned)) => pinned,
            (selector, _) => {
                let answer = self
                    .v2_list_series_page(f2::ListSeriesRequest {
                        parent: dataset.clone(),
                        page_size: 1,
                        page_token: String::new(),
                        filter: String::new(),
                        edition: selector,
                    })
                    .await;
                match answer {
                    Ok(page) => page.edition,
                    Err(error) if error.code() == Some(tonic::Code::NotFound) => {
                        let editions = self.list_editions(&dataset).await.unwrap_or_default();
                        return Err(naming_editions(error, &editions));
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        Ok(ResolvedEdition { dataset, edition })
    }

    /// This client reading its dataset as contract v2 names it (`datasets/{d}`), from the
    /// edition its selection chooses, or the one its dataset's name pins when that is a v1 id:
    /// [`Client::edition_to_follow`], then [`Client::following`].
    pub async fn follow_edition(self) -> Result<Self, ClientError> {
        Ok(match self.edition_to_follow().await? {
            Some(followed) => self.following(followed),
            None => self,
        })
    }

    /// The v2 dataset and the edition (`datasets/{d}/editions/{e}`, as the server chooses it)
    /// this client's reads should use, resolved once so every read of a report uses the same
    /// edition; `None` when there is nothing to resolve: the default dataset, no selection (the
    /// server's latest), which costs no call.
    pub async fn edition_to_follow(&self) -> Result<Option<FollowedEdition>, ClientError> {
        if !self.edition.is_chosen() {
            if self.dataset == DEFAULT_DATASET {
                return Ok(None);
            }
            let (dataset, pinned) = self.v2_dataset().await?;
            return Ok(Some(FollowedEdition {
                dataset,
                edition: pinned,
            }));
        }
        let resolved = self.resolve_edition().await?;
        Ok(Some(FollowedEdition {
            dataset: resolved.dataset,
            edition: Some(resolved.edition),
        }))
    }

    /// This client reading `followed` (from [`Client::edition_to_follow`]).
    pub fn following(self, followed: FollowedEdition) -> Self {
        let from = (self.dataset != followed.dataset).then(|| self.dataset.clone());
        let mut client = self.with_dataset(followed.dataset);
        client.followed_from = from;
        if let Some(edition) = followed.edition {
            client.edition = EditionSelection::Edition(edition);
        }
        client
    }

    /// The client's dataset and the edition its reads use: the one its selection names, else
    /// the dataset's latest.
    pub async fn edition_read(&self) -> Result<(f2::Dataset, f2::Edition), ClientError> {
        let dataset = self.get_dataset(self.dataset()).await?;
        let edition = match &self.edition {
            EditionSelection::Edition(name) if name.starts_with("datasets/") => name.clone(),
            EditionSelection::Edition(id) => format!("{}/editions/{id}", dataset.name),
            _ => match self.edition_selector(&dataset.name) {
                None => dataset.latest_edition.clone(),
                // An as-of selection not yet followed: the server chooses.
                Some(_) => self.resolve_edition().await?.edition,
            },
        };
        let edition = self.get_edition(&edition).await?;
        Ok((dataset, edition))
    }

    /// The editions of the client's dataset, titles in `language`.
    pub async fn editions(&self, language: Language) -> Result<EditionList, ClientError> {
        let (dataset, _) = self.v2_dataset().await?;
        let page = self
            .v2_list_editions_page(f2::ListEditionsRequest {
                parent: dataset.clone(),
                page_size: LIST_PAGE_SIZE,
                page_token: String::new(),
            })
            .await?;
        let mut editions: Vec<f2::Edition> = page.editions;
        if !page.next_page_token.is_empty() {
            editions = self.list_editions(&dataset).await?;
        }
        let editions = editions
            .into_iter()
            .map(|e| EditionSummary {
                id: edition_id(&e.name).to_owned(),
                published: e.publish_date.map(published).unwrap_or_default(),
                title: crate::reports::pick_text(language, &e.titles),
                content_version: e.content_version,
                horizon_year: e.horizon_year,
                series_count: e.series_count,
                name: e.name,
            })
            .collect();
        Ok(EditionList {
            dataset,
            editions,
            data_version: page.data_version,
            language,
        })
    }

    /// What each edition states for `series` (an id, or a v2 or v1 full name), of `year` only
    /// if given; with an `--as-of` selection, only editions published by then.
    pub async fn series_revisions(
        &self,
        series: &str,
        year: Option<i32>,
        language: Language,
    ) -> Result<SeriesRevisions, ClientError> {
        let (dataset, _) = self.v2_dataset().await?;
        let id = series.rsplit('/').next().unwrap_or(series);
        let name = format!("{dataset}/series/{id}");
        let as_of = match &self.edition {
            EditionSelection::AsOf(day) => Some(*day),
            _ => None,
        };
        let (info, (revisions, data_version)) = futures_util::future::try_join(
            self.v2_get_series(f2::GetSeriesRequest {
                name: name.clone(),
                edition: None,
            }),
            self.list_series_revisions(&name, year, as_of),
        )
        .await?;
        let call = "ListSeriesRevisions";
        let unit = info
            .unit
            .as_ref()
            .and_then(crate::reports::convert::known_unit)
            .ok_or_else(|| bad(call, format!("{name} has a unit this build cannot show")))?;
        let revisions = revisions
            .into_iter()
            .map(|r| revision(call, unit, r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SeriesRevisions {
            series: name,
            title: crate::reports::pick_text(language, &info.titles),
            unit,
            year,
            as_of: as_of.map(|day| day.to_string()),
            revisions,
            data_version,
            language,
        })
    }
}

/// One revision, checked: a value in `unit` (the series').
fn revision(
    call: &'static str,
    unit: Unit,
    r: f2::SeriesRevision,
) -> Result<Revision, ClientError> {
    let o = r.observation.ok_or_else(|| {
        bad(
            call,
            format!("a revision of {} has no observation", r.edition),
        )
    })?;
    let what = format!("{} of {}", o.year, r.edition);
    let figure = o
        .value
        .ok_or_else(|| bad(call, format!("{what} has no value")))?;
    if !figure.value.is_finite() {
        return Err(bad(call, format!("{what} is not a finite number")));
    }
    let interval = figure.interval.unwrap_or_default();
    let qualifier = match f2::Qualifier::try_from(figure.qualifier) {
        Ok(f2::Qualifier::Exact) => Qualifier::Exact,
        Ok(f2::Qualifier::Approximate) => Qualifier::Approximate,
        Ok(f2::Qualifier::UpperBound) => Qualifier::UpperBound,
        Ok(f2::Qualifier::LowerBound) => Qualifier::LowerBound,
        _ => return Err(bad(call, format!("{what} has no valid qualifier"))),
    };
    let kind = match f2::ObservationKind::try_from(o.kind) {
        Ok(f2::ObservationKind::Actual) => Kind::Actual,
        Ok(f2::ObservationKind::Forecast) => Kind::Forecast,
        _ => return Err(bad(call, format!("{what} has no valid kind"))),
    };
    let provenance = match f2::Provenance::try_from(o.provenance) {
        Ok(f2::Provenance::Reported) => Provenance::Reported,
        Ok(f2::Provenance::Derived) => Provenance::Derived,
        _ => return Err(bad(call, format!("{what} has no valid provenance"))),
    };
    let method = o
        .derivation
        .map(|d| d.description)
        .filter(|text| !text.is_empty());
    Ok(Revision {
        edition_id: edition_id(&r.edition).to_owned(),
        published: r.publish_date.map(published).unwrap_or_default(),
        edition: r.edition,
        value: Point {
            year: o.year,
            value: figure.value,
            unit,
            qualifier,
            kind,
            provenance,
            method,
            source: o.source,
            resolution: o.resolution,
            note: None,
            quote: (!o.quote.is_empty()).then_some(o.quote),
            note_zh_hans: None,
            width_unknown: interval.width_unknown,
            low: interval.low.filter(|v| v.is_finite()),
            high: interval.high.filter(|v| v.is_finite()),
            derivation: None,
            past_horizon: o.past_horizon,
        },
    })
}

/// `error` (NOT_FOUND choosing an edition) naming the editions there are, nearest first: the
/// edition ids closest to the one asked for (by edit distance), or in publication order for an
/// as-of date; as it is when its message already names the nearest.
fn naming_editions(error: ClientError, editions: &[f2::Edition]) -> ClientError {
    let ClientError::Call {
        service,
        call,
        code,
        message,
    } = error
    else {
        return error;
    };
    if editions.is_empty() || message.contains("nearest") {
        return ClientError::Call {
            service,
            call,
            code,
            message,
        };
    }
    let asked = message
        .split_whitespace()
        .find(|word| word.contains("/editions/"))
        .map(|name| edition_id(name).to_owned());
    let mut listed: Vec<&f2::Edition> = editions.iter().collect();
    if let Some(asked) = &asked {
        listed.sort_by_key(|e| distance(asked, edition_id(&e.name)));
    }
    let names: Vec<String> = listed
        .iter()
        .take(3)
        .map(|e| {
            let published = e.publish_date.map(published).unwrap_or_default();
            format!("{} (published {published})", e.name)
        })
        .collect();
    ClientError::Call {
        service,
        call,
        code,
        message: format!("{message}; the nearest editions: {}", names.join(", ")),
    }
}

/// The Levenshtein distance of `a` and `b`, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// `{e}` of `datasets/{d}/editions/{e}`.
pub fn edition_id(edition: &str) -> &str {
    edition.rsplit('/').next().unwrap_or(edition)
}

/// `day` as a `google.type.Date`.
fn date(day: Day) -> Date {
    Date {
        year: day.year,
        month: i32::try_from(day.month).unwrap_or(0),
        day: i32::try_from(day.day).unwrap_or(0),
    }
}

/// A publication date as the data knows it: `YYYY-MM-DD`, `YYYY-MM` (day 0) or `YYYY` (month 0).
fn published(date: Date) -> String {
    match (date.month, date.day) {
        (0, _) => format!("{:04}", date.year),
        (month, 0) => format!("{:04}-{month:02}", date.year),
        (month, day) => format!("{:04}-{month:02}-{day:02}", date.year),
    }
}

fn bad(call: &'static str, problem: String) -> ClientError {
    ClientError::bad_data(Service::Forecast, call, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_the_data_knows_them() {
        let d = |year, month, day| Date { year, month, day };
        assert_eq!(published(d(2027, 6, 30)), "2027-06-30");
        assert_eq!(published(d(2026, 0, 0)), "2026");
        assert_eq!(published(d(2026, 3, 0)), "2026-03");
        let day = Day {
            year: 2027,
            month: 1,
            day: 2,
        };
        assert_eq!(date(day), d(2027, 1, 2));
    }

    #[test]
    fn a_missing_edition_names_the_nearest() {
        let edition = |id: &str, year| f2::Edition {
            name: format!("datasets/d/editions/{id}"),
            publish_date: Some(Date {
                year,
                month: 0,
                day: 0,
            }),
            ..f2::Edition::default()
        };
        let editions = [
            edition("2026", 2026),
            edition("2027", 2027),
            edition("1999", 1999),
        ];
        let missing = ClientError::Call {
            service: Service::Forecast,
            call: "ListSeries",
            code: tonic::Code::NotFound,
            message: "datasets/d/editions/2028 not found".to_owned(),
        };
        let named = naming_editions(missing.clone(), &editions).to_string();
        assert!(
            named.ends_with(
                "; the nearest editions: datasets/d/editions/2026 (published 2026), \
                 datasets/d/editions/2027 (published 2027), datasets/d/editions/1999 \
                 (published 1999)"
            ),
            "{named}"
        );
        assert_eq!(naming_editions(missing.clone(), &[]), missing);
        assert_eq!(distance("2028", "2027"), 1);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn names_split_into_dataset_and_edition() {
        let name = "datasets/cic-global-llm/editions/2027";
        assert_eq!(dataset_of(name), "datasets/cic-global-llm");
        assert_eq!(edition_id(name), "2027");
    }

    #[test]
    fn a_revision_without_a_valid_qualifier_is_bad_data() {
        let revision = f2::SeriesRevision {
            edition: "datasets/d/editions/1".to_owned(),
            publish_date: None,
            observation: Some(f2::Observation {
                year: 2029,
                value: Some(f2::Figure {
                    value: 1.0,
                    qualifier: 0,
                    interval: None,
                }),
                ..f2::Observation::default()
            }),
        };
        let error = super::revision("ListSeriesRevisions", Unit::UsdBillion, revision).unwrap_err();
        assert!(error.to_string().contains("no valid qualifier"), "{error}");
    }
}
