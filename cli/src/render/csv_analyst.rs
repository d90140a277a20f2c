//! The CSV values of the analyst's commands: a series with its transform as the measure
//! (`year_over_year`, `index`, `share_of_parent`) and its projection, several series side by
//! side; the datasets and a series search print no values.

use std::borrow::Cow;

use crate::render::csv::{Value, Values};
use llmarket_client::reports::{
    analyst::{DatasetList, SeriesBreakdown, SeriesComparison, SeriesSearch, Transform},
    direct::SeriesDetail,
    short_id,
};

/// The CSV `measure` of a series' values under `transform`.
fn measure(transform: Option<Transform>) -> &'static str {
    match transform {
        None => "value",
        Some(Transform::YearOverYear) => "year_over_year",
        Some(Transform::Index) => "index",
        Some(Transform::ShareOfParent) => "share_of_parent",
    }
}

impl Values for SeriesDetail {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        Some(detail_values(self))
    }
}

/// A series' values, then its projection's.
fn detail_values(detail: &SeriesDetail) -> Vec<Value<'_>> {
    let series = short_id(&detail.values.name);
    let note = detail.values.note.as_str();
    let mut values: Vec<Value<'_>> = detail
        .values
        .points
        .iter()
        .map(|point| {
            Value::of_year(
                series,
                measure(detail.transform),
                Cow::Borrowed(point),
                note,
            )
        })
        .collect();
    if let Some(projection) = &detail.projection {
        values.extend(
            projection
                .points
                .iter()
                .map(|point| Value::of_year(series, "projection", Cow::Borrowed(point), note)),
        );
    }
    values
}

impl Values for SeriesComparison {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        Some(self.series.iter().flat_map(detail_values).collect())
    }
}

impl Values for DatasetList {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        None
    }
}

impl Values for SeriesSearch {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        None
    }
}

impl Values for SeriesBreakdown {
    /// Each component's value, then the total's (the shares are in the JSON).
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let b = &self.breakdown;
        let mut values: Vec<Value<'_>> = b
            .components
            .iter()
            .map(|c| Value::of_year(short_id(&c.series), "value", Cow::Borrowed(&c.value), ""))
            .collect();
        values.push(Value::of_year(
            short_id(&b.series),
            "value",
            Cow::Borrowed(&b.total),
            &self.note,
        ));
        Some(values)
    }
}
