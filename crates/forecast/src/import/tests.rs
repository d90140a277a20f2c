//! Tests of the import on the built-in report: what it keeps, changes and leaves out, and each
//! error at its line.

use llmarket_kit::data::{PublishDate, builtin};

use super::*;
use crate::model::{Catalog, Dataset};

const HEADER: &str = "series,measure,from_year,year,value,low,high,width_unknown,unit,qualifier,\
kind,provenance,method,past_horizon,source,note,quote,series_note";

/// The rows `llmarket report overview` and `report cost` write (series notes left out), in
/// their order: stated and derived.
const ROWS: &[&str] = &[
    "market-size,value,,2024,10.7,10.65,10.75,false,usd_billion,exact,actual,reported,,false,1.2,\"107 亿美元 (USD 10.7 billion), CIC's estimate (测算)\",\"据 CIC 灼识咨询测算, 2024 年该市场规模为 107 亿美元\",",
    "market-size,value,,2025,19.3,19.2,19.5,true,usd_billion,approximate,forecast,derived,cagr_interpolation,false,1.2,,,",
    "market-size,value,,2029,206.5,206.45,206.55,false,usd_billion,exact,forecast,reported,,false,1.2,\"2,065 亿美元 (USD 206.5 billion), expected (预计)\",\"预计 2029 年将增至 2,065 亿美元\",",
    "market-size,multiple,2024,2029,19.3,19.2,19.4,false,fraction,exact,forecast,derived,multiple,false,1.2,,,",
    "market-size,cagr,2024,2029,0.808,0.805,0.810,false,fraction,exact,forecast,derived,cagr,false,1.2,,,",
    "market-size,cagr,2024,2029,0.807,0.8065,0.8075,false,fraction,exact,forecast,reported,,false,1.2,,年复合增长率 (CAGR) 达 80.7%,",
    "application-market,value,,2029,151.5,151.45,151.55,false,usd_billion,exact,forecast,reported,,false,1.2,\"1,515 亿美元 (USD 151.5 billion), expected (预计)\",\"大模型应用市场 2029 年规模预计将达 1,515 亿美元\",",
    "application-market,share_of_parent,,2029,0.7337,0.7332,0.7341,false,fraction,exact,forecast,derived,share_of_parent,false,1.2,,,",
    "maas-market,value,,2029,55.0,54.95,55.05,false,usd_billion,exact,forecast,reported,,false,1.2,550 亿美元 (USD 55.0 billion) in the same year (同期),大模型 MaaS 市场同期规模将增至 550 亿美元,",
    "inference-cost,cagr,2022,2024,-0.9292,-1.0000,-0.9292,true,fraction,upper_bound,actual,derived,cagr,false,2.1,,,",
    "inference-cost,annual_change,,,-0.9,,,true,fraction,approximate,forecast,reported,,false,2.1,,推理成本预计每年以十倍幅度下降,",
    "inference-cost,value,,2022,20,,,true,usd_per_million_tokens,approximate,actual,reported,,false,2.1,end of 2022 (2022 年末); about (约) USD 20,推理成本已从 2022 年末约每百万 token 20 美元,",
    "inference-cost,value,,2024,0.1,,0.1,false,usd_per_million_tokens,upper_bound,actual,reported,,false,2.1,end of 2024 (2024 年末); below (以下) USD 0.1,大幅降至 2024 年末的 0.1 美元以下,",
    "inference-cost,projection,,2025,0.01,,0.01,true,usd_per_million_tokens,upper_bound,forecast,derived,projection,false,2.1,,,",
];

/// The rows that are derived in [`ROWS`].
const DERIVED: usize = 6;

fn edition() -> EditionMeta {
    EditionMeta {
        dataset: "cic-global-llm".into(),
        id: "2027".into(),
        published: Some(PublishDate::parse("2027-06-30").unwrap()),
    }
}

fn base() -> DataFile {
    builtin().forecast.unwrap()
}

fn csv(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text
}

fn run(files: &[(&str, &str)]) -> Result<Imported, ImportError> {
    let files: Vec<CsvFile<'_>> = files
        .iter()
        .map(|(path, text)| CsvFile { path, text })
        .collect();
    import(&base(), &files, &edition())
}

/// The errors of importing one file `a.csv` of `rows`.
fn errors(rows: &[&str]) -> Vec<String> {
    match run(&[("a.csv", &csv(rows))]) {
        Err(ImportError::Csv(errors)) => errors.iter().map(ToString::to_string).collect(),
        other => panic!("expected CSV errors, got {other:?}"),
    }
}

/// Asserts one error, at `line` of a.csv, containing `needle`.
fn assert_one_error(rows: &[&str], line: u64, needle: &str) {
    let errors = errors(rows);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!("a.csv:{line}: ")) && errors[0].contains(needle),
        "{:?} is not at a.csv:{line} with {needle:?}",
        errors[0]
    );
}

fn load(text: &str) -> Dataset {
    crate::load::parse_dataset(&DataFile::owned("forecast.toml", text.to_owned()), "x").unwrap()
}

/// ROWS with `row` (an index) rewritten by `edit`.
fn edited(row: usize, edit: impl Fn(&str) -> String) -> Vec<String> {
    ROWS.iter()
        .enumerate()
        .map(|(i, r)| if i == row { edit(r) } else { (*r).to_owned() })
        .collect()
}

fn refs(rows: &[String]) -> Vec<&str> {
    rows.iter().map(String::as_str).collect()
}

#[test]
fn an_unchanged_export_imports_to_the_base_stated_values() {
    let imported = run(&[("a.csv", &csv(ROWS))]).unwrap();
    let new = load(&imported.forecast_toml);
    let old = load(&base().text);
    assert_eq!(new.id, "cic-global-llm-2027");
    assert_eq!(new.info.year, 2027);
    assert_eq!(new.series().len(), old.series().len());
    for (n, o) in new.series().iter().zip(old.series()) {
        assert_eq!(n.observations, o.observations, "{}", o.id);
        assert_eq!(n.stated_rates, o.stated_rates, "{}", o.id);
        assert_eq!(
            (&n.title_en, &n.note, &n.components),
            (&o.title_en, &o.note, &o.components)
        );
    }
    assert_eq!(
        imported.summary,
        Summary {
            stated: 8,
            derived_skipped: DERIVED,
            ..Summary::default()
        }
    );
}

#[test]
fn a_changed_and_an_added_value_are_stated_and_derived_rows_are_not_stored() {
    let mut rows = edited(2, |r| {
        r.replace("206.5,206.45,206.55", "240.0,239.95,240.05")
            .replace("预计 2029 年将增至 2,065 亿美元", "my estimate")
    });
    // A value added by hand: stated by the new edition, in the user's words.
    rows.push(
        "market-size,value,,2026,40,,,true,usd_billion,approximate,forecast,reported,,false,1.2,\
         added by hand,my own guess,"
            .to_owned(),
    );
    let imported = run(&[("a.csv", &csv(&refs(&rows)))]).unwrap();
    let new = load(&imported.forecast_toml);
    let market = new.get("market-size").unwrap();
    let years: Vec<(i32, f64)> = market
        .observations
        .iter()
        .map(|o| (o.year, o.value))
        .collect();
    // 2025 was a derived row: never stored.
    assert_eq!(years, [(2024, 10.7), (2026, 40.0), (2029, 240.0)]);
    let changed = market.stated(2029).unwrap();
    assert_eq!(
        (changed.resolution, changed.quote.as_str()),
        (0.1, "my estimate")
    );
    assert_eq!(
        changed.note_zh_hans, "",
        "the base's Chinese note is of the old value"
    );
    assert_eq!(
        market.stated(2024).unwrap().note_zh_hans,
        "107 亿美元，CIC 灼识咨询测算"
    );
    let added = market.stated(2026).unwrap();
    assert_eq!(added.provenance, crate::model::Provenance::Reported);
    assert_eq!(
        (added.note.as_str(), added.quote.as_str()),
        ("added by hand", "my own guess")
    );
    assert!(added.range.width_unknown);
    assert_eq!(
        (
            imported.summary.changed,
            imported.summary.added,
            imported.summary.derived_skipped
        ),
        (1, 1, DERIVED)
    );
    // The new file loads beside the base as a second edition of the dataset.
    let sources = [
        builtin(),
        llmarket_kit::data::DatasetFiles {
            edition: Some(edition()),
            ..llmarket_kit::data::DatasetFiles::forecast_only(
                "new",
                DataFile::owned("new/forecast.toml", imported.forecast_toml),
            )
        },
    ];
    Catalog::load(&sources).unwrap();
}

#[test]
fn what_the_csv_does_not_show_is_kept_from_the_base() {
    // Only the market size's values (as `llmarket series get market-size` writes them).
    let imported = run(&[("a.csv", &csv(&ROWS[..3]))]).unwrap();
    let new = load(&imported.forecast_toml);
    let old = load(&base().text);
    for (n, o) in new.series().iter().zip(old.series()) {
        assert_eq!(n.observations, o.observations, "{}", o.id);
        assert_eq!(n.stated_rates, o.stated_rates, "{}", o.id);
    }
    assert_eq!(
        imported.summary.kept_from_base,
        [
            "market-size (rates)",
            "application-market (values)",
            "maas-market (values)",
            "inference-cost (values)",
            "inference-cost (rates)"
        ]
    );
}

#[test]
fn a_deleted_row_removes_the_stated_value_and_a_series_needs_one() {
    let rows: Vec<&str> = ROWS
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 0)
        .map(|(_, r)| *r)
        .collect();
    let new = load(&run(&[("a.csv", &csv(&rows))]).unwrap().forecast_toml);
    assert!(new.get("market-size").unwrap().stated(2024).is_none());
    // A series whose value rows are all derived has nothing left to state.
    assert_one_error(&[ROWS[1]], 2, "has no stated value left");
}

#[test]
fn the_files_are_read_together_and_a_duplicate_across_them_is_an_error() {
    let imported = run(&[("a.csv", &csv(&ROWS[..6])), ("b.csv", &csv(&ROWS[6..]))]).unwrap();
    assert_eq!(imported.summary.stated, 8);
    let result = run(&[("a.csv", &csv(&ROWS[..3])), ("b.csv", &csv(&ROWS[2..3]))]);
    let Err(ImportError::Csv(errors)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["b.csv:2: market-size value 2029 is given twice (first at a.csv:4); keep one"]
    );
    // Errors come in the order the files were given, then by line.
    let bad = |r: &str| r.replacen("usd_billion", "usd", 1);
    let (z, a) = (csv(&[&bad(ROWS[0])]), csv(&[ROWS[1], &bad(ROWS[2])]));
    let Err(ImportError::Csv(errors)) = run(&[("z.csv", &z), ("a.csv", &a)]) else {
        panic!()
    };
    let at: Vec<String> = errors
        .iter()
        .map(|e| format!("{}:{}", e.path, e.line))
        .collect();
    assert_eq!(at, ["z.csv:2", "a.csv:3"]);
}

#[test]
fn a_wrong_header_is_an_error_at_line_1() {
    let text = csv(ROWS).replacen("series,measure", "series,what", 1);
    let Err(ImportError::Csv(errors)) = run(&[("a.csv", &text)]) else {
        panic!()
    };
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .starts_with("a.csv:1: the header is not")
    );
    // The header with the edition columns the command adds is the command's too.
    let text = csv(&[]).replace("series_note", "series_note,edition,data_version")
        + ROWS[0]
        + ",2026,e887bad0be216b32\r\n";
    run(&[("a.csv", &text)]).unwrap();
    let Err(ImportError::Csv(errors)) = run(&[("empty.csv", "")]) else {
        panic!()
    };
    assert!(
        errors[0]
            .to_string()
            .starts_with("empty.csv:1: the header is not")
    );
}

#[test]
fn each_kind_of_error_names_its_line() {
    let cases: &[(usize, &str, &str, &str)] = &[
        (
            0,
            "market-size,",
            "market-sizes,",
            "series \"market-sizes\" is not a series",
        ),
        (0, "usd_billion", "usd_bn", "unit \"usd_bn\" is not a unit"),
        (
            0,
            ",exact,",
            ",exactly,",
            "qualifier \"exactly\" is not a qualifier",
        ),
        (0, ",actual,", ",past,", "kind \"past\" is not a kind"),
        (
            0,
            ",reported,",
            ",stated,",
            "provenance \"stated\" is not a provenance",
        ),
        (0, ",10.7,", ",10,7,", "has 19 field(s); the header has 18"),
        (0, ",10.7,", ",ten,", "value \"ten\" is not a number"),
        (0, "10.65", "1O.65", "low \"1O.65\" is not a number"),
        (0, ",2024,", ",2300,", "year 2300 is outside 1900..=2200"),
        (0, ",2024,", ",1899,", "year 1899 is outside 1900..=2200"),
        (0, ",2024,", ",later,", "year \"later\" is not a year"),
        (
            0,
            "10.65,10.75",
            "10.8,10.9",
            "low 10.8 is above value 10.7",
        ),
        (
            0,
            "10.65,10.75",
            "10.5,10.6",
            "high 10.6 is below value 10.7",
        ),
        (
            0,
            "10.65,10.75",
            "10.6,10.75",
            "are not centred on value 10.7",
        ),
        (0, "10.65,10.75", "10.65,", "give both low and high"),
        (
            0,
            "usd_billion",
            "usd_per_million_tokens",
            "unit usd_per_million_tokens differs from the unit of series \"market-size\", usd_billion",
        ),
        (
            0,
            ",false,usd",
            ",maybe,usd",
            "width_unknown \"maybe\" is not true or false",
        ),
        (0, ",value,", ",size,", "measure \"size\" is not a measure"),
        (
            5,
            ",fraction,",
            ",index,",
            "unit index differs from a rate's unit, fraction",
        ),
        (
            5,
            ",2024,2029,",
            ",2029,2024,",
            "year 2024 is not after from_year 2029",
        ),
        (
            5,
            ",2024,2029,",
            ",,2029,",
            "a cagr needs both from_year and year",
        ),
        (
            5,
            ",,年复合",
            ",my note,年复合",
            "a stated rate has no note",
        ),
        (5, "0.807,0.8065,0.8075", "-1,,", "is not a rate"),
        (
            7,
            ",derived,",
            ",reported,",
            "a share_of_parent is always derived",
        ),
        (
            12,
            ",,0.1,false",
            ",0.05,0.1,false",
            "low is set, but an upper bound has no low end",
        ),
    ];
    for (row, from, to, needle) in cases {
        let rows = edited(*row, |r| {
            assert!(r.contains(from), "{from:?} not in row {row}");
            r.replacen(from, to, 1)
        });
        // The header is line 1: row i is line i + 2.
        assert_one_error(&refs(&rows), *row as u64 + 2, needle);
    }
    // A duplicate names both lines.
    let rows = [ROWS[0], ROWS[2], ROWS[0]];
    assert_one_error(
        &rows,
        4,
        "market-size value 2024 is given twice (first at a.csv:2)",
    );
}

#[test]
fn every_error_is_reported_at_once_and_a_quoted_line_break_keeps_the_count() {
    let rows = [
        // Line 2, with a line break in its note: the next record starts on line 4.
        &ROWS[0].replace("CIC's estimate", "CIC's\nestimate") as &str,
        &ROWS[2].replace("206.5,", "abc,"),
        ROWS[3],
        &ROWS[6]
            .replace("application-market", "nowhere")
            .replace("usd_billion", "usd"),
    ];
    let errors = errors(&rows);
    assert_eq!(
        errors,
        [
            "a.csv:4: value \"abc\" is not a number",
            "a.csv:6: series \"nowhere\" is not a series of the base edition",
            "a.csv:6: unit \"usd\" is not a unit; use one of usd_billion, usd_per_million_tokens, fraction, index",
        ]
    );
}

#[test]
fn lines_are_counted_with_lf_and_crlf_line_ends_and_blank_lines() {
    let rows = [ROWS[0], ROWS[2], &ROWS[3].replace("19.3,", "x,")];
    for (end, blank) in [("\n", ""), ("\r\n", ""), ("\n", "\n"), ("\r\n", "\r\n")] {
        let text = format!("{HEADER}{end}{blank}{}{end}", rows.join(end));
        let Err(ImportError::Csv(errors)) = run(&[("a.csv", &text)]) else {
            panic!()
        };
        let line = if blank.is_empty() { 4 } else { 5 };
        assert!(
            errors[0]
                .to_string()
                .starts_with(&format!("a.csv:{line}: value \"x\"")),
            "{end:?} {blank:?}: {errors:?}"
        );
    }
}

#[test]
fn a_spreadsheet_s_byte_order_mark_and_upper_case_flags_are_read() {
    let text = format!(
        "\u{feff}{}",
        csv(ROWS)
            .replace(",false,", ",FALSE,")
            .replace(",true,", ",TRUE,")
    );
    let imported = run(&[("a.csv", &text)]).unwrap();
    assert_eq!(imported.summary.stated, 8);
}

#[test]
fn a_base_that_does_not_load_is_its_own_error() {
    let bad = DataFile::owned("base/forecast.toml", "id = 1".to_owned());
    let result = import(
        &bad,
        &[CsvFile {
            path: "a.csv",
            text: &csv(ROWS),
        }],
        &edition(),
    );
    assert!(matches!(result, Err(ImportError::Base(_))), "{result:?}");
}
