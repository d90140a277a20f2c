//! Property-based fuzzing (proptest) of what the servers take from outside: the TOML loaders,
//! fed arbitrary text and mutated or truncated copies of the built-in files, and the request
//! conversions, fed arbitrary requests. Nothing may panic, and every rejection must be a typed
//! error: `LoadError::Invalid` naming the file, or INVALID_ARGUMENT with a message.
//!
//! Case counts are fixed; failures found are kept in `proptest-regressions/` and replayed first.

use std::borrow::Cow;

use llmarket_forecast::{self as forecast, convert as fconv};
use llmarket_kit::data::{self, DataFile, DatasetFiles, LoadError};
use llmarket_proto::{forecast as fpb, taxonomy as tpb};
use llmarket_taxonomy::{self as taxonomy, convert as tconv};
use proptest::{prelude::*, sample::SizeRange, test_runner::FileFailurePersistence};
use tonic::{Code, Status};

/// Cases per loader property (each parses a file of up to ~50 KB in a debug build).
const LOADER_CASES: u32 = 64;
/// Cases per request property.
const REQUEST_CASES: u32 = 256;

/// A fixed case count, and failures kept in `server/proptest-regressions/fuzz.txt` (tests run in
/// the package directory), replayed before new cases.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz.txt",
        ))),
        ..ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------------------------
// The loaders.

const PATH: &str = "fuzz/data.toml";

fn builtin_text(pick: fn(&DatasetFiles) -> Option<&DataFile>) -> String {
    let builtin = data::builtin();
    pick(&builtin).expect("a built-in file").text.to_string()
}

fn forecast_text() -> String {
    builtin_text(|d| d.forecast.as_ref())
}

fn taxonomy_text() -> String {
    builtin_text(|d| d.taxonomy.as_ref())
}

fn source(forecast: Option<String>, taxonomy: Option<String>) -> DatasetFiles {
    let file = |text: String| DataFile {
        path: PATH.to_owned(),
        text: Cow::Owned(text),
    };
    DatasetFiles {
        directory: "fuzz".to_owned(),
        forecast: forecast.map(file),
        taxonomy: taxonomy.map(file),
        edition: None,
    }
}

/// A load result must be a success or an `Invalid` error naming the file and saying why.
fn typed<T>(result: Result<T, LoadError>) -> Result<(), TestCaseError> {
    match result {
        Ok(_) => Ok(()),
        Err(LoadError::Invalid {
            path,
            field,
            reason,
        }) => {
            prop_assert_eq!(path, PATH);
            prop_assert!(!field.is_empty() && !reason.is_empty());
            Ok(())
        }
        Err(LoadError::Io { path, source }) => Err(TestCaseError::fail(format!(
            "an I/O error from text in memory: {path}: {source}"
        ))),
        Err(LoadError::Permission { path, reason }) => Err(TestCaseError::fail(format!(
            "a permission error from text in memory: {path}: {reason}"
        ))),
    }
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Cut the text at this fraction of its length (a half-copied file).
    Truncate(f64),
    /// Remove the line at this fraction of the line count.
    DeleteLine(f64),
    /// Repeat the line at this fraction of the line count.
    DuplicateLine(f64),
    /// Replace the character at this fraction of the length by this one.
    Replace(f64, char),
    /// Insert this text at this fraction of the length.
    Insert(f64, String),
}

fn at(fraction: f64, len: usize) -> usize {
    // `fraction` is in 0..1, so the product is in 0..len.
    ((fraction * len as f64) as usize).min(len)
}

fn apply(text: &str, edit: &Edit) -> String {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match edit {
        Edit::Truncate(f) => text[..floor(at(*f, text.len()))].to_owned(),
        Edit::DeleteLine(f) | Edit::DuplicateLine(f) if !lines.is_empty() => {
            let i = at(*f, lines.len() - 1);
            let mut out: Vec<&str> = lines.clone();
            if matches!(edit, Edit::DeleteLine(_)) {
                out.remove(i);
            } else {
                out.insert(i, lines[i]);
            }
            out.concat()
        }
        Edit::DeleteLine(_) | Edit::DuplicateLine(_) => text.to_owned(),
        Edit::Replace(f, c) => {
            let i = floor(at(*f, text.len()));
            let mut out = text[..i].to_owned();
            out.push(*c);
            let mut rest = text[i..].chars();
            rest.next();
            out.extend(rest);
            out
        }
        Edit::Insert(f, s) => {
            let i = floor(at(*f, text.len()));
            format!("{}{s}{}", &text[..i], &text[i..])
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    let place = 0.0..1.0f64;
    let tokens = prop_oneof![
        Just("\"".to_owned()),
        Just("[[".to_owned()),
        Just("= 1e999\n".to_owned()),
        Just("= -1\n".to_owned()),
        Just("= \"\"\n".to_owned()),
        Just("\nid = \"x\"\n".to_owned()),
        ".{0,12}",
    ];
    prop_oneof![
        place.clone().prop_map(Edit::Truncate),
        place.clone().prop_map(Edit::DeleteLine),
        place.clone().prop_map(Edit::DuplicateLine),
        (place.clone(), any::<char>()).prop_map(|(f, c)| Edit::Replace(f, c)),
        (place, tokens).prop_map(|(f, s)| Edit::Insert(f, s)),
    ]
}

/// The text `base` after one to four edits.
fn mutated(base: String) -> impl Strategy<Value = String> {
    prop::collection::vec(edit(), 1..=4)
        .prop_map(move |edits| edits.iter().fold(base.clone(), |t, e| apply(&t, e)))
}

proptest! {
    #![proptest_config(config(LOADER_CASES))]

    #[test]
    fn forecast_loader_types_every_rejection_of_arbitrary_text(text in any::<String>()) {
        typed(forecast::Catalog::load(&[source(Some(text), None)]))?;
    }

    #[test]
    fn forecast_loader_types_every_rejection_of_a_mutated_builtin_file(text in mutated(forecast_text())) {
        typed(forecast::Catalog::load(&[source(Some(text), None)]))?;
    }

    #[test]
    fn taxonomy_loader_types_every_rejection_of_arbitrary_text(text in any::<String>()) {
        typed(taxonomy::Vocabulary::load(&[source(None, Some(text))]))?;
    }

    #[test]
    fn taxonomy_loader_types_every_rejection_of_a_mutated_builtin_file(text in mutated(taxonomy_text())) {
        typed(taxonomy::Vocabulary::load(&[source(None, Some(text))]))?;
    }
}

#[test]
fn the_builtin_files_themselves_load() {
    assert!(forecast::Catalog::load(&[source(Some(forecast_text()), None)]).is_ok());
    assert!(taxonomy::Vocabulary::load(&[source(None, Some(taxonomy_text()))]).is_ok());
}

// ---------------------------------------------------------------------------------------------
// The request conversions.

/// A conversion result must be a success or INVALID_ARGUMENT with a message.
fn invalid_or_ok<T>(result: Result<T, Status>) -> Result<(), TestCaseError> {
    if let Err(status) = result {
        prop_assert_eq!(status.code(), Code::InvalidArgument, "{:?}", status);
        prop_assert!(!status.message().is_empty());
    }
    Ok(())
}

/// Resource names: arbitrary text, near-valid shapes, and real names.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(datasets|schemes|milestones|series|concepts)(/[a-z0-9./-]{0,12}){0,4}",
        Just("datasets/cic-global-llm-2026/series/market-size".to_owned()),
        Just("schemes/industry/concepts/foundation-models".to_owned()),
        Just("schemes/industry".to_owned()),
        Just(String::new()),
    ]
}

fn year() -> impl Strategy<Value = i32> {
    prop_oneof![any::<i32>(), 1890..2210i32, Just(0)]
}

/// Enum fields are open on the wire: any i32 can arrive.
fn enumeration() -> impl Strategy<Value = i32> {
    prop_oneof![any::<i32>(), -2..8i32]
}

fn language() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("en".to_owned()),
        Just("zh-Hans".to_owned()),
        "[a-zA-Z0-9_-]{0,16}",
        any::<String>(),
    ]
}

fn page_size() -> impl Strategy<Value = i32> {
    prop_oneof![any::<i32>(), -1..1100i32]
}

fn names(count: impl Into<SizeRange>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), count)
}

proptest! {
    #![proptest_config(config(REQUEST_CASES))]

    #[test]
    fn get_observations_requests_convert_or_are_invalid(
        series in name(), start_year in year(), end_year in year(),
        transform in enumeration(), fill in enumeration(),
    ) {
        let request = fpb::GetObservationsRequest { series, start_year, end_year, transform, fill };
        invalid_or_ok(fconv::ObservationsQuery::try_from(&request))?;
    }

    #[test]
    fn compute_growth_requests_convert_or_are_invalid(
        series in name(), start_year in year(), end_year in year(), fill in enumeration(),
    ) {
        let request = fpb::ComputeGrowthRequest { series, start_year, end_year, fill };
        invalid_or_ok(fconv::GrowthQuery::try_from(&request))?;
    }

    #[test]
    fn get_breakdown_requests_convert_or_are_invalid(
        series in name(), year in year(), fill in enumeration(),
    ) {
        let request = fpb::GetBreakdownRequest { series, year, fill };
        invalid_or_ok(fconv::BreakdownQuery::try_from(&request))?;
    }

    #[test]
    fn project_series_requests_convert_or_are_invalid(
        series in name(), base_year in year(), end_year in year(), fill in enumeration(),
        scenario in prop::option::of(prop_oneof![
            any::<f64>().prop_map(fpb::project_series_request::Scenario::AnnualRate),
            any::<bool>().prop_map(fpb::project_series_request::Scenario::StatedRate),
        ]),
    ) {
        let request = fpb::ProjectSeriesRequest { series, base_year, end_year, fill, scenario };
        invalid_or_ok(fconv::ProjectionQuery::try_from(&request))?;
    }

    #[test]
    fn list_concepts_requests_convert_or_are_invalid(
        parent in name(), broader in name(), page_size in page_size(),
        page_token in any::<String>(), language_code in language(),
    ) {
        let request = tpb::ListConceptsRequest { parent, broader, page_size, page_token, language_code };
        invalid_or_ok(tconv::ConceptsQuery::try_from(&request))?;
    }

    #[test]
    fn batch_get_concepts_requests_convert_or_are_invalid(
        names in prop_oneof![
            names(0..8),
            // Around the cap of one batch, with a cheap name (a thousand arbitrary ones are slow).
            prop::collection::vec(Just("schemes/industry/concepts/foundation-models".to_owned()), 990..1010),
        ],
        language_code in language(),
    ) {
        let request = tpb::BatchGetConceptsRequest { names, language_code };
        invalid_or_ok(tconv::BatchQuery::try_from(&request))?;
    }

    #[test]
    fn search_concepts_requests_convert_or_are_invalid(
        query in any::<String>(), language_code in language(), schemes in names(0..6),
        page_size in page_size(), page_token in any::<String>(), view in any::<i32>(),
    ) {
        let request = tpb::SearchConceptsRequest { query, language_code, schemes, page_size, page_token, view };
        invalid_or_ok(tconv::SearchQuery::try_from(&request))?;
    }

    #[test]
    fn list_milestones_requests_convert_or_are_invalid(
        start_year in year(), end_year in year(), concept in name(), page_size in page_size(),
        page_token in any::<String>(), language_code in language(),
    ) {
        let request = tpb::ListMilestonesRequest {
            start_year, end_year, concept, page_size, page_token, language_code,
        };
        invalid_or_ok(tconv::MilestonesQuery::try_from(&request))?;
    }
}
