//! Parsing and validation of `taxonomy.toml` files into a [`Vocabulary`].
//!
//! A file holds `[[schemes]]` with their `[[schemes.concepts]]`, and `[[milestones]]`. Links are
//! written by id: `broader` names concepts of the same scheme; `related` and a milestone's
//! `concepts` name `scheme/concept` (or a bare id in the same scheme, for `related`), across
//! files too; `series` names series ids of the file's dataset. `related` is symmetric: a link
//! written one way is served both ways.
//!
//! The load is all or nothing: any malformed or inconsistent entry is a [`LoadError::Invalid`]
//! naming the file, the item (e.g. `schemes[industry].concepts[maas].broader[0]`) and what would
//! be valid.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use llmarket_proto::names::{
    concept_name, dataset_name, is_valid_id, milestone_name, scheme_name, series_name,
};

use super::{
    language::Lang,
    model::{Concept, ConceptIndex, MAX_YEAR, MIN_YEAR, Milestone, Scheme, Texts},
    text::normalize,
    vocabulary::Vocabulary,
};
use crate::data::{DataFile, DatasetFiles, LoadError, TAXONOMY_FILE};

/// A `taxonomy.toml` file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    /// The forecast dataset the vocabulary belongs to; defaults to the directory name.
    dataset: Option<String>,
    #[serde(default)]
    schemes: Vec<RawScheme>,
    #[serde(default)]
    milestones: Vec<RawMilestone>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    id: String,
    #[serde(default)]
    title_zh_hans: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    definition_zh_hans: String,
    #[serde(default)]
    definition_en: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    concepts: Vec<RawConcept>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcept {
    id: String,
    #[serde(default)]
    notation: String,
    #[serde(default)]
    pref_label_zh_hans: String,
    #[serde(default)]
    pref_label_en: String,
    #[serde(default)]
    alt_labels_zh_hans: Vec<String>,
    #[serde(default)]
    alt_labels_en: Vec<String>,
    #[serde(default)]
    definition_zh_hans: String,
    #[serde(default)]
    definition_en: String,
    #[serde(default)]
    broader: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    series: Vec<String>,
    /// Defaults to the scheme's source.
    source: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMilestone {
    id: String,
    year: i64,
    month: Option<i64>,
    #[serde(default)]
    end_of_year: bool,
    #[serde(default)]
    title_zh_hans: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description_zh_hans: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    concepts: Vec<String>,
    #[serde(default)]
    source: String,
}

/// A link written in a file, resolved once every file is read.
#[derive(Debug)]
struct Link {
    /// The file it is written in.
    path: String,
    /// The item and field, e.g. `schemes[a].concepts[b].related[0]`.
    field: String,
    /// The scheme the link points into.
    scheme: String,
    /// The concept id it points to.
    concept: String,
}

/// A concept's links, resolved after every file is read.
#[derive(Debug, Default)]
struct PendingLinks {
    broader: Vec<Link>,
    related: Vec<Link>,
}

/// Everything read from the files so far, with links still by id.
#[derive(Debug, Default)]
struct Builder {
    schemes: Vec<Scheme>,
    scheme_paths: HashMap<String, String>,
    concepts: Vec<Concept>,
    links: Vec<PendingLinks>,
    milestones: Vec<Milestone>,
    milestone_links: Vec<Vec<Link>>,
    milestone_paths: HashMap<String, String>,
}

impl Vocabulary {
    /// Parses and validates the taxonomy files of `sources` (sources without one are skipped).
    /// Any bad file, or a scheme or milestone id used twice across files, fails the whole load.
    pub fn load(sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        let mut builder = Builder::default();
        for source in sources {
            if let Some(file) = &source.taxonomy {
                builder.file(file, &source.directory)?;
            }
        }
        builder.finish()
    }
}

/// Trims `text` and returns it owned.
fn clean(text: &str) -> String {
    text.trim().to_owned()
}

impl Builder {
    fn file(&mut self, file: &DataFile, directory: &str) -> Result<(), LoadError> {
        let raw: RawVocabulary = toml::from_str(&file.text)
            .map_err(|e| LoadError::from_toml(&file.path, &file.text, &e))?;
        let path = file.path.as_str();
        let dataset = raw.dataset.as_deref().unwrap_or(directory);
        if !is_valid_id(dataset) {
            return Err(LoadError::invalid(
                path,
                "dataset",
                format!(
                    "{dataset:?} is not a valid dataset id; use 1 to 63 lowercase letters, digits \
                     and '-' (set `dataset` when the directory name is not one)"
                ),
            ));
        }
        for (i, scheme) in raw.schemes.into_iter().enumerate() {
            self.scheme(path, dataset, i, scheme)?;
        }
        for (i, milestone) in raw.milestones.into_iter().enumerate() {
            self.milestone(path, i, milestone)?;
        }
        Ok(())
    }

    fn scheme(
        &mut self,
        path: &str,
        dataset: &str,
        position: usize,
        raw: RawScheme,
    ) -> Result<(), LoadError> {
        let (id, item) = new_id(path, "scheme", position, &raw.id, &self.scheme_paths)?;
        let title = require_both(path, &item, "title", &raw.title_zh_hans, &raw.title_en)?;
        let source = require_source(path, &item, &raw.source)?;
        let scheme_index = self.schemes.len();
        let mut scheme = Scheme {
            name: scheme_name(&id),
            id: id.clone(),
            title,
            definition: Texts {
                zh_hans: clean(&raw.definition_zh_hans),
                en: clean(&raw.definition_en),
            },
            source,
            dataset: dataset_name(dataset),
            concepts: Vec::with_capacity(raw.concepts.len()),
            top_concepts: Vec::new(),
            concept_ids: HashMap::with_capacity(raw.concepts.len()),
        };
        let mut labels: HashMap<(Lang, String), String> = HashMap::new();
        let mut notations: HashMap<String, String> = HashMap::new();
        for (i, raw_concept) in raw.concepts.into_iter().enumerate() {
            let concept_id = clean(&raw_concept.id);
            if !is_valid_id(&concept_id) {
                return Err(bad_id(
                    path,
                    format!("{item}.concepts[{i}].id"),
                    &concept_id,
                ));
            }
            let concept_item = format!("{item}.concepts[{concept_id}]");
            let index = ConceptIndex::try_from(self.concepts.len()).map_err(|_| {
                LoadError::invalid(path, &concept_item, "too many concepts for one process")
            })?;
            if scheme
                .concept_ids
                .insert(concept_id.clone(), index)
                .is_some()
            {
                return Err(LoadError::invalid(
                    path,
                    format!("{concept_item}.id"),
                    format!(
                        "concept id {concept_id:?} is used twice in scheme {id:?}; give each \
                         concept of a scheme its own id"
                    ),
                ));
            }
            let (concept, links) = self.concept(
                path,
                dataset,
                &scheme,
                scheme_index,
                &concept_item,
                concept_id,
                raw_concept,
            )?;
            for (lang, label) in concept.pref_label.present() {
                if let Some(other) = labels.insert((lang, normalize(label)), concept.id.clone()) {
                    return Err(LoadError::invalid(
                        path,
                        format!("{concept_item}.pref_label_{}", field_suffix(lang)),
                        format!(
                            "{label:?} is also the {lang} preferred label of concept {other:?} of \
                             scheme {id:?}; preferred labels must differ within a scheme"
                        ),
                    ));
                }
            }
            if !concept.notation.is_empty()
                && let Some(other) =
                    notations.insert(normalize(&concept.notation), concept.id.clone())
            {
                return Err(LoadError::invalid(
                    path,
                    format!("{concept_item}.notation"),
                    format!(
                        "{:?} is also the notation of concept {other:?}; notations must differ \
                         within a scheme",
                        concept.notation
                    ),
                ));
            }
            scheme.concepts.push(index);
            self.concepts.push(concept);
            self.links.push(links);
        }
        self.scheme_paths.insert(id, path.to_owned());
        self.schemes.push(scheme);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn concept(
        &self,
        path: &str,
        dataset: &str,
        scheme: &Scheme,
        scheme_index: usize,
        item: &str,
        id: String,
        raw: RawConcept,
    ) -> Result<(Concept, PendingLinks), LoadError> {
        let pref_label = require_both(
            path,
            item,
            "pref_label",
            &raw.pref_label_zh_hans,
            &raw.pref_label_en,
        )?;
        let mut alt_labels = Vec::new();
        for (lang, labels) in [
            (Lang::ZhHans, &raw.alt_labels_zh_hans),
            (Lang::En, &raw.alt_labels_en),
        ] {
            for (i, label) in labels.iter().enumerate() {
                let label = clean(label);
                if label.is_empty() {
                    return Err(LoadError::invalid(
                        path,
                        format!("{item}.alt_labels_{}[{i}]", field_suffix(lang)),
                        "is empty; remove it or give the label",
                    ));
                }
                alt_labels.push((lang, label));
            }
        }
        let mut series = Vec::with_capacity(raw.series.len());
        for (i, s) in raw.series.iter().enumerate() {
            let s = s.trim();
            if !is_valid_id(s) {
                return Err(LoadError::invalid(
                    path,
                    format!("{item}.series[{i}]"),
                    format!(
                        "{s:?} is not a valid series id; name a series of dataset {dataset:?} by \
                         its id, e.g. \"market-size\""
                    ),
                ));
            }
            series.push(series_name(dataset, s));
        }
        for (key, value) in &raw.attributes {
            let key_ok = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                return Err(LoadError::invalid(
                    path,
                    format!("{item}.attributes"),
                    format!(
                        "{key:?} is not a valid attribute name; use lowercase letters, digits and '_'"
                    ),
                ));
            }
            if value.trim().is_empty() {
                return Err(LoadError::invalid(
                    path,
                    format!("{item}.attributes.{key}"),
                    "is empty; give a value or remove the attribute",
                ));
            }
        }
        let source = raw
            .source
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| scheme.source.clone());
        if source.is_empty() {
            return Err(LoadError::invalid(
                path,
                format!("{item}.source"),
                "is empty; give the section of the source report, e.g. \"2.2\"",
            ));
        }
        let link = |field: String, scheme: &str, concept: &str| Link {
            path: path.to_owned(),
            field,
            scheme: scheme.to_owned(),
            concept: concept.to_owned(),
        };
        let broader = raw
            .broader
            .iter()
            .enumerate()
            .map(|(i, b)| link(format!("{item}.broader[{i}]"), &scheme.id, b.trim()))
            .collect();
        let related = raw
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let field = format!("{item}.related[{i}]");
                match r.trim().split_once('/') {
                    Some((s, c)) => link(field, s, c),
                    None => link(field, &scheme.id, r.trim()),
                }
            })
            .collect();
        let concept = Concept {
            name: concept_name(&scheme.id, &id),
            id,
            scheme: scheme_index,
            notation: clean(&raw.notation),
            pref_label,
            definition: Texts {
                zh_hans: clean(&raw.definition_zh_hans),
                en: clean(&raw.definition_en),
            },
            alt_labels,
            broader: Vec::new(),
            narrower: Vec::new(),
            related: Vec::new(),
            ancestors: Vec::new(),
            series,
            source,
            attributes: raw
                .attributes
                .into_iter()
                .map(|(k, v)| (k, clean(&v)))
                .collect(),
        };
        Ok((concept, PendingLinks { broader, related }))
    }

    fn milestone(
        &mut self,
        path: &str,
        position: usize,
        raw: RawMilestone,
    ) -> Result<(), LoadError> {
        let (id, item) = new_id(path, "milestone", position, &raw.id, &self.milestone_paths)?;
        let year = i32::try_from(raw.year)
            .ok()
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
            .ok_or_else(|| {
                LoadError::invalid(
                    path,
                    format!("{item}.year"),
                    format!("{} is outside {MIN_YEAR}..={MAX_YEAR}", raw.year),
                )
            })?;
        let month = match raw.month {
            None => None,
            Some(m) => Some(
                u8::try_from(m)
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| {
                        LoadError::invalid(
                            path,
                            format!("{item}.month"),
                            format!("{m} is not a month; use 1..=12, or leave it out when the report gives none"),
                        )
                    })?,
            ),
        };
        let title = require_both(path, &item, "title", &raw.title_zh_hans, &raw.title_en)?;
        let source = require_source(path, &item, &raw.source)?;
        let links = raw
            .concepts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let field = format!("{item}.concepts[{i}]");
                let (scheme, concept) = c.trim().split_once('/').unwrap_or(("", c.trim()));
                Link {
                    path: path.to_owned(),
                    field,
                    scheme: scheme.to_owned(),
                    concept: concept.to_owned(),
                }
            })
            .collect();
        self.milestone_paths.insert(id.clone(), path.to_owned());
        self.milestones.push(Milestone {
            name: milestone_name(&id),
            id,
            year,
            month,
            end_of_year: raw.end_of_year,
            title,
            description: Texts {
                zh_hans: clean(&raw.description_zh_hans),
                en: clean(&raw.description_en),
            },
            concepts: Vec::new(),
            source,
        });
        self.milestone_links.push(links);
        Ok(())
    }

    /// Resolves every link, checks the hierarchy, and derives narrower, ancestors, top concepts
    /// and the inverse related links.
    fn finish(mut self) -> Result<Vocabulary, LoadError> {
        let links = std::mem::take(&mut self.links);
        for (i, pending) in links.iter().enumerate() {
            let mut broader = Vec::with_capacity(pending.broader.len());
            for link in &pending.broader {
                let target = resolve(&self.schemes, link)?;
                if !broader.contains(&target) {
                    broader.push(target);
                }
            }
            let mut related = Vec::with_capacity(pending.related.len());
            for link in &pending.related {
                let target = resolve(&self.schemes, link)?;
                if target as usize == i {
                    return Err(LoadError::invalid(
                        &link.path,
                        &link.field,
                        "a concept cannot be related to itself",
                    ));
                }
                if !related.contains(&target) {
                    related.push(target);
                }
            }
            self.concepts[i].broader = broader;
            self.concepts[i].related = related;
        }
        self.check_acyclic(&links)?;
        self.derive();
        let milestone_links = std::mem::take(&mut self.milestone_links);
        for (milestone, links) in self.milestones.iter_mut().zip(&milestone_links) {
            let mut concepts = Vec::with_capacity(links.len());
            for link in links {
                let target = resolve(&self.schemes, link)?;
                if !concepts.contains(&target) {
                    concepts.push(target);
                }
            }
            milestone.concepts = concepts;
        }
        Ok(Vocabulary::new(
            self.schemes,
            self.concepts,
            self.milestones,
        ))
    }

    /// Fails on a cycle of broader links, naming a concept on it and the cycle.
    fn check_acyclic(&self, links: &[PendingLinks]) -> Result<(), LoadError> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            Open,
            Done,
        }
        let mut state = vec![State::New; self.concepts.len()];
        for start in 0..self.concepts.len() {
            if state[start] != State::New {
                continue;
            }
            // Iterative depth-first search: (concept, next broader to visit).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = State::Open;
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                top.1 += 1;
                let Some(&parent) = self.concepts[node].broader.get(next) else {
                    state[node] = State::Done;
                    stack.pop();
                    continue;
                };
                let parent = parent as usize;
                match state[parent] {
                    State::Done => {}
                    State::New => {
                        state[parent] = State::Open;
                        stack.push((parent, 0));
                    }
                    State::Open => {
                        let from = stack.iter().position(|(n, _)| *n == parent).unwrap_or(0);
                        let cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| self.concepts[*n].id.as_str())
                            .chain(std::iter::once(self.concepts[parent].id.as_str()))
                            .collect();
                        let reason = format!(
                            "broader links form a cycle ({}); a concept cannot be broader than itself",
                            cycle.join(" → ")
                        );
                        let target = &self.concepts[parent].id;
                        return Err(links[node]
                            .broader
                            .iter()
                            .find(|link| &link.concept == target)
                            .map(|link| LoadError::invalid(&link.path, &link.field, &reason))
                            .unwrap_or_else(|| {
                                LoadError::invalid(
                                    TAXONOMY_FILE,
                                    &self.concepts[node].name,
                                    &reason,
                                )
                            }));
                    }
                }
            }
        }
        Ok(())
    }

    /// Narrower (inverse of broader, vocabulary order), ancestors (through each first broader),
    /// top concepts, and related made symmetric.
    fn derive(&mut self) {
        let count = self.concepts.len();
        let mut narrower: Vec<Vec<ConceptIndex>> = vec![Vec::new(); count];
        let mut inverse_related: Vec<Vec<ConceptIndex>> = vec![Vec::new(); count];
        for (i, concept) in self.concepts.iter().enumerate() {
            let index = i as ConceptIndex;
            for &b in &concept.broader {
                narrower[b as usize].push(index);
            }
            for &r in &concept.related {
                inverse_related[r as usize].push(index);
            }
        }
        for i in 0..count {
            let mut ancestors = Vec::new();
            let mut seen = HashSet::new();
            let mut current = self.concepts[i].broader.first().copied();
            // Acyclic (checked), so this ends; `seen` guards anyway.
            while let Some(parent) = current {
                if !seen.insert(parent) {
                    break;
                }
                ancestors.push(parent);
                current = self.concepts[parent as usize].broader.first().copied();
            }
            let concept = &mut self.concepts[i];
            concept.ancestors = ancestors;
            concept.narrower = std::mem::take(&mut narrower[i]);
            for r in std::mem::take(&mut inverse_related[i]) {
                if !concept.related.contains(&r) {
                    concept.related.push(r);
                }
            }
        }
        for scheme in &mut self.schemes {
            scheme.top_concepts = scheme
                .concepts
                .iter()
                .copied()
                .filter(|&c| self.concepts[c as usize].broader.is_empty())
                .collect();
        }
    }
}

/// The concept a link points to.
fn resolve(schemes: &[Scheme], link: &Link) -> Result<ConceptIndex, LoadError> {
    let Some(scheme) = schemes.iter().find(|s| s.id == link.scheme) else {
        return Err(LoadError::invalid(
            &link.path,
            &link.field,
            format!(
                "\"{}/{}\" names no loaded scheme; write scheme/concept with the ids of an \
                 existing concept",
                link.scheme, link.concept
            ),
        ));
    };
    scheme
        .concept_ids
        .get(&link.concept)
        .copied()
        .ok_or_else(|| {
            LoadError::invalid(
                &link.path,
                &link.field,
                format!(
                    "scheme {:?} has no concept {:?}; link to a concept that exists",
                    link.scheme, link.concept
                ),
            )
        })
}

/// `zh_hans` or `en`, as field names end.
fn field_suffix(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhHans => "zh_hans",
        Lang::En => "en",
    }
}

fn bad_id(path: &str, field: String, id: &str) -> LoadError {
    LoadError::invalid(
        path,
        field,
        format!(
            "{id:?} is not a valid id; use 1 to 63 lowercase letters, digits and '-', not starting with '-'"
        ),
    )
}

/// Cleans the id of the `position`th `kind` (`scheme`, `milestone`) and checks that it is valid
/// and not used yet (`seen`: id → the file that used it first). Returns the id and the item's
/// field prefix, `{kind}s[{id}]`.
fn new_id(
    path: &str,
    kind: &str,
    position: usize,
    raw_id: &str,
    seen: &HashMap<String, String>,
) -> Result<(String, String), LoadError> {
    let id = clean(raw_id);
    if !is_valid_id(&id) {
        return Err(bad_id(path, format!("{kind}s[{position}].id"), &id));
    }
    let item = format!("{kind}s[{id}]");
    if let Some(first) = seen.get(&id) {
        return Err(LoadError::invalid(
            path,
            format!("{item}.id"),
            format!("{kind} id {id:?} is already used (in {first}); give each {kind} its own id"),
        ));
    }
    Ok((id, item))
}

/// The cleaned texts of `{item}.{field}_zh_hans` and `_en`; fails unless both are given, naming
/// the missing one.
fn require_both(
    path: &str,
    item: &str,
    field: &str,
    zh_hans: &str,
    en: &str,
) -> Result<Texts, LoadError> {
    let texts = Texts {
        zh_hans: clean(zh_hans),
        en: clean(en),
    };
    for lang in Lang::ALL {
        if texts.get(lang).is_empty() {
            return Err(LoadError::invalid(
                path,
                format!("{item}.{field}_{}", field_suffix(lang)),
                format!("is missing; every {field} needs a text in {lang}"),
            ));
        }
    }
    Ok(texts)
}

/// The cleaned `{item}.source`; fails when it is empty.
fn require_source(path: &str, item: &str, raw: &str) -> Result<String, LoadError> {
    let source = clean(raw);
    if source.is_empty() {
        return Err(LoadError::invalid(
            path,
            format!("{item}.source"),
            "is missing; give the section of the source report, e.g. \"2.2\"",
        ));
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::data;

    const BASE: &str = r#"
[[schemes]]
id = "s"
title_zh_hans = "方案"
title_en = "Scheme"
source = "1.1"

[[schemes.concepts]]
id = "a"
pref_label_zh_hans = "甲"
pref_label_en = "Alpha"

[[schemes.concepts]]
id = "b"
pref_label_zh_hans = "乙"
pref_label_en = "Beta"
broader = ["a"]
"#;

    fn files(path: &str, text: String) -> DatasetFiles {
        DatasetFiles {
            directory: "d".into(),
            forecast: None,
            taxonomy: Some(DataFile {
                path: path.into(),
                text: Cow::Owned(text),
            }),
        }
    }

    fn load(text: &str) -> Result<Vocabulary, LoadError> {
        Vocabulary::load(&[files("t.toml", text.to_owned())])
    }

    /// Asserts the load fails on `field` with a reason containing `needle`.
    #[track_caller]
    fn assert_invalid(result: Result<Vocabulary, LoadError>, field: &str, needle: &str) {
        match result {
            Err(LoadError::Invalid {
                path,
                field: f,
                reason,
            }) => {
                assert_eq!(path, "t.toml");
                assert_eq!(f, field, "{reason}");
                assert!(reason.contains(needle), "{needle:?} not in {reason:?}");
            }
            other => panic!("expected an invalid {field}, got {other:?}"),
        }
    }

    #[test]
    fn the_minimal_vocabulary_loads_with_its_hierarchy() {
        let vocabulary = load(BASE).unwrap();
        let b = vocabulary.concept("s", "b").unwrap();
        let a = vocabulary.concept_index("s", "a").unwrap();
        assert_eq!(b.ancestors, vec![a]);
        assert_eq!(b.source, "1.1", "inherits the scheme's source");
        assert_eq!(vocabulary.concept_at(a).narrower.len(), 1);
        assert_eq!(vocabulary.scheme("s").unwrap().top_concepts, vec![a]);
        assert_eq!(vocabulary.scheme("s").unwrap().dataset, "datasets/d");
    }

    #[test]
    fn related_links_are_served_both_ways() {
        let text = format!("{BASE}related = [\"s/a\"]\n");
        let vocabulary = load(&text).unwrap();
        let a = vocabulary.concept_index("s", "a").unwrap();
        let b = vocabulary.concept_index("s", "b").unwrap();
        assert_eq!(vocabulary.concept_at(b).related, vec![a]);
        assert_eq!(vocabulary.concept_at(a).related, vec![b]);
    }

    #[test]
    fn broken_links_are_rejected() {
        let text = BASE.replace("broader = [\"a\"]", "broader = [\"zz\"]");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].broader[0]",
            "has no concept \"zz\"",
        );
        let text = format!("{BASE}related = [\"s/zz\"]\n");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].related[0]",
            "has no concept",
        );
        let text = format!("{BASE}related = [\"nope/a\"]\n");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].related[0]",
            "names no loaded scheme",
        );
        let text = format!("{BASE}related = [\"b\"]\n");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].related[0]",
            "related to itself",
        );
    }

    #[test]
    fn a_cycle_of_broader_links_is_rejected() {
        let text = BASE.replace(
            "pref_label_en = \"Alpha\"",
            "pref_label_en = \"Alpha\"\nbroader = [\"b\"]",
        );
        assert_invalid(load(&text), "schemes[s].concepts[b].broader[0]", "cycle (");
        let text = BASE.replace("broader = [\"a\"]", "broader = [\"b\"]");
        assert_invalid(load(&text), "schemes[s].concepts[b].broader[0]", "b → b");
    }

    #[test]
    fn duplicate_preferred_labels_within_a_scheme_are_rejected() {
        let text = BASE.replace("\"乙\"", "\"甲\"");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].pref_label_zh_hans",
            "preferred labels must differ",
        );
        // Case and width do not make a label different.
        let text = BASE.replace("\"Beta\"", "\"ＡＬＰＨＡ\"");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].pref_label_en",
            "concept \"a\"",
        );
    }

    #[test]
    fn missing_labels_are_rejected() {
        let text = BASE.replace("pref_label_en = \"Beta\"\n", "");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].pref_label_en",
            "needs a text in en",
        );
        let text = BASE.replace("pref_label_zh_hans = \"乙\"", "pref_label_zh_hans = \"  \"");
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].pref_label_zh_hans",
            "is missing",
        );
        let text = BASE.replace("title_en = \"Scheme\"\n", "");
        assert_invalid(load(&text), "schemes[s].title_en", "is missing");
    }

    #[test]
    fn bad_and_duplicate_ids_are_rejected() {
        let text = BASE.replace("id = \"b\"", "id = \"Bad Id\"");
        assert_invalid(load(&text), "schemes[s].concepts[1].id", "not a valid id");
        let text = BASE.replace("id = \"b\"", "id = \"a\"");
        assert_invalid(load(&text), "schemes[s].concepts[a].id", "used twice");
        let text = format!("{BASE}{}", BASE.replace("\"b\"", "\"c\""));
        assert_invalid(load(&text), "schemes[s].id", "already used");
        let text = BASE.replace("id = \"s\"", "id = \"-s\"");
        assert_invalid(load(&text), "schemes[0].id", "not a valid id");
        let text = format!("dataset = \"Not Valid\"\n{BASE}");
        assert_invalid(load(&text), "dataset", "not a valid dataset id");
        let text = BASE.replace(
            "broader = [\"a\"]",
            "broader = [\"a\"]\nseries = [\"Market Size\"]",
        );
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].series[0]",
            "not a valid series id",
        );
    }

    #[test]
    fn scheme_ids_are_unique_across_files() {
        let result = Vocabulary::load(&[
            files("one.toml", BASE.to_owned()),
            files("two.toml", BASE.to_owned()),
        ]);
        match result {
            Err(LoadError::Invalid {
                path,
                field,
                reason,
            }) => {
                assert_eq!(
                    (path.as_str(), field.as_str()),
                    ("two.toml", "schemes[s].id")
                );
                assert!(reason.contains("one.toml"), "{reason}");
            }
            other => panic!("expected a duplicate scheme, got {other:?}"),
        }
    }

    fn milestone(extra: &str) -> String {
        format!(
            "{BASE}\n[[milestones]]\nid = \"m\"\nyear = 2023\ntitle_zh_hans = \"事件\"\n\
             title_en = \"Event\"\nsource = \"2.2\"\nconcepts = [\"s/a\"]\n{extra}"
        )
    }

    #[test]
    fn bad_milestones_are_rejected() {
        let vocabulary = load(&milestone("month = 12\n")).unwrap();
        assert_eq!(vocabulary.milestone("m").unwrap().month, Some(12));
        for month in ["0", "13", "-1"] {
            assert_invalid(
                load(&milestone(&format!("month = {month}\n"))),
                "milestones[m].month",
                "use 1..=12",
            );
        }
        assert_invalid(
            load(&milestone("").replace("year = 2023", "year = 1800")),
            "milestones[m].year",
            "outside 1900..=2200",
        );
        assert_invalid(
            load(&milestone("").replace("[\"s/a\"]", "[\"s/zz\"]")),
            "milestones[m].concepts[0]",
            "has no concept",
        );
        let twice = format!(
            "{}\n[[milestones]]\nid = \"m\"\nyear = 2024\ntitle_zh_hans = \"乙\"\n\
             title_en = \"B\"\nsource = \"2.2\"\n",
            milestone("")
        );
        assert_invalid(load(&twice), "milestones[m].id", "already used");
        assert_invalid(
            load(&milestone("").replace("source = \"2.2\"", "source = \"\"")),
            "milestones[m].source",
            "is missing",
        );
    }

    #[test]
    fn toml_errors_and_unknown_fields_are_rejected() {
        assert!(matches!(
            load("[[schemes]\n"),
            Err(LoadError::Invalid { .. })
        ));
        let text = BASE.replace("broader = [\"a\"]", "broader = [\"a\"]\nbroadr = []");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("broadr"), "{err}");
        let text = BASE.replace(
            "broader = [\"a\"]",
            "broader = [\"a\"]\nattributes = { \"Bad Key\" = \"x\" }",
        );
        assert_invalid(
            load(&text),
            "schemes[s].concepts[b].attributes",
            "not a valid attribute name",
        );
    }

    #[test]
    fn the_builtin_vocabulary_loads() {
        let vocabulary = Vocabulary::load(&[data::builtin()]).unwrap();
        let ids: Vec<&str> = vocabulary.schemes().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "industry",
                "capability-levels",
                "modalities",
                "drivers",
                "trends",
                "barriers",
                "applications"
            ]
        );
        let maas = vocabulary.concept("industry", "maas").unwrap();
        let ancestors: Vec<&str> = maas
            .ancestors
            .iter()
            .map(|&i| vocabulary.concept_at(i).id.as_str())
            .collect();
        assert_eq!(
            ancestors,
            [
                "model-based-revenue",
                "revenue-sources",
                "large-model-industry"
            ]
        );
        let l3 = vocabulary.concept("capability-levels", "l3").unwrap();
        assert_eq!(
            l3.attributes.get("current_level").map(String::as_str),
            Some("border")
        );
        let keys: Vec<_> = vocabulary
            .milestones()
            .iter()
            .map(Milestone::date_key)
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }
}
