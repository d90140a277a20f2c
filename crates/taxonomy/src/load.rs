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

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use serde::Deserialize;

use llmarket_proto::names::{concept_name, dataset_name, milestone_name, scheme_name, series_name};

use super::{
    editions::{DatasetEditions, Edition, Editions},
    language::Lang,
    model::{Concept, ConceptIndex, MAX_YEAR, MIN_YEAR, Milestone, Scheme, Texts},
    text::normalize,
    vocabulary::Vocabulary,
};
use llmarket_kit::{
    data::{
        DataFile, DataVersion, DatasetFiles, EditionMeta, LoadError, TAXONOMY_FILE,
        check::{FileCheck, FirstUse, TwoLanguages},
    },
    hash::IdMap,
};

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
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// The file it is written in.
    path: String,
    /// The item and field, e.g. `schemes[a].concepts[b].related[0]`.
    field: String,
    /// The scheme the link points into.
    scheme: String,
    /// The concept id it points to.
    concept: String,
}

/// A `related` or milestone `concepts` link into a scheme its own file does not have, resolved
/// in the v1 view only ([`merge`]): in contract v2 links stay within an edition's vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct ExternalLink {
    /// Where it is written.
    from: LinkFrom,
    /// The link.
    link: Link,
}

/// What an [`ExternalLink`] is written on.
#[derive(Debug, Clone)]
enum LinkFrom {
    /// A concept (its `related`), by index in its own vocabulary.
    Concept(ConceptIndex),
    /// A milestone (its `concepts`), by id.
    Milestone(String),
}

/// A concept's links, resolved after every file is read.
#[derive(Debug, Default)]
struct PendingLinks {
    broader: Vec<Link>,
    related: Vec<Link>,
}

/// Everything read from the files so far, with links still by id.
#[derive(Debug)]
struct Builder {
    schemes: Vec<Scheme>,
    scheme_ids: FirstUse<String>,
    concepts: Vec<Concept>,
    links: Vec<PendingLinks>,
    milestones: Vec<Milestone>,
    milestone_links: Vec<Vec<Link>>,
    milestone_ids: FirstUse<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            schemes: Vec::new(),
            scheme_ids: FirstUse::new("give each scheme its own id"),
            concepts: Vec::new(),
            links: Vec::new(),
            milestones: Vec::new(),
            milestone_links: Vec::new(),
            milestone_ids: FirstUse::new("give each milestone its own id"),
        }
    }
}

impl Vocabulary {
    /// Parses and validates the taxonomy files of `sources` (sources without one are skipped),
    /// each alone: one edition's vocabulary (see [`Editions`]). The v1 view merges each
    /// dataset's latest edition's vocabulary in load order; a scheme or milestone id an earlier
    /// source already has is shadowed (served only through v2, listed by
    /// [`Editions::shadowed`]). Any bad file, or two sources of one edition, fails the whole
    /// load.
    pub fn load(sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        let mut parts = Vec::with_capacity(sources.len());
        let mut read: Vec<(usize, Edition)> = Vec::new();
        let mut own = Vec::new();
        for (at, source) in sources.iter().enumerate() {
            let (v1_id, vocabulary, origin) = match &source.taxonomy {
                Some(file) => {
                    let mut builder = Builder::default();
                    let id = builder.file(file, &source.directory)?;
                    let vocabulary = builder.finish(DataVersion::default())?;
                    (id, Some(Arc::new(vocabulary)), file.path.clone())
                }
                None => (source.directory.clone(), None, source.directory.clone()),
            };
            parts.push((v1_id.clone(), source));
            let meta = match (&source.edition, &vocabulary) {
                (Some(meta), _) => meta.clone(),
                (None, Some(_)) => EditionMeta::unnamed(&v1_id),
                // Neither an edition nor a vocabulary: nothing for the taxonomy.
                (None, None) => continue,
            };
            own.push(vocabulary.is_some());
            read.push((
                at,
                Edition::new(meta, v1_id, vocabulary.unwrap_or_default(), origin),
            ));
        }
        let datasets = group_editions(read, &own)?;
        // v1: each dataset's latest edition's vocabulary, in the order of the source it is from.
        let mut latest: Vec<(usize, &str, &Vocabulary)> = datasets
            .iter()
            .filter_map(|(dataset, from)| {
                let at = dataset.editions.len().checked_sub(1)?;
                Some((
                    from[at],
                    dataset.id.as_str(),
                    &*dataset.editions[at].vocabulary,
                ))
            })
            .collect();
        latest.sort_by_key(|(from, _, _)| *from);
        let latest: Vec<_> = latest.into_iter().map(|(_, d, v)| (d, v)).collect();
        let (mut vocabulary, v1_schemes, shadowed) =
            merge(&latest, DataVersion::of(sources).with_parts(parts))?;
        let datasets = datasets.into_iter().map(|(d, _)| d).collect();
        vocabulary.set_editions(Editions::new(datasets, v1_schemes, shadowed));
        Ok(vocabulary)
    }
}

/// An edition read: the index of its source, whether it has a vocabulary of its own, and it.
type ReadEdition = (usize, bool, Edition);

/// The editions read (each with the index of its source; `own[i]`: whether the `i`th has a
/// vocabulary of its own) grouped by dataset in order of first appearance, each in publication
/// order, an edition without a vocabulary of its own given the previous one's. Each dataset
/// comes with the index of the source each edition's vocabulary comes from.
fn group_editions(
    read: Vec<(usize, Edition)>,
    own: &[bool],
) -> Result<Vec<(DatasetEditions, Vec<usize>)>, LoadError> {
    let mut groups: Vec<(String, Vec<ReadEdition>)> = Vec::new();
    for ((at, edition), &own) in read.into_iter().zip(own) {
        let id = &edition.meta.dataset;
        let at_group = match groups.iter().position(|(d, _)| d == id) {
            Some(i) => i,
            None => {
                groups.push((id.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        let group = &mut groups[at_group].1;
        if let Some((_, _, first)) = group.iter().find(|(_, _, e)| e.meta.id == edition.meta.id) {
            return Err(LoadError::invalid(
                &edition.origin,
                "edition",
                format!(
                    "edition {:?} of dataset {:?} is already used by {}; give each edition its own id",
                    edition.meta.id, edition.meta.dataset, first.origin
                ),
            ));
        }
        group.push((at, own, edition));
    }
    Ok(groups
        .into_iter()
        .map(|(id, mut editions)| {
            editions.sort_by(|a, b| a.2.meta.publication_order(&b.2.meta));
            let mut from = Vec::with_capacity(editions.len());
            let mut previous: Option<(usize, Arc<Vocabulary>)> = None;
            let editions = editions
                .into_iter()
                .map(|(at, own, mut edition)| {
                    match (&previous, own) {
                        (Some((source, vocabulary)), false) => {
                            edition.vocabulary = Arc::clone(vocabulary);
                            from.push(*source);
                        }
                        _ => {
                            previous = Some((at, Arc::clone(&edition.vocabulary)));
                            from.push(at);
                        }
                    }
                    edition
                })
                .collect();
            (DatasetEditions { id, editions }, from)
        })
        .collect())
}

/// The v1 view: the vocabularies `parts` (each with its v2 dataset id) merged in order, a
/// scheme or milestone whose id an earlier part has left out (and a link to a left-out concept
/// with it). Returns it with the v2 dataset each scheme id is served from and the left-out v1
/// names with their datasets.
fn merge(parts: &[(&str, &Vocabulary)], data_version: DataVersion) -> Result<Merged, LoadError> {
    let mut schemes = Vec::new();
    let mut concepts: Vec<Concept> = Vec::new();
    let mut milestones = Vec::new();
    let mut served: IdMap<String> = IdMap::default();
    let mut milestone_ids = HashMap::new();
    let mut shadowed = Vec::new();
    let mut maps = Vec::with_capacity(parts.len());
    for (at, &(dataset, part)) in parts.iter().enumerate() {
        let mut map: Vec<Option<ConceptIndex>> = vec![None; part.concepts().len()];
        let mut kept = Vec::new();
        for scheme in part.schemes() {
            if served.contains_key(&scheme.id) {
                shadowed.push((scheme.name.clone(), dataset.to_owned()));
                continue;
            }
            served.insert(scheme.id.clone(), dataset.to_owned());
            for &c in &scheme.concepts {
                map[c as usize] = Some((concepts.len() + kept.len()) as ConceptIndex);
                kept.push(c);
            }
        }
        let base = concepts.len();
        let remap = |links: &[ConceptIndex]| -> Vec<ConceptIndex> {
            links.iter().filter_map(|&c| map[c as usize]).collect()
        };
        let mut scheme_map = vec![None; part.schemes().len()];
        for (old, scheme) in part.schemes().iter().enumerate() {
            if served.get(&scheme.id).map(String::as_str) != Some(dataset) {
                continue;
            }
            scheme_map[old] = Some(schemes.len());
            let mut scheme = scheme.clone();
            scheme.concepts = remap(&scheme.concepts);
            scheme.top_concepts = remap(&scheme.top_concepts);
            for index in scheme.concept_ids.values_mut() {
                *index = map[*index as usize].unwrap_or(*index);
            }
            schemes.push(scheme);
        }
        for &old in &kept {
            let mut concept = part.concept_at(old).clone();
            concept.scheme = scheme_map[concept.scheme].unwrap_or(concept.scheme);
            concept.broader = remap(&concept.broader);
            concept.narrower = remap(&concept.narrower);
            concept.related = remap(&concept.related);
            concept.ancestors = remap(&concept.ancestors);
            concepts.push(concept);
        }
        debug_assert_eq!(concepts.len(), base + kept.len());
        for milestone in part.milestones() {
            if milestone_ids.contains_key(&milestone.id) {
                shadowed.push((milestone.name.clone(), dataset.to_owned()));
                continue;
            }
            milestone_ids.insert(milestone.id.clone(), (at, milestones.len()));
            let mut milestone = milestone.clone();
            milestone.concepts = remap(&milestone.concepts);
            milestones.push(milestone);
        }
        maps.push(map);
    }
    // Links across files, as v1 has always served them (related both ways).
    for (at, (&(_, part), map)) in parts.iter().zip(&maps).enumerate() {
        for external in part.external() {
            let target = resolve(&schemes, &external.link)?;
            match &external.from {
                LinkFrom::Concept(old) => {
                    let Some(from) = map[*old as usize] else {
                        continue;
                    };
                    if !concepts[from as usize].related.contains(&target) {
                        concepts[from as usize].related.push(target);
                    }
                    if !concepts[target as usize].related.contains(&from) {
                        concepts[target as usize].related.push(from);
                    }
                }
                LinkFrom::Milestone(id) => {
                    if let Some(&(part_at, i)) = milestone_ids.get(id)
                        && part_at == at
                        && !milestones[i].concepts.contains(&target)
                    {
                        milestones[i].concepts.push(target);
                    }
                }
            }
        }
    }
    Ok((
        Vocabulary::new(schemes, concepts, milestones, data_version),
        served,
        shadowed,
    ))
}

/// The v1 view, the dataset each scheme id is served from, and the shadowed names.
type Merged = (Vocabulary, IdMap<String>, Vec<(String, String)>);

/// Trims `text` and returns it owned.
fn clean(text: &str) -> String {
    text.trim().to_owned()
}

impl From<TwoLanguages> for Texts {
    fn from(texts: TwoLanguages) -> Self {
        Self {
            zh_hans: texts.zh_hans,
            en: texts.en,
        }
    }
}

/// A concept's link to a series as a file writes it: scheme id, concept id, series name.
pub(crate) type WrittenLink = (String, String, String);

/// What [`read_series_links`] reads of a file: its dataset's id, its scheme ids in order, and
/// each link it writes.
pub(crate) type FileLinks = (String, Vec<String>, Vec<WrittenLink>);

/// Parses and checks `file` (of directory `directory`) item by item, as [`Vocabulary::load`]
/// does, and returns the id of its dataset, its schemes' ids and each (scheme id, concept id,
/// series name) link it writes, `series` naming series as [`Concept::series`] does. Builds
/// nothing else.
pub(crate) fn read_series_links(file: &DataFile, directory: &str) -> Result<FileLinks, LoadError> {
    let mut builder = Builder::default();
    let id = builder.file(file, directory)?;
    let schemes = builder.schemes.iter().map(|s| s.id.clone()).collect();
    let links = builder
        .concepts
        .into_iter()
        .flat_map(|concept| {
            let scheme = builder.schemes[concept.scheme].id.clone();
            concept
                .series
                .into_iter()
                .map(move |series| (scheme.clone(), concept.id.clone(), series))
        })
        .collect();
    Ok((id, schemes, links))
}

impl Builder {
    /// Adds the schemes and milestones of `file`; returns the id of the dataset they belong to.
    fn file(&mut self, file: &DataFile, directory: &str) -> Result<String, LoadError> {
        let raw: RawVocabulary = toml::from_str(&file.text)
            .map_err(|e| LoadError::from_toml(&file.path, &file.text, &e))?;
        let path = file.path.as_str();
        let id = FileCheck::new(path).dataset_id("dataset", raw.dataset.as_deref(), directory)?;
        let dataset = id.as_str();
        for (i, scheme) in raw.schemes.into_iter().enumerate() {
            self.scheme(path, dataset, i, scheme)?;
        }
        for (i, milestone) in raw.milestones.into_iter().enumerate() {
            self.milestone(path, dataset, i, milestone)?;
        }
        Ok(id)
    }

    fn scheme(
        &mut self,
        path: &str,
        dataset: &str,
        position: usize,
        raw: RawScheme,
    ) -> Result<(), LoadError> {
        let check = FileCheck::new(path);
        let (id, item) = new_id(check, "scheme", position, &raw.id, &mut self.scheme_ids)?;
        let title = check
            .texts(&item, "title", &raw.title_zh_hans, &raw.title_en)?
            .into();
        let source = check.source(&item, Some(&raw.source), "")?;
        let scheme_index = self.schemes.len();
        let mut scheme = Scheme {
            name: scheme_name(&id),
            id: id.clone(),
            title,
            definition: TwoLanguages::trimmed(&raw.definition_zh_hans, &raw.definition_en).into(),
            source,
            dataset: dataset_name(dataset),
            concepts: Vec::with_capacity(raw.concepts.len()),
            top_concepts: Vec::new(),
            concept_ids: IdMap::with_capacity_and_hasher(raw.concepts.len(), Default::default()),
        };
        let mut concept_ids = FirstUse::new("give each concept of a scheme its own id");
        let mut labels = FirstUse::new("preferred labels must differ within a scheme");
        let mut notations = FirstUse::new("notations must differ within a scheme");
        for (i, raw_concept) in raw.concepts.into_iter().enumerate() {
            let concept_id = clean(&raw_concept.id);
            let at = format!("{item}.concepts[{i}]");
            check.id(format_args!("{at}.id"), "concept id", &concept_id)?;
            let concept_item = format!("{item}.concepts[{concept_id}]");
            check.unique(
                &mut concept_ids,
                concept_id.clone(),
                format_args!("concept id {concept_id:?}"),
                format_args!("{concept_item}.id"),
                at,
            )?;
            let index = ConceptIndex::try_from(self.concepts.len()).map_err(|_| {
                LoadError::invalid(path, &concept_item, "too many concepts for one process")
            })?;
            scheme.concept_ids.insert(concept_id.clone(), index);
            let (concept, links) = self.concept(
                path,
                dataset,
                &scheme,
                scheme_index,
                &concept_item,
                concept_id,
                raw_concept,
            )?;
            let place = format!("concept {:?}", concept.id);
            for (lang, label) in concept.pref_label.present() {
                check.unique(
                    &mut labels,
                    (lang, normalize(label)),
                    format_args!("{lang} preferred label {label:?}"),
                    format_args!("{concept_item}.pref_label_{}", field_suffix(lang)),
                    place.as_str(),
                )?;
            }
            if !concept.notation.is_empty() {
                check.unique(
                    &mut notations,
                    normalize(&concept.notation),
                    format_args!("notation {:?}", concept.notation),
                    format_args!("{concept_item}.notation"),
                    place,
                )?;
            }
            scheme.concepts.push(index);
            self.concepts.push(concept);
            self.links.push(links);
        }
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
        let check = FileCheck::new(path);
        let pref_label = check
            .texts(
                item,
                "pref_label",
                &raw.pref_label_zh_hans,
                &raw.pref_label_en,
            )?
            .into();
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
            check.id(format_args!("{item}.series[{i}]"), "series id", s)?;
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
        let source = check.source(item, raw.source.as_deref(), &scheme.source)?;
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
            definition: TwoLanguages::trimmed(&raw.definition_zh_hans, &raw.definition_en).into(),
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
        dataset: &str,
        position: usize,
        raw: RawMilestone,
    ) -> Result<(), LoadError> {
        let check = FileCheck::new(path);
        let (id, item) = new_id(
            check,
            "milestone",
            position,
            &raw.id,
            &mut self.milestone_ids,
        )?;
        let year = check.year(format_args!("{item}.year"), raw.year, MIN_YEAR..=MAX_YEAR)?;
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
        let title = check
            .texts(&item, "title", &raw.title_zh_hans, &raw.title_en)?
            .into();
        let source = check.source(&item, Some(&raw.source), "")?;
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
        self.milestones.push(Milestone {
            name: milestone_name(&id),
            id,
            year,
            month,
            end_of_year: raw.end_of_year,
            title,
            description: TwoLanguages::trimmed(&raw.description_zh_hans, &raw.description_en)
                .into(),
            concepts: Vec::new(),
            source,
            dataset: dataset.to_owned(),
        });
        self.milestone_links.push(links);
        Ok(())
    }

    /// Resolves every link, checks the hierarchy, and derives narrower, ancestors, top concepts
    /// and the inverse related links; the vocabulary is marked as loaded from `data_version`.
    fn finish(mut self, data_version: DataVersion) -> Result<Vocabulary, LoadError> {
        let links = std::mem::take(&mut self.links);
        let mut external = Vec::new();
        let local = |schemes: &[Scheme], link: &Link| {
            link.scheme.is_empty() || schemes.iter().any(|s| s.id == link.scheme)
        };
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
                if !local(&self.schemes, link) {
                    external.push(ExternalLink {
                        from: LinkFrom::Concept(i as ConceptIndex),
                        link: link.clone(),
                    });
                    continue;
                }
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
                if !local(&self.schemes, link) {
                    external.push(ExternalLink {
                        from: LinkFrom::Milestone(milestone.id.clone()),
                        link: link.clone(),
                    });
                    continue;
                }
                let target = resolve(&self.schemes, link)?;
                if !concepts.contains(&target) {
                    concepts.push(target);
                }
            }
            milestone.concepts = concepts;
        }
        let mut vocabulary =
            Vocabulary::new(self.schemes, self.concepts, self.milestones, data_version);
        vocabulary.set_external(external);
        Ok(vocabulary)
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

/// Cleans the id of the `position`th `kind` (`scheme`, `milestone`) and checks that it is valid
/// and not used yet in any file. Returns the id and the item's field prefix, `{kind}s[{id}]`.
fn new_id(
    check: FileCheck<'_>,
    kind: &str,
    position: usize,
    raw_id: &str,
    seen: &mut FirstUse<String>,
) -> Result<(String, String), LoadError> {
    let id = clean(raw_id);
    check.id(
        format_args!("{kind}s[{position}].id"),
        &format!("{kind} id"),
        &id,
    )?;
    let item = format!("{kind}s[{id}]");
    check.unique(
        seen,
        id.clone(),
        format_args!("{kind} id {id:?}"),
        format_args!("{item}.id"),
        check.path(),
    )?;
    Ok((id, item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editions::Selector;
    use llmarket_kit::data;

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
        DatasetFiles::taxonomy_only("d", DataFile::owned(path, text))
    }

    fn load(text: &str) -> Result<Vocabulary, LoadError> {
        Vocabulary::load(&[files("t.toml", text.to_owned())])
    }

    /// Asserts the load of `text` fails on `field` with a reason containing `needle`.
    #[track_caller]
    fn rejects(text: &str, field: &str, needle: &str) {
        data::check::assert_invalid(load(text), "t.toml", field, needle);
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
    fn bad_links_labels_and_ids_are_rejected() {
        let b = "schemes[s].concepts[b]";
        let with = |line: &str| format!("{BASE}{line}\n");
        let cases = [
            (
                BASE.replace("broader = [\"a\"]", "broader = [\"zz\"]"),
                format!("{b}.broader[0]"),
                "has no concept \"zz\"",
            ),
            (
                with("related = [\"s/zz\"]"),
                format!("{b}.related[0]"),
                "has no concept",
            ),
            (
                with("related = [\"nope/a\"]"),
                format!("{b}.related[0]"),
                "names no loaded scheme",
            ),
            (
                with("related = [\"b\"]"),
                format!("{b}.related[0]"),
                "related to itself",
            ),
            (
                BASE.replace(
                    "pref_label_en = \"Alpha\"",
                    "pref_label_en = \"Alpha\"\nbroader = [\"b\"]",
                ),
                format!("{b}.broader[0]"),
                "cycle (",
            ),
            (
                BASE.replace("broader = [\"a\"]", "broader = [\"b\"]"),
                format!("{b}.broader[0]"),
                "b → b",
            ),
            (
                BASE.replace("\"乙\"", "\"甲\""),
                format!("{b}.pref_label_zh_hans"),
                "zh-Hans preferred label \"甲\" is already used by concept \"a\"; preferred \
                 labels must differ",
            ),
            // Case and width do not make a label different.
            (
                BASE.replace("\"Beta\"", "\"ＡＬＰＨＡ\""),
                format!("{b}.pref_label_en"),
                "already used by concept \"a\"",
            ),
            (
                BASE.replace("pref_label_en = \"Beta\"\n", ""),
                format!("{b}.pref_label_en"),
                "needs a text in en",
            ),
            (
                BASE.replace("pref_label_zh_hans = \"乙\"", "pref_label_zh_hans = \"  \""),
                format!("{b}.pref_label_zh_hans"),
                "is missing",
            ),
            (
                BASE.replace("title_en = \"Scheme\"\n", ""),
                "schemes[s].title_en".to_owned(),
                "is missing",
            ),
            (
                BASE.replace("id = \"b\"", "id = \"Bad Id\""),
                "schemes[s].concepts[1].id".to_owned(),
                "not a valid concept id",
            ),
            (
                BASE.replace("id = \"b\"", "id = \"a\""),
                "schemes[s].concepts[a].id".to_owned(),
                "concept id \"a\" is already used by schemes[s].concepts[0]",
            ),
            (
                format!("{BASE}{}", BASE.replace("\"b\"", "\"c\"")),
                "schemes[s].id".to_owned(),
                "scheme id \"s\" is already used by t.toml",
            ),
            (
                BASE.replace("id = \"s\"", "id = \"-s\""),
                "schemes[0].id".to_owned(),
                "not a valid scheme id",
            ),
            (
                format!("dataset = \"Not Valid\"\n{BASE}"),
                "dataset".to_owned(),
                "not a valid dataset id",
            ),
            (
                with("series = [\"Market Size\"]"),
                format!("{b}.series[0]"),
                "not a valid series id",
            ),
            (
                with("attributes = { \"Bad Key\" = \"x\" }"),
                format!("{b}.attributes"),
                "not a valid attribute name",
            ),
        ];
        for (text, field, needle) in cases {
            rejects(&text, &field, needle);
        }
    }

    #[test]
    fn two_sources_of_one_edition_fail_naming_both() {
        let result = Vocabulary::load(&[
            files("one.toml", BASE.to_owned()),
            files("two.toml", BASE.to_owned()),
        ]);
        data::check::assert_invalid(
            result,
            "two.toml",
            "edition",
            "edition \"1\" of dataset \"d\" is already used by one.toml",
        );
    }

    /// `directory` as edition `edition` of dataset `dataset`, published `date`.
    fn edition(
        directory: &str,
        text: Option<String>,
        dataset: &str,
        edition: &str,
        date: &str,
    ) -> DatasetFiles {
        DatasetFiles {
            directory: directory.into(),
            forecast: None,
            taxonomy: text.map(|t| DataFile::owned(format!("{directory}/taxonomy.toml"), t)),
            edition: Some(EditionMeta {
                dataset: dataset.into(),
                id: edition.into(),
                published: Some(data::PublishDate::parse(date).unwrap()),
            }),
        }
    }

    #[test]
    fn a_second_dataset_with_the_same_scheme_id_loads_and_v1_serves_the_first() {
        let other = BASE.replace("\"甲\"", "\"丙\"").replace("Alpha", "Gamma")
            + "\n[[milestones]]\nid = \"m\"\nyear = 2023\ntitle_zh_hans = \"事件\"\ntitle_en = \"Event\"\nsource = \"1\"\n";
        let first = BASE.to_owned()
            + "\n[[milestones]]\nid = \"m\"\nyear = 2024\ntitle_zh_hans = \"事件\"\ntitle_en = \"Event\"\nsource = \"1\"\n";
        let vocabulary = Vocabulary::load(&[
            files("one.toml", first),
            DatasetFiles::taxonomy_only("e", DataFile::owned("two.toml", other)),
        ])
        .unwrap();
        // v1: the first source's scheme and milestone.
        assert_eq!(vocabulary.schemes().len(), 1);
        assert_eq!(vocabulary.concept("s", "a").unwrap().pref_label.en, "Alpha");
        assert_eq!(vocabulary.milestone("m").unwrap().year, 2024);
        assert_eq!(vocabulary.milestone("m").unwrap().dataset, "d");
        let editions = vocabulary.editions();
        assert_eq!(
            editions.shadowed(),
            [
                ("schemes/s".to_owned(), "e".to_owned()),
                ("milestones/m".to_owned(), "e".to_owned())
            ]
        );
        assert!(editions.v1_served("d", "s"));
        assert!(!editions.v1_served("e", "s"));
        // v2: the second dataset's own.
        let e = editions
            .dataset("e")
            .unwrap()
            .select(Selector::Latest)
            .unwrap();
        assert_eq!(
            e.vocabulary.concept("s", "a").unwrap().pref_label.en,
            "Gamma"
        );
        assert_eq!(e.vocabulary.milestone("m").unwrap().year, 2023);
    }

    #[test]
    fn links_across_files_are_served_both_ways_in_v1_only() {
        let other = "[[schemes]]\nid = \"o\"\ntitle_zh_hans = \"其他\"\ntitle_en = \"Other\"\nsource = \"1\"\n\
            [[schemes.concepts]]\nid = \"t\"\npref_label_zh_hans = \"东西\"\npref_label_en = \"Thing\"\nrelated = [\"s/a\"]\n\
            [[milestones]]\nid = \"m\"\nyear = 2023\ntitle_zh_hans = \"事件\"\ntitle_en = \"Event\"\nsource = \"1\"\nconcepts = [\"s/b\", \"o/t\"]\n";
        let vocabulary = Vocabulary::load(&[
            files("one.toml", BASE.to_owned()),
            DatasetFiles::taxonomy_only("e", DataFile::owned("two.toml", other.to_owned())),
        ])
        .unwrap();
        let a = vocabulary.concept_index("s", "a").unwrap();
        let t = vocabulary.concept_index("o", "t").unwrap();
        assert_eq!(vocabulary.concept_at(t).related, [a]);
        assert_eq!(vocabulary.concept_at(a).related, [t]);
        let b = vocabulary.concept_index("s", "b").unwrap();
        assert_eq!(vocabulary.milestone("m").unwrap().concepts, [t, b]);
        // In v2 a link stays within its dataset.
        let e = vocabulary
            .editions()
            .dataset("e")
            .unwrap()
            .select(Selector::Latest)
            .unwrap();
        assert!(e.vocabulary.concept("o", "t").unwrap().related.is_empty());
        // A link to no loaded scheme still fails the load.
        let dangling = other.replace("s/a", "z/a");
        data::check::assert_invalid(
            Vocabulary::load(&[
                files("one.toml", BASE.to_owned()),
                DatasetFiles::taxonomy_only("e", DataFile::owned("two.toml", dangling)),
            ]),
            "two.toml",
            "schemes[o].concepts[t].related[0]",
            "names no loaded scheme",
        );
    }

    #[test]
    fn an_edition_without_a_vocabulary_keeps_the_previous_one_and_v1_serves_the_latest() {
        let newer = BASE.replace("Alpha", "Alpha 2");
        let vocabulary = Vocabulary::load(&[
            edition("c", Some(newer), "r", "2027", "2027"),
            edition("a", Some(BASE.to_owned()), "r", "2025", "2025-03"),
            edition("b", None, "r", "2026", "2026-01-01"),
        ])
        .unwrap();
        assert_eq!(
            vocabulary.concept("s", "a").unwrap().pref_label.en,
            "Alpha 2"
        );
        let r = vocabulary.editions().dataset("r").unwrap();
        let ids: Vec<_> = r.editions.iter().map(|e| e.meta.id.as_str()).collect();
        assert_eq!(ids, ["2025", "2026", "2027"]);
        assert!(Arc::ptr_eq(
            &r.editions[0].vocabulary,
            &r.editions[1].vocabulary
        ));
        assert_eq!(
            r.editions[1]
                .vocabulary
                .concept("s", "a")
                .unwrap()
                .pref_label
                .en,
            "Alpha"
        );
        assert_eq!(r.editions[1].v1_dataset, "b");
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
        let twice = format!(
            "{}\n[[milestones]]\nid = \"m\"\nyear = 2024\ntitle_zh_hans = \"乙\"\n\
             title_en = \"B\"\nsource = \"2.2\"\n",
            milestone("")
        );
        let cases = [
            (milestone("month = 0\n"), "month", "use 1..=12"),
            (milestone("month = 13\n"), "month", "use 1..=12"),
            (milestone("month = -1\n"), "month", "use 1..=12"),
            (
                milestone("").replace("year = 2023", "year = 1800"),
                "year",
                "outside 1900..=2200",
            ),
            (
                milestone("").replace("[\"s/a\"]", "[\"s/zz\"]"),
                "concepts[0]",
                "has no concept",
            ),
            (twice, "id", "milestone id \"m\" is already used by t.toml"),
            (
                milestone("").replace("source = \"2.2\"", "source = \"\""),
                "source",
                "is missing",
            ),
        ];
        for (text, field, needle) in cases {
            rejects(&text, &format!("milestones[m].{field}"), needle);
        }
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
