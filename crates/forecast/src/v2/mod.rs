//! The forecast service of contract v2 (`llmarket.forecast.v2.ForecastService`): the same
//! catalog and arithmetic as v1, read by v2 dataset and edition. Every read chooses an edition
//! (the latest the caller may read, one by name, or the one current on a day), checks the
//! caller's grants on that edition, and answers with its name and the data version.

pub mod request;
pub mod response;

use std::borrow::Cow;

use llmarket_proto::{
    llmarket::forecast::v2 as pb,
    names::{ANY, DatasetName, series_name, v2::EditionName},
};
use tonic::{Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

use self::{
    request::{SeriesFilter, edition_choice},
    response::Answer,
};
use crate::{
    Error, analysis,
    convert::wire::v2 as wire,
    model::{Catalog, Dataset, EditionChoice, Editions, LinkedConcept, Names, SeriesRef},
};
use llmarket_kit::{
    access::Access,
    data::{DataVersion, Shared},
    metadata::versioned,
    paging::PageRequest,
    status::{bad_name, invalid_argument},
};

/// Domain of the error details of this service.
const DOMAIN: &str = "llmarket.forecast.v2";

/// The v2 gRPC handlers over a shared [`Catalog`].
#[derive(Debug, Clone)]
pub struct ForecastApiV2 {
    catalog: Shared<Catalog>,
}

impl ForecastApiV2 {
    /// A service over `catalog`.
    pub fn new(catalog: Shared<Catalog>) -> Self {
        Self { catalog }
    }
}

/// The data version `access` is shown: of the editions it may read only.
fn shown_version<'a>(catalog: &'a Catalog, access: &Access) -> Cow<'a, DataVersion> {
    catalog.data_version().scoped(|v1_id| {
        catalog
            .dataset(v1_id)
            .is_ok_and(|e| access.may_read_edition(&e.edition().dataset, v1_id))
    })
}

/// The v1 ids of a dataset's editions.
fn v1_ids<'c>(catalog: &'c Catalog, dataset: &'c Editions) -> impl Iterator<Item = &'c str> + 'c {
    catalog.editions_of(dataset).map(|e| e.id.as_str())
}

/// The domain error as a v2 status: NOT_FOUND and FAILED_PRECONDITION with v2 details.
fn status(error: Error) -> Status {
    use llmarket_kit::nearest::NotFound;
    match error {
        Error::SeriesNotFound {
            dataset,
            series,
            nearest,
        } => {
            let name = series_name(&dataset, &series);
            NotFound {
                kind: "llmarket.forecast.v2.Series",
                domain: DOMAIN,
                nearest,
                name: name.clone(),
            }
            .status(&format!("{name} not found"))
        }
        Error::DatasetNotFound { dataset } => {
            let name = format!("datasets/{dataset}");
            NotFound {
                kind: "llmarket.forecast.v2.Dataset",
                domain: DOMAIN,
                nearest: Vec::new(),
                name: name.clone(),
            }
            .status(&format!("{name} not found"))
        }
        Error::NoEditionAsOf { ref dataset, .. } => {
            let mut details = ErrorDetails::new();
            details.set_resource_info(
                "llmarket.forecast.v2.Edition",
                format!("datasets/{dataset}/editions/-"),
                "",
                "no edition published by the as-of date",
            );
            details.set_error_info("NO_EDITION_AS_OF", DOMAIN, std::collections::HashMap::new());
            Status::with_error_details(tonic::Code::NotFound, error.to_string(), details)
        }
        e @ (Error::MissingYear { .. }
        | Error::NotPositive { .. }
        | Error::NoParent { .. }
        | Error::NoComponents { .. }
        | Error::NoCommonYear { .. }
        | Error::NoStatedRate { .. }) => {
            let (kind, subject) = precondition(&e);
            let mut details = ErrorDetails::new();
            details.add_precondition_failure_violation(kind, subject, e.to_string());
            details.set_error_info(kind, DOMAIN, std::collections::HashMap::new());
            Status::with_error_details(
                tonic::Code::FailedPrecondition,
                llmarket_kit::status::shorten(&e.to_string(), 1024),
                details,
            )
        }
        other => other.into(),
    }
}

/// The PreconditionFailure type and subject of a precondition error.
fn precondition(error: &Error) -> (&'static str, String) {
    match error {
        Error::MissingYear { series, year, .. } => {
            ("YEAR_WITHOUT_VALUE", format!("{series}@{year}"))
        }
        Error::NotPositive { series, year, .. } => {
            ("VALUE_NOT_POSITIVE", format!("{series}@{year}"))
        }
        Error::NoParent { series } => ("NO_PARENT", series.clone()),
        Error::NoComponents { series } => ("NO_COMPONENTS", series.clone()),
        Error::NoCommonYear { series, .. } => ("NO_COMMON_YEAR", series.clone()),
        Error::NoStatedRate { series } => ("NO_STATED_RATE", series.clone()),
        _ => ("PRECONDITION", String::new()),
    }
}

/// Finds dataset `id` and the edition `choice` names, among the editions `access` may read
/// (`name` is the resource read, for refusals). A dataset the caller may see nothing of is
/// PERMISSION_DENIED whether it exists or not.
fn choose<'c>(
    catalog: &'c Catalog,
    access: &Access,
    id: &str,
    choice: EditionChoice<'_>,
    name: &str,
) -> Result<&'c Dataset, Status> {
    let Ok(dataset) = catalog.v2_dataset(id) else {
        access.edition(id, "", name)?;
        return Err(status(Error::DatasetNotFound {
            dataset: id.to_owned(),
        }));
    };
    if !access.may_see_dataset(id, v1_ids(catalog, dataset)) {
        access.edition(id, "", name)?;
    }
    let readable = |e: &&Dataset| access.may_read_edition(&e.edition().dataset, &e.id);
    let edition = match choice {
        EditionChoice::Latest => catalog.editions_of(dataset).rev().find(readable),
        EditionChoice::AsOf(day) => catalog
            .editions_of(dataset)
            .rev()
            .filter(readable)
            .find(|e| e.edition().published_by(day)),
        EditionChoice::Id(_) => match catalog.edition(dataset, choice) {
            Ok(edition) => {
                access.edition(&edition.edition().dataset, &edition.id, name)?;
                Some(edition)
            }
            Err(e) => {
                // Whether an edition exists is shown only to who may read the whole dataset.
                access.edition(id, "", name)?;
                return Err(status(e));
            }
        },
    };
    match edition {
        Some(edition) => Ok(edition),
        None => {
            if matches!(choice, EditionChoice::Latest) {
                access.edition(id, "", name)?;
            }
            Err(status(catalog.edition(dataset, choice).err().unwrap_or(
                Error::DatasetNotFound {
                    dataset: id.to_owned(),
                },
            )))
        }
    }
}

/// The series `name` in the edition its request chooses, with what every answer about it shares.
fn find_series<'c>(
    catalog: &'c Catalog,
    access: &Access,
    name: &str,
    selector: Option<&pb::EditionSelector>,
) -> Result<SeriesRef<'c>, Status> {
    let id = request::series_name(name)?;
    let choice = edition_choice(selector, id.dataset)?;
    choose(catalog, access, id.dataset, choice, name)?
        .find_series(id.series, Names::V2)
        .map_err(status)
}

#[tonic::async_trait]
impl pb::forecast_service_server::ForecastService for ForecastApiV2 {
    async fn list_datasets(
        &self,
        request: Request<pb::ListDatasetsRequest>,
    ) -> Result<Response<pb::ListDatasetsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let page = PageRequest::new(request.page_size, &request.page_token, &["v2/ListDatasets"])?;
        let catalog = self.catalog.load();
        let version = shown_version(&catalog, &access);
        let seen: Vec<_> = catalog
            .v2_datasets()
            .iter()
            .filter(|d| access.may_see_dataset(&d.id, v1_ids(&catalog, d)))
            .collect();
        let (datasets, next_page_token) = page.sorted(&seen, |d| d.id.as_str())?;
        let datasets = datasets
            .iter()
            .filter_map(|d| {
                let readable: Vec<_> = catalog
                    .editions_of(d)
                    .filter(|e| access.may_read_edition(&d.id, &e.id))
                    .collect();
                let latest = readable
                    .last()
                    .copied()
                    .or_else(|| catalog.editions_of(d).next_back())?;
                Some(response::dataset(
                    d,
                    latest,
                    readable.len(),
                    version.as_str(),
                ))
            })
            .collect();
        Ok(versioned(
            &version,
            pb::ListDatasetsResponse {
                datasets,
                next_page_token,
                data_version: version.as_str().to_owned(),
            },
        ))
    }

    async fn get_dataset(
        &self,
        request: Request<pb::GetDatasetRequest>,
    ) -> Result<Response<pb::Dataset>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = DatasetName::parse(&request.name)
            .map_err(bad_name("name"))?
            .dataset;
        let catalog = self.catalog.load();
        let edition = choose(&catalog, &access, id, EditionChoice::Latest, &request.name)?;
        let dataset = catalog.v2_dataset(id).map_err(status)?;
        let readable = catalog
            .editions_of(dataset)
            .filter(|e| access.may_read_edition(id, &e.id))
            .count();
        let version = shown_version(&catalog, &access);
        let answer = response::dataset(dataset, edition, readable, version.as_str());
        Ok(versioned(&version, answer))
    }

    async fn list_editions(
        &self,
        request: Request<pb::ListEditionsRequest>,
    ) -> Result<Response<pb::ListEditionsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = DatasetName::parse_parent(&request.parent)
            .map_err(bad_name("parent"))?
            .dataset;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["v2/ListEditions", &request.parent],
        )?;
        let catalog = self.catalog.load();
        let datasets: Vec<&Editions> = if parent == ANY {
            catalog.v2_datasets().iter().collect()
        } else {
            choose(
                &catalog,
                &access,
                parent,
                EditionChoice::Latest,
                &request.parent,
            )?;
            vec![catalog.v2_dataset(parent).map_err(status)?]
        };
        // Keyed by dataset, then publication position, so pages follow the listed order.
        let mut editions: Vec<(String, &Dataset)> = datasets
            .into_iter()
            .flat_map(|d| {
                catalog
                    .editions_of(d)
                    .enumerate()
                    .map(move |(i, e)| (d, i, e))
            })
            .filter(|(d, _, e)| access.may_read_edition(&d.id, &e.id))
            .map(|(d, i, e)| (format!("{}/{i:06}", d.id), e))
            .collect();
        editions.sort_by(|a, b| a.0.cmp(&b.0));
        let (editions, next_page_token) = page.sorted(&editions, |(key, _)| key.as_str())?;
        let version = shown_version(&catalog, &access);
        Ok(versioned(
            &version,
            pb::ListEditionsResponse {
                editions: editions
                    .iter()
                    .map(|(_, e)| response::edition(e, version.as_str()))
                    .collect(),
                next_page_token,
                data_version: version.as_str().to_owned(),
            },
        ))
    }

    async fn get_edition(
        &self,
        request: Request<pb::GetEditionRequest>,
    ) -> Result<Response<pb::Edition>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let name = EditionName::parse(&request.name).map_err(bad_name("name"))?;
        let catalog = self.catalog.load();
        let edition = choose(
            &catalog,
            &access,
            name.dataset,
            EditionChoice::Id(name.edition),
            &request.name,
        )?;
        let version = shown_version(&catalog, &access);
        Ok(versioned(
            &version,
            response::edition(edition, version.as_str()),
        ))
    }

    async fn list_series(
        &self,
        request: Request<pb::ListSeriesRequest>,
    ) -> Result<Response<pb::ListSeriesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = DatasetName::parse_parent(&request.parent)
            .map_err(bad_name("parent"))?
            .dataset;
        let filter = SeriesFilter::parse(&request.filter)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["v2/ListSeries", &request.parent, &request.filter],
        )?;
        let catalog = self.catalog.load();
        let selector = request.edition.as_ref();
        let editions: Vec<&Dataset> = if parent == ANY {
            if selector.is_some_and(|s| {
                matches!(s.selector, Some(pb::edition_selector::Selector::Edition(_)))
            }) {
                return Err(invalid_argument(
                    "edition.edition",
                    "names one dataset's edition; with datasets/- give as_of or nothing",
                ));
            }
            let choice = edition_choice(selector, ANY)?;
            catalog
                .v2_datasets()
                .iter()
                .filter(|d| access.may_see_dataset(&d.id, v1_ids(&catalog, d)))
                .filter_map(|d| choose(&catalog, &access, &d.id, choice, &request.parent).ok())
                .collect()
        } else {
            let choice = edition_choice(selector, parent)?;
            vec![choose(&catalog, &access, parent, choice, &request.parent)?]
        };
        let keep = |s: &SeriesRef<'_>| {
            let parent_ok = match filter.parent.as_deref() {
                None => true,
                Some("") => s.series.parent.is_none(),
                Some(p) => s.parent().is_some_and(|parent| parent.name() == p),
            };
            // Only concepts the caller may read select: a filter tells nothing of the others.
            parent_ok
                && filter.concepts.iter().all(|c| {
                    let linked = s.dataset.concepts_of(&s.series.id);
                    linked
                        .iter()
                        .any(|l| l.name == *c && may_read(&access, s.dataset, l))
                })
        };
        let mut series: Vec<(Cow<'_, str>, SeriesRef<'_>)> = editions
            .iter()
            .filter(|e| access.may_read_edition(&e.edition().dataset, &e.id))
            .flat_map(|e| {
                e.series().iter().map(move |series| SeriesRef {
                    dataset: e,
                    series,
                    names: Names::V2,
                })
            })
            .filter(keep)
            .map(|s| (s.name(), s))
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        let (page_items, next_page_token) = page.sorted(&series, |(name, _)| name)?;
        let version = shown_version(&catalog, &access);
        let series: Vec<pb::Series> = page_items
            .iter()
            .map(|(_, s)| {
                let answer = Answer::new(s.dataset, version.as_str());
                let concepts = readable_concepts(&access, *s);
                response::series(*s, false, concepts, answer)
            })
            .collect();
        let edition = match editions.as_slice() {
            [one] => one.edition_name().to_owned(),
            _ => String::new(),
        };
        Ok(versioned(
            &version,
            pb::ListSeriesResponse {
                series,
                next_page_token,
                edition,
                data_version: version.as_str().to_owned(),
            },
        ))
    }

    async fn get_series(
        &self,
        request: Request<pb::GetSeriesRequest>,
    ) -> Result<Response<pb::Series>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let catalog = self.catalog.load();
        let series = find_series(&catalog, &access, &request.name, request.edition.as_ref())?;
        let concepts = readable_concepts(&access, series);
        Ok(reply(&catalog, &access, series.dataset, |answer| {
            response::series(series, true, concepts, answer)
        }))
    }

    async fn list_series_revisions(
        &self,
        request: Request<pb::ListSeriesRevisionsRequest>,
    ) -> Result<Response<pb::ListSeriesRevisionsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = request::series_name(&request.name)?;
        let year = request::year("year", request.year)?;
        let as_of = request
            .as_of
            .as_ref()
            .map(|d| request::as_of("as_of", d))
            .transpose()?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["v2/ListSeriesRevisions", &request.name],
        )?;
        let catalog = self.catalog.load();
        // The series must exist in the latest edition the caller may read, as a Get would say.
        choose(
            &catalog,
            &access,
            id.dataset,
            EditionChoice::Latest,
            &request.name,
        )?;
        let dataset = catalog.v2_dataset(id.dataset).map_err(status)?;
        let editions: Vec<(usize, &Dataset)> = catalog
            .editions_of(dataset)
            .enumerate()
            .filter(|(_, e)| access.may_read_edition(id.dataset, &e.id))
            .filter(|(_, e)| as_of.is_none_or(|day| e.edition().published_by(day)))
            .collect();
        if !editions.iter().any(|(_, e)| e.get(id.series).is_some()) {
            let latest = editions.last().map_or_else(
                || {
                    catalog
                        .edition(dataset, EditionChoice::Latest)
                        .map_err(status)
                },
                |(_, e)| Ok(*e),
            )?;
            latest.find_series(id.series, Names::V2).map_err(status)?;
        }
        let mut revisions: Vec<(String, &Dataset, &crate::model::Observation)> = editions
            .iter()
            .filter_map(|&(position, e)| e.get(id.series).map(|s| (position, e, s)))
            .flat_map(|(position, e, s)| {
                s.observations
                    .iter()
                    .filter(move |o| year.is_none_or(|y| y == o.year))
                    .map(move |o| (format!("{:04}/{position:06}", o.year), e, o))
            })
            .collect();
        revisions.sort_by(|a, b| a.0.cmp(&b.0));
        let (revisions, next_page_token) = page.sorted(&revisions, |(key, _, _)| key.as_str())?;
        let version = shown_version(&catalog, &access);
        Ok(versioned(
            &version,
            pb::ListSeriesRevisionsResponse {
                revisions: revisions
                    .iter()
                    .map(|(_, e, o)| {
                        let answer = Answer::new(e, version.as_str());
                        pb::SeriesRevision {
                            publish_date: response::date(e.edition().published),
                            observation: Some(response::observation(o, answer)),
                            edition: e.edition_name().to_owned(),
                        }
                    })
                    .collect(),
                next_page_token,
                data_version: version.as_str().to_owned(),
            },
        ))
    }

    async fn query_observations(
        &self,
        request: Request<pb::QueryObservationsRequest>,
    ) -> Result<Response<pb::QueryObservationsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let span = request::span(request.start_year, request.end_year)?;
        let transform = request::transform(request.transform)?;
        let fill = request::fill(request.fill)?;
        let catalog = self.catalog.load();
        let series = find_series(&catalog, &access, &request.name, request.edition.as_ref())?;
        let observations = analysis::observations(series, span, transform, fill).map_err(status)?;
        Ok(reply(&catalog, &access, series.dataset, |answer| {
            pb::QueryObservationsResponse {
                series: series.name().into_owned(),
                observations: observations
                    .iter()
                    .map(|o| response::observation(o, answer))
                    .collect(),
                transform: wire::transform(transform).into(),
                fill: wire::fill(fill).into(),
                edition: answer.edition.edition_name().to_owned(),
                data_version: answer.version.to_owned(),
            }
        }))
    }

    async fn compute_growth(
        &self,
        request: Request<pb::ComputeGrowthRequest>,
    ) -> Result<Response<pb::ComputeGrowthResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let span = request::span(request.start_year, request.end_year)?;
        let fill = request::fill(request.fill)?;
        let catalog = self.catalog.load();
        let series = find_series(&catalog, &access, &request.name, request.edition.as_ref())?;
        let growth = analysis::growth(series, span, fill).map_err(status)?;
        Ok(reply(&catalog, &access, series.dataset, |answer| {
            response::growth(series.name().into_owned(), growth, answer)
        }))
    }

    async fn compute_breakdown(
        &self,
        request: Request<pb::ComputeBreakdownRequest>,
    ) -> Result<Response<pb::ComputeBreakdownResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let year = request::year("year", request.year)?;
        let fill = request::fill(request.fill)?;
        let catalog = self.catalog.load();
        let series = find_series(&catalog, &access, &request.name, request.edition.as_ref())?;
        let breakdown = analysis::breakdown(series, year, fill).map_err(status)?;
        Ok(reply(&catalog, &access, series.dataset, |answer| {
            response::breakdown(series.name().into_owned(), breakdown, answer)
        }))
    }

    async fn project_series(
        &self,
        request: Request<pb::ProjectSeriesRequest>,
    ) -> Result<Response<pb::ProjectSeriesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let base_year = request::year("base_year", request.base_year)?;
        let end_year = request::year("end_year", Some(request.end_year).filter(|&y| y != 0))?
            .ok_or_else(|| {
                invalid_argument(
                    "end_year",
                    "is required: the last year to project, in 1900..=2200",
                )
            })?;
        let scenario = request::scenario(request.scenario.as_ref())?;
        let fill = request::fill(request.fill)?;
        let catalog = self.catalog.load();
        let series = find_series(&catalog, &access, &request.name, request.edition.as_ref())?;
        let projection =
            analysis::project(series, base_year, end_year, scenario, fill).map_err(status)?;
        Ok(reply(&catalog, &access, series.dataset, |answer| {
            response::projection(series.name().into_owned(), projection, answer)
        }))
    }

    async fn check_consistency(
        &self,
        request: Request<pb::CheckConsistencyRequest>,
    ) -> Result<Response<pb::CheckConsistencyResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = DatasetName::parse(&request.name)
            .map_err(bad_name("name"))?
            .dataset;
        let choice = edition_choice(request.edition.as_ref(), id)?;
        let catalog = self.catalog.load();
        let edition = choose(&catalog, &access, id, choice, &request.name)?;
        let checks = analysis::check(edition);
        Ok(reply(&catalog, &access, edition, |answer| {
            response::checks(checks, answer)
        }))
    }
}

/// The reply to a read of `edition`: what `build` makes of the answer (the edition and the data
/// version `access` is shown), with that version in the reply's metadata too.
fn reply<T: prost::Message>(
    catalog: &Catalog,
    access: &Access,
    edition: &Dataset,
    build: impl FnOnce(Answer<'_>) -> T,
) -> Response<T> {
    let version = shown_version(catalog, access);
    versioned(&version, build(Answer::new(edition, version.as_str())))
}

/// The concepts that explain `series` in its edition that `access` may read.
fn readable_concepts(access: &Access, series: SeriesRef<'_>) -> Vec<String> {
    let concepts = series.dataset.concepts_of(&series.series.id).iter();
    concepts
        .filter(|c| may_read(access, series.dataset, c))
        .map(|c| c.name.clone())
        .collect()
}

/// Whether `access` may read `concept`, linked to a series of `edition`, as the taxonomy
/// service decides: a grant of the v2 dataset or scheme, or the v1 `schemes/{s}` where v1
/// serves the scheme from this dataset.
fn may_read(access: &Access, edition: &Dataset, concept: &LinkedConcept) -> bool {
    access.may_read_scheme_in(
        &edition.edition().dataset,
        &concept.scheme,
        concept.v1_served,
    )
}

#[cfg(test)]
mod tests;
