//! The concept search index: an inverted index of character n-grams over normalised texts.
//!
//! Every text of a concept (preferred and alternative labels in both languages, the notation, and
//! both definitions) is normalised once at load ([`normalize`]: NFKC, lowercase, whitespace
//! collapsed and dropped next to Han characters, so Chinese matches without word breaks and
//! `AI原生应用` finds `AI 原生应用`). Each concept is posted under every character, bigram and
//! trigram of its texts. A query reads the lists of its longest n-grams (its one character, its
//! bigram, or its trigrams), intersects them starting from the shortest (galloping forward
//! through the longer ones), and verifies only the surviving candidates by substring match. No
//! search scans the texts of every concept. Trigrams matter for Latin text, where every bigram
//! of a word is common; Chinese is selective from the bigram on.
//!
//! Ranking: exact label (1.0) > label prefix (0.75) > label substring (0.5) > definition (0.25);
//! labels are the preferred and alternative labels and the notation. A concept appears once,
//! with its best match; ties go to scheme order, then vocabulary order.

use std::{collections::HashMap, ops::Range};

use super::{
    language::Lang,
    model::{Concept, ConceptIndex},
    text::normalize,
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
    /// n-gram key ([`gram_key`]) → where its list is in `postings`.
    lists: HashMap<u64, Range<usize>>,
    /// Every posting list, one after another; a list holds ascending concept indices.
    postings: Vec<ConceptIndex>,
    /// Every concept's normalised texts, concept by concept.
    texts: Vec<Indexed>,
    /// `texts[starts[i]..starts[i + 1]]` are concept `i`'s texts.
    starts: Vec<usize>,
}

/// The key of an n-gram of 1 to 3 characters: each character plus one, in 21 bits, so n-grams
/// of different lengths never share a key.
fn gram_key(chars: &[char]) -> u64 {
    chars
        .iter()
        .fold(0, |key, &c| (key << 21) | (u64::from(c) + 1))
}

/// Appends the keys of every unigram, bigram and trigram of `text` to `keys`.
fn grams(text: &str, keys: &mut Vec<u64>) {
    let (mut before, mut last): (Option<char>, Option<char>) = (None, None);
    for c in text.chars() {
        keys.push(gram_key(&[c]));
        if let Some(b) = last {
            keys.push(gram_key(&[b, c]));
            if let Some(a) = before {
                keys.push(gram_key(&[a, b, c]));
            }
        }
        (before, last) = (last, Some(c));
    }
}

/// The distinct keys of every text in `texts`, sorted.
fn text_keys(texts: &[Indexed], keys: &mut Vec<u64>) {
    keys.clear();
    for text in texts {
        grams(&text.normalized, keys);
    }
    keys.sort_unstable();
    keys.dedup();
}

/// The keys a normalised query must all be posted under: its unigram, its bigram, or its
/// trigrams (the longest n-grams indexed, so the shortest lists).
fn query_keys(query: &str) -> Vec<u64> {
    let chars: Vec<char> = query.chars().collect();
    let n = chars.len().min(3);
    if n == 0 {
        return Vec::new();
    }
    let mut keys: Vec<u64> = chars.windows(n).map(gram_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The first index at or after `from` whose value is at least `target`: exponential search
/// from `from`, then binary search in the last step, so a walk over ascending targets reads each
/// list forward only.
fn gallop(list: &[ConceptIndex], from: usize, target: ConceptIndex) -> usize {
    let mut low = from;
    let mut step = 1;
    while low + step < list.len() && list[low + step] < target {
        low += step;
        step *= 2;
    }
    let high = (low + step + 1).min(list.len());
    low + list
        .get(low..high)
        .map_or(0, |s| s.partition_point(|&x| x < target))
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
    ///
    /// Two passes: the first normalises every text and counts the concepts under each n-gram,
    /// the second lays the lists out one after another in one allocation.
    pub fn build(concepts: &[Concept]) -> Self {
        let count = concepts.len().min(ConceptIndex::MAX as usize);
        let mut texts = Vec::with_capacity(count * 6);
        let mut starts = Vec::with_capacity(count + 1);
        let mut counts: HashMap<u64, u32> = HashMap::new();
        let mut keys = Vec::new();
        for concept in &concepts[..count] {
            let start = texts.len();
            starts.push(start);
            let slots = Lang::ALL
                .into_iter()
                .map(Slot::Pref)
                .chain((0..concept.alt_labels.len()).map(Slot::Alt))
                .chain(std::iter::once(Slot::Notation))
                .chain(Lang::ALL.into_iter().map(Slot::Definition));
            for slot in slots {
                let (_, _, text) = slot.resolve(concept);
                let normalized = normalize(text);
                if !normalized.is_empty() {
                    texts.push(Indexed {
                        slot,
                        normalized: normalized.into_boxed_str(),
                    });
                }
            }
            text_keys(&texts[start..], &mut keys);
            for key in &keys {
                *counts.entry(*key).or_default() += 1;
            }
        }
        starts.push(texts.len());

        let mut lists = HashMap::with_capacity(counts.len());
        let mut end = 0;
        for (key, n) in counts {
            lists.insert(key, end..end);
            end += n as usize;
        }
        let mut postings = vec![0; end];
        for (i, window) in starts.windows(2).enumerate() {
            text_keys(&texts[window[0]..window[1]], &mut keys);
            for key in &keys {
                if let Some(list) = lists.get_mut(key) {
                    postings[list.end] = i as ConceptIndex;
                    list.end += 1;
                }
            }
        }
        Self {
            lists,
            postings,
            texts,
            starts,
        }
    }

    /// The concepts posted under every key of `query`: the lists intersected from the shortest.
    fn candidates(&self, query: &str) -> Vec<ConceptIndex> {
        let mut lists = Vec::new();
        for key in query_keys(query) {
            match self
                .lists
                .get(&key)
                .and_then(|r| self.postings.get(r.clone()))
            {
                Some(list) => lists.push(list),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|list| list.len());
        let Some((shortest, others)) = lists.split_first() else {
            return Vec::new();
        };
        let mut candidates = shortest.to_vec();
        for list in others {
            let mut position = 0;
            candidates.retain(|&c| {
                position = gallop(list, position, c);
                list.get(position) == Some(&c)
            });
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
        let texts = self.texts.get(start..end)?;
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
    use crate::model::Texts;

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

    /// Concepts and their index.
    struct Fixture {
        concepts: Vec<Concept>,
        index: SearchIndex,
    }

    impl Fixture {
        fn new(concepts: Vec<Concept>) -> Self {
            let index = SearchIndex::build(&concepts);
            Self { concepts, index }
        }

        fn find(&self, query: &str, schemes: &[usize], lang: Lang) -> Vec<Hit<'_>> {
            self.index.search(&self.concepts, query, schemes, lang)
        }
    }

    fn ids(hits: &[Hit<'_>]) -> Vec<(String, MatchKind)> {
        hits.iter()
            .map(|h| (h.concept.id.clone(), h.kind))
            .collect()
    }

    #[test]
    fn ranks_exact_then_prefix_then_substring_then_definition() {
        let index = Fixture::new(vec![
            concept(0, "def", "甲", "Alpha", "about agents"),
            concept(0, "sub", "乙", "Smart agents", ""),
            concept(0, "prefix", "丙", "Agents at work", ""),
            concept(1, "exact", "丁", "Agents", ""),
        ]);
        let hits = index.find("AGENTS", &[], Lang::En);
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
        let index = Fixture::new(vec![
            concept(0, "a", "推理一", "x", ""),
            concept(0, "b", "推理二", "y", ""),
            concept(1, "c", "推理三", "z", ""),
        ]);
        let hits = index.find("推理", &[], Lang::ZhHans);
        let order: Vec<_> = hits.iter().map(|h| h.concept.id.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        let only = index.find("推理", &[1], Lang::ZhHans);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].concept.id, "c");
    }

    #[test]
    fn chinese_matches_inside_words_and_single_characters_work() {
        let index = Fixture::new(vec![
            concept(0, "a", "推理时算力", "x", ""),
            concept(0, "b", "智能体应用", "y", ""),
        ]);
        assert_eq!(index.find("算力", &[], Lang::En).len(), 1);
        assert_eq!(index.find("体", &[], Lang::En).len(), 1);
        assert!(index.find("算体", &[], Lang::En).is_empty());
        assert!(index.find("q", &[], Lang::En).is_empty());
    }

    #[test]
    fn candidates_are_verified_not_just_intersected() {
        // Both trigrams of "abcd" occur, but never together.
        let index = Fixture::new(vec![concept(0, "a", "甲", "abc bcd", "")]);
        assert_eq!(index.index.candidates("abcd"), vec![0]);
        assert!(index.find("abcd", &[], Lang::En).is_empty());
        assert_eq!(index.find("bc b", &[], Lang::En).len(), 1);
    }

    #[test]
    fn gallop_finds_the_first_value_not_below_the_target() {
        let list = [1, 3, 5, 7, 9, 11, 13];
        for (from, target, expected) in [
            (0, 0, 0),
            (0, 1, 0),
            (0, 2, 1),
            (0, 13, 6),
            (0, 14, 7),
            (3, 7, 3),
            (3, 4, 3),
            (6, 100, 7),
            (7, 1, 7),
        ] {
            assert_eq!(gallop(&list, from, target), expected, "{from} {target}");
        }
        assert_eq!(gallop(&[], 0, 5), 0);
    }

    #[test]
    fn n_gram_keys_of_different_lengths_differ() {
        let a = gram_key(&['\u{10ffff}']);
        let b = gram_key(&['\0', '\0']);
        let c = gram_key(&['\0', '\0', '\0']);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_ne!(gram_key(&['a', 'b']), gram_key(&['b', 'a']));
    }

    #[test]
    fn prefers_the_requested_language_on_a_tie() {
        let index = Fixture::new(vec![concept(0, "m", "MaaS", "MaaS", "")]);
        let zh = index.find("maas", &[], Lang::ZhHans);
        assert_eq!(zh[0].lang, Some(Lang::ZhHans));
        let en = index.find("maas", &[], Lang::En);
        assert_eq!(en[0].lang, Some(Lang::En));
    }

    #[test]
    fn a_label_beats_the_definition_and_notation_matches_as_a_label() {
        let mut level = concept(0, "l3", "能行动的AI", "Agents", "Level 3: AI that can act");
        level.notation = "L3".into();
        level.alt_labels = vec![(Lang::En, "Level 3".into())];
        let index = Fixture::new(vec![level]);
        let hits = index.find("l3", &[], Lang::En);
        assert_eq!(
            (hits[0].field, hits[0].kind),
            (MatchField::Notation, MatchKind::Exact)
        );
        assert_eq!(hits[0].lang, None);
        let hits = index.find("level 3", &[], Lang::En);
        assert_eq!(
            (hits[0].field, hits[0].kind),
            (MatchField::AltLabel, MatchKind::Exact)
        );
        assert_eq!(hits[0].text, "Level 3");
    }
}
