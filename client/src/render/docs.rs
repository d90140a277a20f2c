//! What each report says, as a [`Doc`] and a [`Chart`]: one `impl Render` per report type.

use crate::{
    render::{Chart, Doc, Line, Render, format, words::Words},
    reports::{
        CostOutlook, Language, MarketOverview, SegmentReport, Timeline, Warning,
        direct::{ConceptDetail, Milestones, SearchResults, SeriesDetail, SeriesList},
        model::{
            ConceptRef, ConceptSummary, Growth, MilestoneItem, Point, RateKind, SeriesValues,
            StatedRate, Unit,
        },
        short_id,
    },
};

const NOT_AVAILABLE: &str = "Not available (see the warnings).";

/// A unit in the report's language.
fn unit(w: Words, unit: Unit) -> &'static str {
    w.t(unit.label())
}

/// "L3 Agents", or the label alone.
fn concept_title(concept: &ConceptSummary) -> String {
    match &concept.notation {
        Some(notation) if !concept.label.starts_with(notation.as_str()) => {
            format!("{notation} {}", concept.label)
        }
        _ => concept.label.clone(),
    }
}

/// Each concept with its definition, nested under its broader concept when that one is in the
/// list too (the list is in vocabulary order, broader before narrower).
fn concept_terms(concepts: &[ConceptSummary]) -> Vec<(usize, String, String)> {
    let depth = |concept: &ConceptSummary| {
        let mut depth = 0;
        let mut current = concept;
        // Bounded by the list's length, so a cycle in bad data cannot loop forever.
        while depth < concepts.len() {
            let Some(parent) = current
                .broader
                .first()
                .and_then(|b| concepts.iter().find(|c| &c.name == b))
            else {
                break;
            };
            depth += 1;
            current = parent;
        }
        depth
    };
    concepts
        .iter()
        .map(|c| (depth(c), concept_title(c), c.definition.clone()))
        .collect()
}

fn concept_ref(r: &ConceptRef) -> String {
    r.label.clone().unwrap_or_else(|| r.name.clone())
}

fn refs(list: &[ConceptRef]) -> String {
    if list.is_empty() {
        "—".to_owned()
    } else {
        list.iter().map(concept_ref).collect::<Vec<_>>().join(", ")
    }
}

/// The rows Year | Value | Kind | Basis of a series; a derived value's basis points to the
/// note (see [`derived_note`]) that says how it was computed.
fn value_rows(w: Words, points: &[Point]) -> Vec<Vec<String>> {
    let methods = format::derived_methods(points);
    points
        .iter()
        .map(|p| {
            vec![
                p.year.to_string(),
                format::point_value(p),
                w.t(format::kind(p.kind)).to_owned(),
                basis(w, p, &methods),
            ]
        })
        .collect()
}

/// "stated, §1.2", or "derived [n]" with `n` the number of its method's note.
fn basis(w: Words, point: &Point, methods: &[String]) -> String {
    let note = point
        .method
        .as_ref()
        .and_then(|m| methods.iter().position(|x| x == m));
    match note {
        Some(index) if point.is_derived() => format!("{} [{}]", w.t("derived"), index + 1),
        _ if point.is_derived() => w.t("derived").to_owned(),
        _ if point.source.is_empty() => w.t("stated").to_owned(),
        _ => format!("{}, §{}", w.t("stated"), point.source),
    }
}

/// The numbered notes on how the derived values (marked `*`) were computed.
fn derived_note(w: Words, doc: &mut Doc, points: &[Point]) {
    let methods = format::derived_methods(points);
    if !methods.is_empty() {
        doc.text(w.t("* derived by the forecast service, not stated in the report:"));
        doc.list(
            methods
                .iter()
                .enumerate()
                .map(|(i, method)| format!("[{}] {method}", i + 1))
                .collect(),
        );
    }
}

fn series_table(w: Words, doc: &mut Doc, series: &SeriesValues) {
    doc.table(
        &[w.t("Year"), unit(w, series.unit), w.t("Kind"), w.t("Basis")],
        value_rows(w, &series.points),
    );
    derived_note(w, doc, &series.points);
}

fn stated_rate_text(w: Words, rate: &StatedRate) -> String {
    let what = match rate.rate_kind {
        RateKind::Cagr => w.t("CAGR"),
        RateKind::AnnualChange => w.t("a year"),
    };
    let span = format::span(rate.start_year, rate.end_year);
    let mut text = format!("{} {what}", format::stated_rate(rate));
    if !span.is_empty() {
        text.push_str(&format!(", {span}"));
    }
    text.push_str(&format!(", {}", w.t(format::kind(rate.kind))));
    if !rate.source.is_empty() {
        text.push_str(&format!(" (§{})", rate.source));
    }
    text
}

fn growth_fields(w: Words, growth: &Growth) -> Vec<(String, String)> {
    let mut fields = vec![
        (
            w.t("CAGR, computed").to_owned(),
            format!(
                "{} ({} … {}, {})",
                format::percent(growth.cagr, 2),
                growth
                    .cagr_low
                    .map_or_else(|| "−∞".to_owned(), |low| format::percent(low, 2)),
                growth
                    .cagr_high
                    .map_or_else(|| "+∞".to_owned(), |high| format::percent(high, 2)),
                w.t("within the rounding of the inputs")
            ),
        ),
        (
            w.t("Multiple").to_owned(),
            format!(
                "{:.2}×, {} {} ({} → {})",
                growth.multiple,
                growth.years,
                w.t("years"),
                format::point_value(&growth.start),
                format::point_value(&growth.end)
            ),
        ),
    ];
    match (&growth.stated, growth.agrees_with_stated) {
        (Some(stated), agrees) => {
            fields.push((w.t("CAGR, stated").to_owned(), stated_rate_text(w, stated)));
            let verdict = if agrees == Some(true) {
                "the stated CAGR agrees with the computed one within rounding"
            } else {
                "the stated CAGR does NOT agree with the computed one within rounding"
            };
            fields.push((w.t("Check").to_owned(), w.t(verdict).to_owned()));
        }
        (None, _) => fields.push((
            w.t("CAGR, stated").to_owned(),
            w.t("the report states none for this span").to_owned(),
        )),
    }
    if !growth.method.is_empty() {
        fields.push((w.t("Method").to_owned(), growth.method.clone()));
    }
    fields
}

fn warnings_section(w: Words, doc: &mut Doc, warnings: &[Warning]) {
    if !warnings.is_empty() {
        doc.heading(2, w.t("Warnings"));
        doc.list(warnings.iter().map(Warning::to_string).collect());
    }
}

fn line(label: &str, points: &[Point]) -> Line {
    Line {
        label: label.to_owned(),
        points: points
            .iter()
            .map(|p| (p.year, p.value, p.is_derived()))
            .collect(),
    }
}

fn series_chart(w: Words, series: &SeriesValues) -> Option<Chart> {
    (!series.points.is_empty()).then(|| Chart {
        title: series.title.clone(),
        y_label: unit(w, series.unit).to_owned(),
        log_scale: false,
        lines: vec![line(&series.title, &series.points)],
    })
}

impl Render for MarketOverview {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, &self.dataset.title);
        doc.fields(vec![
            (w.t("Dataset").to_owned(), self.dataset.name.clone()),
            (w.t("Publisher").to_owned(), self.dataset.publisher.clone()),
            (w.t("Year").to_owned(), self.dataset.year.to_string()),
            (w.t("Notice").to_owned(), self.dataset.notice.clone()),
        ]);

        doc.heading(2, &self.market.title);
        series_table(w, &mut doc, &self.market);

        doc.heading(
            2,
            format!(
                "{} {}",
                w.t("Growth"),
                format::span(Some(self.growth.start.year), Some(self.growth.end.year))
            ),
        );
        doc.fields(growth_fields(w, &self.growth));

        let b = &self.breakdown;
        doc.heading(2, format!("{} {}", w.t("Breakdown"), b.year));
        let mut rows: Vec<Vec<String>> = b
            .components
            .iter()
            .map(|c| {
                vec![
                    c.title.clone(),
                    format::point_value(&c.value),
                    format::percent(c.share, 1),
                ]
            })
            .collect();
        rows.push(vec![
            w.t("Total").to_owned(),
            format::point_value(&b.total),
            "100.0%".to_owned(),
        ]);
        doc.table(
            &[w.t("Component"), unit(w, b.total.unit), w.t("Share")],
            rows,
        );
        let verdict = if b.components_add_up {
            "The components add up to the total within rounding"
        } else {
            "The components do NOT add up to the total within rounding"
        };
        doc.text(format!(
            "{} ({} {}, {} {}).",
            w.t(verdict),
            w.t("sum"),
            format::number(b.components_sum),
            w.t("residual"),
            format::number(b.residual)
        ));

        doc.heading(2, w.t("Current capability level"));
        match &self.current_capability {
            Some(current) => doc.fields(vec![
                (w.t("Level").to_owned(), concept_title(&current.level)),
                (w.t("Position").to_owned(), current.position.clone()),
                (
                    w.t("Definition").to_owned(),
                    current.level.definition.clone(),
                ),
            ]),
            None => doc.text(w.t(NOT_AVAILABLE)),
        }
        for (title, concepts) in [
            ("Drivers", &self.drivers),
            ("Trends", &self.trends),
            ("Barriers", &self.barriers),
        ] {
            doc.heading(2, w.t(title));
            match concepts {
                Some(concepts) => doc.tree(concept_terms(concepts)),
                None => doc.text(w.t(NOT_AVAILABLE)),
            }
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        series_chart(Words(self.language), &self.market)
    }
}

impl Render for SegmentReport {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        let c = &self.concept;
        doc.heading(1, concept_title(&c.concept));
        let mut hierarchy: Vec<String> = c.ancestors.iter().rev().map(concept_ref).collect();
        hierarchy.push(c.concept.label.clone());
        let mut fields = vec![
            (w.t("Concept").to_owned(), c.concept.name.clone()),
            (w.t("Scheme").to_owned(), c.scheme.clone()),
            (w.t("Definition").to_owned(), c.concept.definition.clone()),
            (w.t("Hierarchy").to_owned(), hierarchy.join(" › ")),
            (w.t("Narrower").to_owned(), refs(&c.narrower)),
            (w.t("Related").to_owned(), refs(&c.related)),
        ];
        if !c.concept.source.is_empty() {
            fields.push((w.t("Source").to_owned(), format!("§{}", c.concept.source)));
        }
        doc.fields(fields);
        if self.series.is_empty() {
            doc.text(w.t("The concept links to no forecast series."));
        }
        for s in &self.series {
            doc.heading(2, &s.values.title);
            let shares = |year: i32| {
                s.share_of_parent
                    .iter()
                    .find(|p| p.year == year)
                    .map_or_else(|| "—".to_owned(), |p| format::percent(p.value, 1))
            };
            let rows = value_rows(w, &s.values.points)
                .into_iter()
                .zip(&s.values.points)
                .map(|(mut row, p)| {
                    row.push(shares(p.year));
                    row
                })
                .collect();
            let share_header = match &s.parent {
                Some(parent) => format!("{} {}", w.t("Share of"), short_id(parent)),
                None => w.t("Share of parent").to_owned(),
            };
            doc.table(
                &[
                    w.t("Year"),
                    unit(w, s.values.unit),
                    w.t("Kind"),
                    w.t("Basis"),
                    &share_header,
                ],
                rows,
            );
            derived_note(w, &mut doc, &s.values.points);
            let mut fields = vec![(w.t("Series").to_owned(), s.values.name.clone())];
            if let Some(parent) = &s.parent {
                fields.push((w.t("Parent").to_owned(), parent.clone()));
            }
            for rate in &s.stated_rates {
                fields.push((w.t("Stated rate").to_owned(), stated_rate_text(w, rate)));
            }
            match (&s.growth, &s.growth_note) {
                (Some(growth), _) => fields.extend(growth_fields(w, growth)),
                (None, Some(note)) => fields.push((w.t("Growth").to_owned(), note.clone())),
                (None, None) => {}
            }
            doc.fields(fields);
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let first = self.series.first()?;
        let lines: Vec<Line> = self
            .series
            .iter()
            .filter(|s| s.values.unit == first.values.unit && !s.values.points.is_empty())
            .map(|s| line(&s.values.title, &s.values.points))
            .collect();
        (!lines.is_empty()).then(|| Chart {
            title: self.concept.concept.label.clone(),
            y_label: unit(Words(self.language), first.values.unit).to_owned(),
            log_scale: false,
            lines,
        })
    }
}

fn milestone_when(w: Words, m: &MilestoneItem) -> String {
    match (m.month, m.end_of_year, w.0) {
        (Some(month), _, _) => format!("{}-{month:02}", m.year),
        (None, true, Language::En) => format!("end of {}", m.year),
        (None, true, Language::Zh) => format!("{} 年末", m.year),
        (None, false, _) => m.year.to_string(),
    }
}

impl Render for Timeline {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        let first = self.years.first().map(|y| y.year);
        let last = self.years.last().map(|y| y.year);
        doc.heading(
            1,
            format!("{} {}", w.t("Timeline"), format::span(first, last)),
        );
        doc.text(format!(
            "{} {} ({}).",
            w.t("Milestones beside the"),
            self.title,
            unit(w, self.unit)
        ));
        let points: Vec<Point> = self
            .years
            .iter()
            .filter_map(|y| y.market_size.clone())
            .collect();
        let methods = format::derived_methods(&points);
        let rows = self
            .years
            .iter()
            .map(|y| {
                let (value, basis) = y.market_size.as_ref().map_or_else(
                    || ("—".to_owned(), String::new()),
                    |p| (format::point_value(p), basis(w, p, &methods)),
                );
                let milestones = match &y.milestones {
                    Some(list) if list.is_empty() => "—".to_owned(),
                    Some(list) => list
                        .iter()
                        .map(|m| m.title.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    None => "n/a".to_owned(),
                };
                vec![y.year.to_string(), value, basis, milestones]
            })
            .collect();
        doc.table(
            &[
                w.t("Year"),
                &format!("{} ({})", w.t("Market size"), unit(w, self.unit)),
                w.t("Basis"),
                w.t("Milestones"),
            ],
            rows,
        );
        derived_note(w, &mut doc, &points);
        let milestones: Vec<&MilestoneItem> = self
            .years
            .iter()
            .filter_map(|y| y.milestones.as_ref())
            .flatten()
            .collect();
        if !milestones.is_empty() {
            doc.heading(2, w.t("Milestones"));
            doc.terms(
                milestones
                    .iter()
                    .map(|m| {
                        (
                            format!("{} {}", milestone_when(w, m), m.title),
                            m.description.clone(),
                        )
                    })
                    .collect(),
            );
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let points: Vec<Point> = self
            .years
            .iter()
            .filter_map(|y| y.market_size.clone())
            .collect();
        (!points.is_empty()).then(|| Chart {
            title: self.title.clone(),
            y_label: self.unit.label().to_owned(),
            log_scale: false,
            lines: vec![line(&self.title, &points)],
        })
    }
}

impl Render for CostOutlook {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, format!("{} {}", self.cost.title, w.t("outlook")));
        let mut fields = vec![(w.t("Series").to_owned(), self.cost.name.clone())];
        match &self.stated_rate {
            Some(rate) => {
                let mut text = stated_rate_text(w, rate);
                if rate.value < 0.0 && rate.value > -1.0 {
                    text.push_str(&format!(
                        " — {}: {}×",
                        w.t("fall each year"),
                        format::trimmed(1.0 / (1.0 + rate.value))
                    ));
                }
                fields.push((w.t("Stated rate").to_owned(), text));
            }
            None => fields.push((w.t("Stated rate").to_owned(), w.t("none stated").to_owned())),
        }
        doc.fields(fields);

        doc.heading(2, w.t("Stated values"));
        series_table(w, &mut doc, &self.cost);

        let p = &self.projection;
        doc.heading(
            2,
            format!(
                "{} {} {} {} {}",
                w.t("Projection at"),
                format::percent_trimmed(p.annual_rate),
                w.t("a year"),
                w.t("from"),
                p.base.year
            ),
        );
        let mut rows = vec![vec![
            p.base.year.to_string(),
            format::point_value(&p.base),
            w.t(format::kind(p.base.kind)).to_owned(),
            format!("{}: {}", w.t("base"), basis(w, &p.base, &[])),
        ]];
        rows.extend(value_rows(w, &p.points));
        doc.table(
            &[
                w.t("Year"),
                unit(w, self.cost.unit),
                w.t("Kind"),
                w.t("Basis"),
            ],
            rows,
        );
        derived_note(w, &mut doc, &p.points);

        doc.heading(2, w.t("Applications the cost decline unlocks"));
        match &self.unlocked_applications {
            Some(apps) => doc.terms(
                apps.iter()
                    .map(|a| {
                        (
                            concept_title(&a.application),
                            format!(
                                "{} ({}: {})",
                                a.application.definition,
                                w.t("unlocked by"),
                                a.unlocked_by
                            ),
                        )
                    })
                    .collect(),
            ),
            None => doc.text(w.t(NOT_AVAILABLE)),
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let w = Words(self.language);
        let mut projection = vec![self.projection.base.clone()];
        projection.extend(self.projection.points.iter().cloned());
        Some(Chart {
            title: format!("{} {}", self.cost.title, w.t("outlook")),
            y_label: format!("{} ({})", unit(w, self.cost.unit), w.t("log scale")),
            log_scale: true,
            lines: vec![
                line(w.t("stated"), &self.cost.points),
                line("projection at the stated rate", &projection),
            ],
        })
    }
}

impl Render for SeriesList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, format!("{} {}", w.t("Series of"), self.dataset));
        doc.table(
            &[
                w.t("Series"),
                w.t("Title"),
                w.t("Unit"),
                w.t("Years"),
                w.t("Parent"),
            ],
            self.series
                .iter()
                .map(|s| {
                    vec![
                        short_id(&s.name).to_owned(),
                        s.title.clone(),
                        unit(w, s.unit).to_owned(),
                        format::span(Some(s.first_year), Some(s.last_year)),
                        s.parent.as_deref().map_or("—", short_id).to_owned(),
                    ]
                })
                .collect(),
        );
        doc
    }

    fn chart(&self) -> Option<Chart> {
        None
    }
}

impl Render for SeriesDetail {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, &self.info.title);
        let mut fields = vec![(w.t("Series").to_owned(), self.info.name.clone())];
        if let Some(parent) = &self.info.parent {
            fields.push((w.t("Parent").to_owned(), parent.clone()));
        }
        if !self.info.components.is_empty() {
            fields.push((
                w.t("Components").to_owned(),
                self.info.components.join(", "),
            ));
        }
        for rate in &self.stated_rates {
            fields.push((w.t("Stated rate").to_owned(), stated_rate_text(w, rate)));
        }
        if !self.info.source.is_empty() {
            fields.push((w.t("Source").to_owned(), format!("§{}", self.info.source)));
        }
        doc.fields(fields);
        series_table(w, &mut doc, &self.values);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        series_chart(Words(self.language), &self.values)
    }
}

impl Render for ConceptDetail {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, concept_title(&self.concept));
        let list = |names: &[String]| {
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join(", ")
            }
        };
        let mut fields = vec![
            (w.t("Concept").to_owned(), self.concept.name.clone()),
            (w.t("Scheme").to_owned(), self.scheme.clone()),
            (
                w.t("Definition").to_owned(),
                self.concept.definition.clone(),
            ),
            (w.t("Broader").to_owned(), list(&self.broader)),
            (w.t("Narrower").to_owned(), list(&self.narrower)),
            (w.t("Related").to_owned(), list(&self.related)),
            (w.t("Series").to_owned(), list(&self.concept.series)),
        ];
        for (key, value) in &self.concept.attributes {
            fields.push((format!("{} {key}", w.t("Attribute")), value.clone()));
        }
        if !self.concept.source.is_empty() {
            fields.push((
                w.t("Source").to_owned(),
                format!("§{}", self.concept.source),
            ));
        }
        doc.fields(fields);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        None
    }
}

impl Render for SearchResults {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, format!("{} “{}”", w.t("Concepts matching"), self.query));
        doc.table(
            &[w.t("Concept"), w.t("Label"), w.t("Score"), w.t("Matched")],
            self.hits
                .iter()
                .map(|h| {
                    vec![
                        h.concept.name.clone(),
                        concept_title(&h.concept),
                        format!("{:.2}", h.score),
                        h.matched_text.clone(),
                    ]
                })
                .collect(),
        );
        doc.text(format!("{} {}.", self.total, w.t("hit(s)")));
        doc
    }

    fn chart(&self) -> Option<Chart> {
        None
    }
}

impl Render for Milestones {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, w.t("Milestones"));
        doc.terms(
            self.milestones
                .iter()
                .map(|m| {
                    (
                        format!("{} {}", milestone_when(w, m), m.title),
                        m.description.clone(),
                    )
                })
                .collect(),
        );
        doc
    }

    fn chart(&self) -> Option<Chart> {
        None
    }
}
