//! The concept search index: an inverted index of character n-grams over normalised texts.
//!
//! Every text of a concept (preferred and alternative labels in both languages, the notation, and
//! both definitions) is normalised once at load ([`normalize`]: NFKC, lowercase, whitespace
//! collapsed and dropped next to Han characters, so Chinese matches without word breaks and
//! `AI原生应用` finds `AI 原生应用`). Each concept is posted under every character bigram and every
//! character of its texts. A query of one character reads its unigram list; a longer query reads
//! the lists of its bigrams, intersects them starting from the shortest, and verifies only the
//! surviving candidates by substring match. No search scans the texts of every concept.
//!
//! Ranking: exact label (1.0) > label prefix (0.75) > label substring (0.5) > definition (0.25);
//! labels are the preferred and alternative labels and the notation. A concept appears once,
//! with its best match; ties go to scheme order, then vocabulary order.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization as _;

use super::{
    language::Lang,
    model::{Concept, ConceptIndex},
};

/// Which part of a concept a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchField {
    /// The preferred label.
    PrefLabel,
    /// An alternative label.
    AltLabel,
    /// The notation.
    Notation,
    /// The definition.
    Definition,
}

/// How a search matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// The whole label equals the query.
    Exact,
    /// The label starts with the query.
    Prefix,
    /// The label contains the query.
    Substring,
    /// The definition contains the query.
    Definition,
}

impl MatchKind {
    /// The relevance score of this kind of match.
    pub fn score(self) -> f64 {
        match self {
            MatchKind::Exact => 1.0,
            MatchKind::Prefix => 0.75,
            MatchKind::Substring => 0.5,
            MatchKind::Definition => 0.25,
        }
    }
}

/// One concept found by a search, with its best match.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'v> {
    /// Index of the concept.
    pub index: ConceptIndex,
    /// The concept.
    pub concept: &'v Concept,
    /// The field that matched best.
    pub field: MatchField,
    /// How it matched.
    pub kind: MatchKind,
    /// The language of the matched text; `None` for the notation, which has none.
    pub lang: Option<Lang>,
    /// The matched text, as written.
    pub text: &'v str,
}

impl Hit<'_> {
    /// The relevance score, from the match kind.
    pub fn score(&self) -> f64 {
        self.kind.score()
    }
}

/// Where an indexed text lives in its concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Pref(Lang),
    Alt(usize),
    Notation,
    Definition(Lang),
}

impl Slot {
    fn resolve(self, concept: &Concept) -> (MatchField, Option<Lang>, &str) {
        match self {
            Slot::Pref(lang) => (
                MatchField::PrefLabel,
                Some(lang),
                concept.pref_label.get(lang),
            ),
            Slot::Alt(i) => match concept.alt_labels.get(i) {
                Some((lang, text)) => (MatchField::AltLabel, Some(*lang), text),
                None => (MatchField::AltLabel, None, ""),
            },
            Slot::Notation => (MatchField::Notation, None, &concept.notation),
            Slot::Definition(lang) => (
                MatchField::Definition,
                Some(lang),
                concept.definition.get(lang),
            ),
        }
    }
}

/// One normalised text of a concept.
#[derive(Debug, Clone)]
struct Indexed {
    slot: Slot,
    normalized: Box<str>,
}

/// The inverted index over every concept's texts. Built once per vocabulary.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// n-gram key ([`unigram`] or [`bigram`]) → ascending concept indices.
    postings: HashMap<u64, Vec<ConceptIndex>>,
    /// Every concept's normalised texts, concept by concept.
    texts: Vec<Indexed>,
    /// `texts[starts[i]..starts[i + 1]]` are concept `i`'s texts.
    starts: Vec<u32>,
}

/// Normalises a text for matching: NFKC, lowercase, whitespace runs collapsed to one space and
/// trimmed, and whitespace next to a Han character dropped (Chinese is written without word
/// breaks, and the report puts spaces between Chinese and Latin words inconsistently).
pub fn normalize(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space && !is_han(c) && !out.chars().next_back().is_some_and(is_han) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Whether `c` is a Han ideograph or CJK punctuation.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff00}'..='\u{ffef}'
        | '\u{20000}'..='\u{3134f}')
}

fn unigram(c: char) -> u64 {
    (u64::from(c) << 32) | u64::from(u32::MAX)
}

fn bigram(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Appends the unigram and bigram keys of `text` to `keys`.
fn grams(text: &str, keys: &mut Vec<u64>) {
    let mut previous = None;
    for c in text.chars() {
        keys.push(unigram(c));
        if let Some(p) = previous {
            keys.push(bigram(p, c));
        }
        previous = Some(c);
    }
}

/// The keys a normalised query must all be posted under: its one unigram, or its bigrams.
fn query_keys(query: &str) -> Vec<u64> {
    let chars: Vec<char> = query.chars().collect();
    let mut keys: Vec<u64> = match chars.as_slice() {
        [] => Vec::new(),
        [c] => vec![unigram(*c)],
        _ => chars.windows(2).map(|w| bigram(w[0], w[1])).collect(),
    };
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// How `label` (normalised) matches `query` (normalised), if it does.
fn label_match(label: &str, query: &str) -> Option<MatchKind> {
    if label == query {
        Some(MatchKind::Exact)
    } else if label.starts_with(query) {
        Some(MatchKind::Prefix)
    } else if label.contains(query) {
        Some(MatchKind::Substring)
    } else {
        None
    }
}

impl SearchIndex {
    /// Indexes `concepts` (whose positions are their [`ConceptIndex`]).
    pub fn build(concepts: &[Concept]) -> Self {
        let mut postings: HashMap<u64, Vec<ConceptIndex>> = HashMap::new();
        let mut texts = Vec::with_capacity(concepts.len() * 6);
        let mut starts = Vec::with_capacity(concepts.len() + 1);
        let mut keys = Vec::new();
        for (i, concept) in concepts.iter().enumerate() {
            let Ok(index) = ConceptIndex::try_from(i) else {
                // The loader refuses vocabularies this large; never index what cannot be named.
                break;
            };
            starts.push(texts.len() as u32);
            let slots = Lang::ALL
                .into_iter()
                .map(Slot::Pref)
                .chain((0..concept.alt_labels.len()).map(Slot::Alt))
                .chain(std::iter::once(Slot::Notation))
                .chain(Lang::ALL.into_iter().map(Slot::Definition));
            keys.clear();
            for slot in slots {
                let (_, _, text) = slot.resolve(concept);
                let normalized = normalize(text);
                if normalized.is_empty() {
                    continue;
                }
                grams(&normalized, &mut keys);
                texts.push(Indexed {
                    slot,
                    normalized: normalized.into_boxed_str(),
                });
            }
            keys.sort_unstable();
            keys.dedup();
            for key in &keys {
                postings.entry(*key).or_default().push(index);
            }
        }
        starts.push(texts.len() as u32);
        postings.shrink_to_fit();
        Self {
            postings,
            texts,
            starts,
        }
    }

    /// The concepts posted under every key of `query`: the lists intersected from the shortest.
    fn candidates(&self, query: &str) -> Vec<ConceptIndex> {
        let mut lists = Vec::new();
        for key in query_keys(query) {
            match self.postings.get(&key) {
                Some(list) => lists.push(list.as_slice()),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|list| list.len());
        let Some((shortest, others)) = lists.split_first() else {
            return Vec::new();
        };
        let mut candidates = shortest.to_vec();
        for list in others {
            candidates.retain(|c| list.binary_search(c).is_ok());
            if candidates.is_empty() {
                break;
            }
        }
        candidates
    }

    /// The best match of `concept` (at `index`) for `query`, preferring `lang` on a tie.
    fn best_match(
        &self,
        index: ConceptIndex,
        concept: &Concept,
        query: &str,
        lang: Lang,
    ) -> Option<(MatchKind, Slot)> {
        let i = index as usize;
        let (start, end) = (*self.starts.get(i)?, *self.starts.get(i + 1)?);
        let texts = self.texts.get(start as usize..end as usize)?;
        let rank = |kind: MatchKind, slot: Slot| {
            let (field, text_lang, _) = slot.resolve(concept);
            (kind, field, text_lang.is_some_and(|l| l != lang))
        };
        let mut best: Option<(MatchKind, Slot)> = None;
        let mut label_found = false;
        for text in texts {
            let kind = match text.slot {
                Slot::Definition(_) if label_found => continue,
                Slot::Definition(_) => text
                    .normalized
                    .contains(query)
                    .then_some(MatchKind::Definition),
                _ => label_match(&text.normalized, query),
            };
            let Some(kind) = kind else { continue };
            label_found |= kind != MatchKind::Definition;
            if best.is_none_or(|(k, s)| rank(kind, text.slot) < rank(k, s)) {
                best = Some((kind, text.slot));
            }
        }
        best
    }

    /// Finds the concepts matching `query` (raw text, normalised here), in `schemes` (indices;
    /// empty means all), best first, ties in index order.
    pub fn search<'v>(
        &self,
        concepts: &'v [Concept],
        query: &str,
        schemes: &[usize],
        lang: Lang,
    ) -> Vec<Hit<'v>> {
        let query = normalize(query);
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<Hit<'v>> = self
            .candidates(&query)
            .into_iter()
            .filter_map(|index| {
                let concept = concepts.get(index as usize)?;
                if !schemes.is_empty() && !schemes.contains(&concept.scheme) {
                    return None;
                }
                let (kind, slot) = self.best_match(index, concept, &query, lang)?;
                let (field, text_lang, text) = slot.resolve(concept);
                Some(Hit {
                    index,
                    concept,
                    field,
                    kind,
                    lang: text_lang,
                    text,
                })
            })
            .collect();
        // Candidates come in index order; a stable sort keeps it among equal kinds.
        hits.sort_by_key(|hit| hit.kind);
        hits
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::taxonomy::model::Texts;

    fn concept(scheme: usize, id: &str, zh: &str, en: &str, def_en: &str) -> Concept {
        Concept {
            id: id.into(),
            name: format!("schemes/s{scheme}/concepts/{id}"),
            scheme,
            notation: String::new(),
            pref_label: Texts {
                zh_hans: zh.into(),
                en: en.into(),
            },
            definition: Texts {
                zh_hans: String::new(),
                en: def_en.into(),
            },
            alt_labels: Vec::new(),
            broader: Vec::new(),
            narrower: Vec::new(),
            related: Vec::new(),
            ancestors: Vec::new(),
            series: Vec::new(),
            source: "1".into(),
            attributes: BTreeMap::new(),
        }
    }

    fn ids(hits: &[Hit<'_>]) -> Vec<(String, MatchKind)> {
        hits.iter()
            .map(|h| (h.concept.id.clone(), h.kind))
            .collect()
    }

    #[test]
    fn normalizes_width_case_and_spaces() {
        assert_eq!(normalize("ＭａａＳ"), "maas");
        assert_eq!(normalize("  Scaling   LAW "), "scaling law");
        assert_eq!(normalize("AI 原生应用 收入"), "ai原生应用收入");
        assert_eq!(normalize("CoT (思维链) 提示"), "cot (思维链)提示");
        assert_eq!(normalize("ﬁ"), "fi");
    }

    #[test]
    fn ranks_exact_then_prefix_then_substring_then_definition() {
        let concepts = vec![
            concept(0, "def", "甲", "Alpha", "about agents"),
            concept(0, "sub", "乙", "Smart agents", ""),
            concept(0, "prefix", "丙", "Agents at work", ""),
            concept(1, "exact", "丁", "Agents", ""),
        ];
        let index = SearchIndex::build(&concepts);
        let hits = index.search(&concepts, "AGENTS", &[], Lang::En);
        assert_eq!(
            ids(&hits),
            vec![
                ("exact".into(), MatchKind::Exact),
                ("prefix".into(), MatchKind::Prefix),
                ("sub".into(), MatchKind::Substring),
                ("def".into(), MatchKind::Definition),
            ]
        );
        assert_eq!(
            hits.iter().map(Hit::score).collect::<Vec<_>>(),
            vec![1.0, 0.75, 0.5, 0.25]
        );
        assert_eq!(hits[0].text, "Agents");
        assert_eq!(hits[0].field, MatchField::PrefLabel);
        assert_eq!(hits[3].field, MatchField::Definition);
    }

    #[test]
    fn ties_follow_scheme_then_vocabulary_order() {
        let concepts = vec![
            concept(0, "a", "推理一", "x", ""),
            concept(0, "b", "推理二", "y", ""),
            concept(1, "c", "推理三", "z", ""),
        ];
        let index = SearchIndex::build(&concepts);
        let hits = index.search(&concepts, "推理", &[], Lang::ZhHans);
        let order: Vec<_> = hits.iter().map(|h| h.concept.id.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        let only = index.search(&concepts, "推理", &[1], Lang::ZhHans);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].concept.id, "c");
    }

    #[test]
    fn chinese_matches_inside_words_and_single_characters_work() {
        let concepts = vec![
            concept(0, "a", "推理时算力", "x", ""),
            concept(0, "b", "智能体应用", "y", ""),
        ];
        let index = SearchIndex::build(&concepts);
        assert_eq!(index.search(&concepts, "算力", &[], Lang::En).len(), 1);
        assert_eq!(index.search(&concepts, "体", &[], Lang::En).len(), 1);
        assert!(index.search(&concepts, "算体", &[], Lang::En).is_empty());
        assert!(index.search(&concepts, "q", &[], Lang::En).is_empty());
    }

    #[test]
    fn candidates_are_verified_not_just_intersected() {
        // Both bigrams of "abc" occur, but never together.
        let concepts = vec![concept(0, "a", "甲", "ab bc", "")];
        let index = SearchIndex::build(&concepts);
        assert_eq!(index.candidates("abc"), vec![0]);
        assert!(index.search(&concepts, "abc", &[], Lang::En).is_empty());
    }

    #[test]
    fn prefers_the_requested_language_on_a_tie() {
        let concepts = vec![concept(0, "m", "MaaS", "MaaS", "")];
        let index = SearchIndex::build(&concepts);
        let zh = index.search(&concepts, "maas", &[], Lang::ZhHans);
        assert_eq!(zh[0].lang, Some(Lang::ZhHans));
        let en = index.search(&concepts, "maas", &[], Lang::En);
        assert_eq!(en[0].lang, Some(Lang::En));
    }

    #[test]
    fn a_label_beats_the_definition_and_notation_matches_as_a_label() {
        let mut level = concept(0, "l3", "能行动的AI", "Agents", "Level 3: AI that can act");
        level.notation = "L3".into();
        level.alt_labels = vec![(Lang::En, "Level 3".into())];
        let concepts = vec![level];
        let index = SearchIndex::build(&concepts);
        let hits = index.search(&concepts, "l3", &[], Lang::En);
        assert_eq!(
            (hits[0].field, hits[0].kind),
            (MatchField::Notation, MatchKind::Exact)
        );
        assert_eq!(hits[0].lang, None);
        let hits = index.search(&concepts, "level 3", &[], Lang::En);
        assert_eq!(
            (hits[0].field, hits[0].kind),
            (MatchField::AltLabel, MatchKind::Exact)
        );
        assert_eq!(hits[0].text, "Level 3");
    }
}
