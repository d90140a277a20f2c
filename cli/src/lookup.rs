//! Names given where another kind was expected, and what to give instead: a series id given to
//! `report segment` (which takes a concept) is answered with the concepts that explain the
//! series; a `--dataset` the forecast service does not have with the datasets it has.

use llmarket_proto::names::{DatasetName, SeriesName};
use sysexits::ExitCode as Sysexit;
use tonic::Code;

use crate::failure::Failure;
use llmarket_client::{
    Client, Service,
    reports::{Language, short_concept, short_id},
};

/// Whether `text` names a series: `datasets/{dataset}/series/{series}` or a bare id
/// (`market-size`).
pub(super) fn series_like(text: &str) -> bool {
    SeriesName::parse(text).is_ok()
        || (!text.contains('/') && DatasetName::parse(&format!("datasets/{text}")).is_ok())
}

/// The usage error for `text`, given to `report segment` as a concept: when it is a series of
/// the dataset, the concepts that explain it (`llmarket report segment …` for each); else
/// `None`.
pub(super) async fn series_given_as_concept(client: &Client, text: &str) -> Option<Failure> {
    let name = client.series_name(text);
    client.get_series(&name).await.ok()?;
    let owners: Vec<String> = match client.concept_list(None, false, Language::En).await {
        Ok(list) => list
            .concepts
            .into_iter()
            .filter(|c| c.series.contains(&name))
            .map(|c| c.name)
            .collect(),
        Err(_) => Vec::new(),
    };
    let id = short_id(&name);
    let hint = match owners.as_slice() {
        [] => format!("see it with `llmarket series get {id}`"),
        owners => {
            let commands: Vec<String> = owners
                .iter()
                .map(|o| format!("`llmarket report segment {}`", short_concept(o)))
                .collect();
            format!(
                "the {} that {} it: {}; or see the series with `llmarket series get {id}`",
                if owners.len() == 1 {
                    "concept"
                } else {
                    "concepts"
                },
                if owners.len() == 1 {
                    "explains"
                } else {
                    "explain"
                },
                commands.join(", ")
            )
        }
    };
    Some(Failure::new(
        Sysexit::Usage,
        format!("{id} is a series, not a concept; {hint}"),
    ))
}

/// `failure` of a call that did not find the dataset (`--dataset`), as a usage error listing
/// the datasets the forecast service has; `None` for any other failure.
pub(super) async fn unknown_dataset(failure: &Failure, client: &Client) -> Option<Failure> {
    let dataset = client.dataset();
    let missing = failure.grpc() == Some(Code::NotFound)
        && failure.service() == Some(Service::Forecast)
        && failure.text().contains(&format!("{dataset} not found"));
    if !missing {
        return None;
    }
    let id = short_id(dataset);
    let known = match client.list_datasets().await {
        Ok(datasets) if !datasets.is_empty() => {
            let ids: Vec<&str> = datasets.iter().map(|d| short_id(&d.name)).collect();
            format!("the forecast service has {}", ids.join(", "))
        }
        Ok(_) => "the forecast service has no dataset".to_owned(),
        Err(_) => "the forecast service could not list its datasets".to_owned(),
    };
    Some(Failure::new(
        Sysexit::Usage,
        format!(
            "--dataset {id}: no such dataset; {known} (give one with --dataset or \
             LLMARKET_DATASET)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_names_and_ids_are_told_from_concepts() {
        assert!(series_like("market-size"));
        assert!(series_like(
            "datasets/cic-global-llm-2026/series/market-size"
        ));
        assert!(!series_like("industry/maas"));
        assert!(!series_like("Market Size"));
        assert_eq!(
            short_concept("schemes/industry/concepts/maas"),
            "industry/maas"
        );
    }
}
