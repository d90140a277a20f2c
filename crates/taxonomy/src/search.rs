//! The concept search index: a suffix array over every concept's normalised texts.
//!
//! Every text of a concept (preferred and alternative labels in both languages, the notation, and
//! both definitions) is normalised once at load ([`normalize`]: NFKC, lowercase, whitespace
//! collapsed and dropped next to Han characters, so Chinese matches without word breaks and
//! `AI原生应用` finds `AI 原生应用`). The texts are laid end to end in one buffer, each followed
//! by a separator byte (0xFF, never part of UTF-8), and the suffix array holds every position
//! where a character starts, in the order of the text from there on. The suffixes starting with
//! a query are one run of the array (two binary searches), and every entry of the run is a place
//! where the query occurs inside one text: substring semantics in any script, with no
//! verification. Beside each entry the index keeps its concept and whether it starts a label,
//! lies inside a label, or lies in a definition, so a run is read from two sequential arrays.
//!
//! Ranking: exact label (1.0) > label prefix (0.75) > label substring (0.5) > definition (0.25);
//! labels are the preferred and alternative labels and the notation. A concept appears once,
//! with its best match; ties go to scheme order, then vocabulary order (index order). A search
//! marks each concept of the run in the bit set of its match kind, keeps each concept in its best
//! kind only, and reads a page from the sets in rank order: kind by kind, index by index,
//! counting the bits before the page by popcount, so no hit is built, sorted or counted one by
//! one outside the page. The total is exact. Queries so common that their run would cost more
//! to read than a page may take (single characters, common syllables) are answered from sets
//! worked out at load ([`HEAVY_RUN`]).
//!
//! The architecture decision, with measured figures: docs/adr/0005-search-index.md.

use std::{borrow::Cow, ops::Range};

use memchr::memmem::Finder;

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

    /// Every slot of `concept`, in the order ties between equal matches are decided.
    fn all(concept: &Concept) -> impl Iterator<Item = Slot> {
        Lang::ALL
            .into_iter()
            .map(Slot::Pref)
            .chain((0..concept.alt_labels.len()).map(Slot::Alt))
            .chain(std::iter::once(Slot::Notation))
            .chain(Lang::ALL.into_iter().map(Slot::Definition))
    }
}

/// Ends every text in [`SearchIndex::text`]; 0xFF never occurs in UTF-8, so no query crosses it.
const SEP: u8 = 0xFF;
/// [`SearchIndex::owners`] place: the suffix starts a label (notation included).
const LABEL_START: u32 = 0;
/// [`SearchIndex::owners`] place: the suffix starts inside a label.
const LABEL_INSIDE: u32 = 1;
/// [`SearchIndex::owners`] place: the suffix starts in a definition.
const DEFINITION: u32 = 2;
/// Bits of an owner entry that hold the place; the concept is the rest.
const PLACE_BITS: u32 = 2;
/// Most concepts an index holds: a concept index must fit an owner entry beside its place.
const MAX_CONCEPTS: usize = (u32::MAX >> PLACE_BITS) as usize;
/// Most bytes of normalised text an index holds (the suffix sorter counts in `i32`).
const MAX_TEXT: usize = i32::MAX as usize;
/// Runs of the suffix array at least this long are classified at load (`Heavy`): reading a
/// run costs about 4 ns an entry, so no query reads for more than about 0.4 ms, well inside the
/// 2 ms a first page may take on 100,000 concepts (docs/benchmarks/2026-12-07-search.md).
pub const HEAVY_RUN: usize = 100_000;
/// Bytes of one classified block of the text, for finding the text that holds a position.
const BLOCK: usize = 64;

/// One normalised text of a concept: its slot and where it is in [`SearchIndex::text`].
#[derive(Debug, Clone)]
struct Indexed {
    slot: Slot,
    start: u32,
    end: u32,
}

/// A set of concept indices, one bit each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }

    /// Adds every index in `range`, a word at a time.
    fn insert_range(&mut self, range: Range<usize>) {
        let mut i = range.start;
        while i < range.end {
            let (word, bit) = (i / 64, i % 64);
            let n = (64 - bit).min(range.end - i);
            let ones = if n == 64 {
                u64::MAX
            } else {
                ((1 << n) - 1) << bit
            };
            if let Some(w) = self.0.get_mut(word) {
                *w |= ones;
            }
            i += n;
        }
    }

    /// How many indices are in both this set and `mask`.
    fn count(&self, mask: &Bits) -> usize {
        self.0
            .iter()
            .zip(&mask.0)
            .map(|(&word, &mask)| (word & mask).count_ones() as usize)
            .sum()
    }

    /// The indices in both this set and `mask` at positions `range` among them, in order;
    /// the words before the range are counted by popcount, not read bit by bit.
    fn select(&self, mask: &Bits, range: Range<usize>) -> Vec<ConceptIndex> {
        let mut out = Vec::new();
        let mut at = 0;
        for (w, (&word, &mask)) in self.0.iter().zip(&mask.0).enumerate() {
            if at >= range.end {
                break;
            }
            let mut bits = word & mask;
            let n = bits.count_ones() as usize;
            if at + n <= range.start {
                at += n;
                continue;
            }
            while bits != 0 {
                if range.contains(&at) {
                    out.push((w * 64) as ConceptIndex + bits.trailing_zeros());
                }
                bits &= bits - 1;
                at += 1;
            }
        }
        out
    }

    fn heap_bytes(&self) -> usize {
        self.0.capacity() * 8
    }
}

/// The concepts of one query, each in the set of its best match kind (exact, prefix, substring,
/// definition), so the sets are disjoint and their order is the rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranked([Bits; 4]);

impl Ranked {
    /// Keeps each concept in its best set only.
    fn keep_best(&mut self) {
        let [exact, prefix, substring, definition] = &mut self.0;
        for (((e, p), s), d) in exact
            .0
            .iter()
            .zip(&mut prefix.0)
            .zip(&mut substring.0)
            .zip(&mut definition.0)
        {
            *p &= !*e;
            *s &= !(*e | *p);
            *d &= !(*e | *p | *s);
        }
    }

    fn heap_bytes(&self) -> usize {
        self.0.iter().map(Bits::heap_bytes).sum()
    }
}

/// Runs of the suffix array at most this long may be ranked as a sorted list of (kind, concept)
/// rather than in bit sets, which cost a pass over every concept ([`SETS_PER_ENTRY`]).
const SPARSE_RUN: usize = 2048;

/// Concepts of bit sets worth one entry of a sorted run: a run shorter than
/// `concepts / SETS_PER_ENTRY` entries (and at most [`SPARSE_RUN`]) is ranked as a list, a
/// longer one in sets ([`SearchIndex::few_is_cheaper`]). Sorting costs about 10 ns an entry,
/// the sets a few passes over 4 bits a concept; on the 48 concepts built in, a one-letter run of
/// 1,464 entries took 16 µs as a list and 2.7 µs in sets (docs/adr/0005-search-index.md,
/// "Small vocabularies").
const SETS_PER_ENTRY: usize = 32;

/// The concepts of a query, ranked.
#[derive(Debug)]
enum Found<'i> {
    /// In the bit sets of their best kinds.
    Sets(Cow<'i, Ranked>),
    /// Each concept once, as (kind rank, concept), best first.
    Few(Vec<(usize, ConceptIndex)>),
}

/// The concepts of a query in the schemes a search allows, ranked.
#[derive(Debug)]
enum Ranking<'i> {
    /// The concepts of each kind's set that are also in `allowed`.
    Sets {
        ranked: Cow<'i, Ranked>,
        allowed: Bits,
    },
    /// Each concept once, as (kind rank, concept), best first.
    Few(Vec<(usize, ConceptIndex)>),
}

/// The concepts matching one query in the schemes a search allows, ranked and counted by match
/// kind, before any hit is built ([`SearchIndex::matches`]). In rank order the kinds come best
/// first and, within a kind, the concepts in index order (so scheme order, then vocabulary
/// order); a page of hits costs the page.
#[derive(Debug)]
pub struct Matches<'v> {
    index: &'v SearchIndex,
    concepts: &'v [Concept],
    /// Finds the normalised query in a text.
    finder: Finder<'static>,
    ranking: Ranking<'v>,
    /// How many concepts match, by kind rank.
    counts: [usize; 4],
}

impl<'v> Matches<'v> {
    /// How many concepts match in all (exact).
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// How many concepts match with `kind` as their best match.
    pub fn count(&self, kind: MatchKind) -> usize {
        self.counts[kind as usize]
    }

    /// The hits at positions `range` among the concepts whose best match is `kind`, in index
    /// order; `lang` is preferred when a concept matches equally well in both languages.
    pub fn hits_of(&self, kind: MatchKind, range: Range<usize>, lang: Lang) -> Vec<Hit<'v>> {
        let k = kind as usize;
        let range = range.start.min(self.counts[k])..range.end.min(self.counts[k]);
        if range.is_empty() {
            return Vec::new();
        }
        let indices = match &self.ranking {
            Ranking::Sets { ranked, allowed } => ranked.0[k].select(allowed, range),
            Ranking::Few(best) => {
                let before: usize = self.counts[..k].iter().sum();
                best.get(before + range.start..before + range.end)
                    .unwrap_or_default()
                    .iter()
                    .map(|&(_, concept)| concept)
                    .collect()
            }
        };
        indices
            .into_iter()
            .filter_map(|index| self.hit(index, lang))
            .collect()
    }

    /// The hits at ranks `offset..offset + limit`, best first.
    pub fn page(&self, offset: usize, limit: usize, lang: Lang) -> Vec<Hit<'v>> {
        page_across(&[((), self)], offset, limit, lang)
            .into_iter()
            .map(|((), hit)| hit)
            .collect()
    }

    /// The hit of concept `index`, with its best match.
    fn hit(&self, index: ConceptIndex, lang: Lang) -> Option<Hit<'v>> {
        let concept = self.concepts.get(index as usize)?;
        let (kind, slot) = self.index.best_match(index, concept, &self.finder, lang)?;
        let (field, text_lang, text) = slot.resolve(concept);
        Some(Hit {
            index,
            concept,
            field,
            kind,
            lang: text_lang,
            text,
        })
    }
}

/// The hits at ranks `offset..offset + limit` of the matches of several searches (each tagged
/// with its `S`) ranked as one list: kind by kind, best first, and within a kind search by
/// search in the order given, then index order. Costs the page and the searches' counts.
pub fn page_across<'v, S: Copy>(
    searches: &[(S, &Matches<'v>)],
    offset: usize,
    limit: usize,
    lang: Lang,
) -> Vec<(S, Hit<'v>)> {
    let end = offset.saturating_add(limit);
    let mut hits = Vec::new();
    let mut before = 0;
    for kind in KINDS {
        for &(tag, matches) in searches {
            let count = matches.count(kind);
            let range = offset.max(before)..end.min(before + count);
            if !range.is_empty() {
                let within = range.start - before..range.end - before;
                hits.extend(
                    matches
                        .hits_of(kind, within, lang)
                        .into_iter()
                        .map(|hit| (tag, hit)),
                );
            }
            before += count;
        }
    }
    hits
}

/// Every match kind, best first (a kind's rank is its place here).
pub const KINDS: [MatchKind; 4] = [
    MatchKind::Exact,
    MatchKind::Prefix,
    MatchKind::Substring,
    MatchKind::Definition,
];

/// The kind sets of a query whose run is at least [`HEAVY_RUN`] long, worked out at load.
#[derive(Debug, Clone)]
struct Heavy {
    /// The normalised query.
    query: Box<[u8]>,
    ranked: Ranked,
}

/// The suffix-array index over every concept's texts. Built once per vocabulary.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Every concept's normalised texts, concept by concept, each followed by [`SEP`].
    text: Vec<u8>,
    /// Every concept's texts, concept by concept.
    texts: Vec<Indexed>,
    /// `texts[starts[i]..starts[i + 1]]` are concept `i`'s texts.
    starts: Vec<u32>,
    /// The positions in `text` where a character starts, in the order of the suffixes there.
    suffixes: Vec<u32>,
    /// For each entry of `suffixes`: its concept, shifted left by [`PLACE_BITS`], and its place
    /// ([`LABEL_START`], [`LABEL_INSIDE`] or [`DEFINITION`]).
    owners: Vec<u32>,
    /// Each run of concepts of one scheme, in index order: the scheme and the concepts.
    schemes: Vec<(usize, Range<usize>)>,
    /// Concepts indexed (all of them, up to [`MAX_CONCEPTS`] and [`MAX_TEXT`]).
    concepts: usize,
    /// The queries whose runs are long, sorted by query.
    heavy: Vec<Heavy>,
    /// For each first two bytes `k` (a big-endian `u16`), where the suffixes starting with `k`
    /// or later start in `suffixes`, and one more entry, so a run is searched for in its
    /// bucket only.
    buckets: Vec<u32>,
    /// Runs up to this long are ranked as a list ([`SPARSE_RUN`]).
    sparse_run: usize,
    /// Concepts of bit sets worth one entry of a sorted run ([`SETS_PER_ENTRY`]).
    sets_per_entry: usize,
}

/// How a search's concepts are chosen: the schemes (indices) that may appear.
pub trait SchemeFilter {
    /// Whether concepts of scheme `scheme` may appear.
    fn allows(&self, scheme: usize) -> bool;
}

impl<F: Fn(usize) -> bool> SchemeFilter for F {
    fn allows(&self, scheme: usize) -> bool {
        self(scheme)
    }
}

/// One page of a search.
#[derive(Debug, Clone)]
pub struct SearchPage<'v> {
    /// The hits of the page, best first.
    pub hits: Vec<Hit<'v>>,
    /// How many concepts match in all (exact).
    pub total: usize,
}

/// How `label` (normalised) matches the query `finder` looks for, if it does.
fn label_match(label: &[u8], finder: &Finder<'_>) -> Option<MatchKind> {
    let query = finder.needle();
    if label == query {
        Some(MatchKind::Exact)
    } else if label.starts_with(query) {
        Some(MatchKind::Prefix)
    } else if finder.find(label).is_some() {
        Some(MatchKind::Substring)
    } else {
        None
    }
}

/// The rank of the match kind (0 exact to 3 definition) of a query at a suffix owned by
/// `owner`, `whole` when the query is all that is left of the suffix's text.
fn kind(owner: u32, whole: bool) -> usize {
    // By place (LABEL_START, LABEL_INSIDE, DEFINITION, unused), then whole or not.
    const KINDS: [[usize; 4]; 2] = [[1, 2, 3, 3], [0, 2, 3, 3]];
    KINDS[usize::from(whole)][(owner & ((1 << PLACE_BITS) - 1)) as usize]
}

/// The suffix array of `text`: every position, in the order of the suffixes there.
fn suffix_array(text: &[u8]) -> Vec<i32> {
    let mut sa = vec![0; text.len()];
    if !text.is_empty() {
        divsufsort::sort_in_place(text, &mut sa);
    }
    sa
}

impl SearchIndex {
    /// Indexes `concepts` (whose positions are their [`ConceptIndex`]).
    pub fn build(concepts: &[Concept]) -> Self {
        Self::build_with(concepts, HEAVY_RUN, SPARSE_RUN)
    }

    /// [`SearchIndex::build`], classifying at load the queries whose runs are at least
    /// `heavy_run` entries long, and ranking runs up to `sparse_run` long as lists (tests change
    /// both to exercise every path).
    fn build_with(concepts: &[Concept], heavy_run: usize, sparse_run: usize) -> Self {
        let mut index = Self::lay_out(concepts);
        index.sort_suffixes();
        index.buckets = index.bucket_starts();
        index.sparse_run = sparse_run;
        index.sets_per_entry = SETS_PER_ENTRY;
        index.heavy = index.heavy_queries(heavy_run.max(1));
        index.text.shrink_to_fit();
        index.texts.shrink_to_fit();
        index.starts.shrink_to_fit();
        index.schemes.shrink_to_fit();
        index
    }

    /// This index, ranking runs up to its `sparse_run` as lists whatever the vocabulary's size
    /// when `sets_per_entry` is 0 (tests force each way on small vocabularies).
    #[cfg(test)]
    fn with_sets_per_entry(mut self, sets_per_entry: usize) -> Self {
        self.sets_per_entry = sets_per_entry;
        self
    }

    /// Normalises every text into one buffer (the first pass of [`SearchIndex::build`]).
    fn lay_out(concepts: &[Concept]) -> Self {
        let mut index = Self::default();
        let mut concept_text = Vec::new();
        for concept in concepts.iter().take(MAX_CONCEPTS) {
            concept_text.clear();
            let mut texts = Vec::new();
            let base = index.text.len();
            for slot in Slot::all(concept) {
                let normalized = normalize(slot.resolve(concept).2);
                if normalized.is_empty() {
                    continue;
                }
                let start = base + concept_text.len();
                concept_text.extend_from_slice(normalized.as_bytes());
                texts.push((slot, start, base + concept_text.len()));
                concept_text.push(SEP);
            }
            if base + concept_text.len() > MAX_TEXT {
                break;
            }
            index.starts.push(index.texts.len() as u32);
            index
                .texts
                .extend(texts.into_iter().map(|(slot, start, end)| Indexed {
                    slot,
                    start: start as u32,
                    end: end as u32,
                }));
            index.text.extend_from_slice(&concept_text);
            match index.schemes.last_mut() {
                Some((scheme, run)) if *scheme == concept.scheme => run.end += 1,
                _ => index
                    .schemes
                    .push((concept.scheme, index.concepts..index.concepts + 1)),
            }
            index.concepts += 1;
        }
        index.starts.push(index.texts.len() as u32);
        index
    }

    /// Sorts the suffixes that start a character and notes each one's owner.
    fn sort_suffixes(&mut self) {
        // The text of each block of BLOCK bytes' first byte, so a position's text is found by a
        // short walk forward from its block's.
        let mut block_texts = Vec::with_capacity(self.text.len() / BLOCK + 1);
        let mut t = 0;
        for block in (0..self.text.len()).step_by(BLOCK) {
            while self.texts.get(t).is_some_and(|x| (x.end as usize) < block) {
                t += 1;
            }
            block_texts.push(t);
        }
        let mut concept_of = Vec::with_capacity(self.texts.len());
        for c in 0..self.concepts {
            let texts = self.starts[c + 1] - self.starts[c];
            concept_of.extend(std::iter::repeat_n(c as u32, texts as usize));
        }
        let mut sa = suffix_array(&self.text);
        let mut kept = 0;
        let mut owners = Vec::with_capacity(sa.len());
        for i in 0..sa.len() {
            let p = sa[i] as usize;
            let byte = self.text[p];
            if byte == SEP || byte & 0xC0 == 0x80 {
                continue;
            }
            let mut t = block_texts[p / BLOCK];
            while (self.texts[t].end as usize) < p {
                t += 1;
            }
            let text = &self.texts[t];
            let place = match text.slot {
                Slot::Definition(_) => DEFINITION,
                _ if text.start as usize == p => LABEL_START,
                _ => LABEL_INSIDE,
            };
            owners.push((concept_of[t] << PLACE_BITS) | place);
            sa[kept] = p as i32;
            kept += 1;
        }
        sa.truncate(kept);
        let mut suffixes: Vec<u32> = sa.into_iter().map(|p| p as u32).collect();
        suffixes.shrink_to_fit();
        owners.shrink_to_fit();
        self.suffixes = suffixes;
        self.owners = owners;
    }

    /// The run of [`SearchIndex::suffixes`] that start with `query`.
    /// Searched within the suffixes that share its first two bytes ([`SearchIndex::buckets`]).
    fn run(&self, query: &[u8]) -> Range<usize> {
        let head = |p: u32| {
            let p = p as usize;
            self.text
                .get(p..(p + query.len()).min(self.text.len()))
                .unwrap_or_default()
        };
        let first = usize::from(query.first().copied().unwrap_or_default()) << 8;
        let bucket = |key: usize| self.buckets.get(key).map_or(0, |&b| b as usize);
        let within = match query.get(1) {
            None => bucket(first)..bucket(first + 256),
            Some(&second) => {
                bucket(first + usize::from(second))..bucket(first + usize::from(second) + 1)
            }
        };
        let Some(suffixes) = self.suffixes.get(within.clone()) else {
            return 0..0;
        };
        let start = suffixes.partition_point(|&p| head(p) < query);
        let len = suffixes[start..].partition_point(|&p| head(p) == query);
        within.start + start..within.start + start + len
    }

    /// [`SearchIndex::buckets`] of the sorted suffixes.
    fn bucket_starts(&self) -> Vec<u32> {
        let key = |p: u32| {
            let p = p as usize;
            let byte = |i: usize| usize::from(self.text.get(i).copied().unwrap_or_default());
            (byte(p) << 8) | byte(p + 1)
        };
        let mut buckets = Vec::with_capacity((1 << 16) + 1);
        for (i, &p) in self.suffixes.iter().enumerate() {
            while buckets.len() <= key(p) {
                buckets.push(i as u32);
            }
        }
        buckets.resize((1 << 16) + 1, self.suffixes.len() as u32);
        buckets
    }

    /// The kind sets of `query` worked out from its run.
    fn classify(&self, query: &[u8], run: Range<usize>) -> Ranked {
        // One flat array of the four sets and no branch on the kind: a run's places come in no
        // order, and a mispredicted branch an entry cost more than the rest of the loop.
        let words = self.concepts.div_ceil(64);
        let mut sets = vec![0u64; 4 * words];
        let whole = self.whole(query, &run).clamp(run.start, run.end);
        for (part, tail) in [(run.start..whole, false), (whole..run.end, true)] {
            for &owner in &self.owners[part] {
                let concept = (owner >> PLACE_BITS) as usize;
                let at = kind(owner, tail) * words + concept / 64;
                if let Some(word) = sets.get_mut(at) {
                    *word |= 1 << (concept % 64);
                }
            }
        }
        let mut chunks = sets.chunks_exact(words.max(1)).map(|c| Bits(c.to_vec()));
        let mut ranked = Ranked(std::array::from_fn(|_| {
            chunks.next().unwrap_or_else(|| Bits::new(self.concepts))
        }));
        ranked.keep_best();
        ranked
    }

    /// Where the suffixes of `run` (the run of `query`) that are the whole rest of their text
    /// start: they are the run's tail, since [`SEP`] is the greatest byte. Found by a binary
    /// search, so telling an exact label from a prefix reads no text.
    fn whole(&self, query: &[u8], run: &Range<usize>) -> usize {
        let head = |p: u32| {
            let p = p as usize;
            self.text.get(p + query.len()).copied()
        };
        let suffixes = self.suffixes.get(run.clone()).unwrap_or_default();
        run.start + suffixes.partition_point(|&p| head(p) != Some(SEP))
    }

    /// Every query (a whole number of characters) whose run is at least `heavy_run` long, with
    /// its kind sets. Found by walking down from the one-byte prefixes: a query's run lies
    /// inside its prefix's, so only long runs are split further.
    fn heavy_queries(&self, heavy_run: usize) -> Vec<Heavy> {
        let mut heavy = Vec::new();
        let mut pending = vec![(Vec::new(), 0..self.suffixes.len())];
        while let Some((prefix, run)) = pending.pop() {
            let mut start = run.start;
            while start < run.end {
                let p = self.suffixes[start] as usize + prefix.len();
                let Some(&next) = self.text.get(p).filter(|&&b| b != SEP) else {
                    start += 1;
                    continue;
                };
                let mut query = prefix.clone();
                query.push(next);
                let end = start + self.run(&query).len();
                if end - start >= heavy_run {
                    if std::str::from_utf8(&query).is_ok() {
                        heavy.push(Heavy {
                            ranked: self.classify(&query, start..end),
                            query: query.clone().into_boxed_slice(),
                        });
                    }
                    pending.push((query, start..end));
                }
                start = end;
            }
        }
        heavy.sort_by(|a, b| a.query.cmp(&b.query));
        heavy
    }

    /// The kind sets of `query` (normalised, not empty).
    fn found(&self, query: &str) -> Found<'_> {
        let bytes = query.as_bytes();
        if let Ok(i) = self.heavy.binary_search_by(|h| (*h.query).cmp(bytes)) {
            return Found::Sets(Cow::Borrowed(&self.heavy[i].ranked));
        }
        let run = self.run(bytes);
        if !self.few_is_cheaper(run.len()) {
            return Found::Sets(Cow::Owned(self.classify(bytes, run)));
        }
        let whole = self.whole(bytes, &run);
        let mut best: Vec<(usize, ConceptIndex)> = self.owners[run.clone()]
            .iter()
            .enumerate()
            .map(|(i, &owner)| (kind(owner, run.start + i >= whole), owner >> PLACE_BITS))
            .collect();
        best.sort_unstable_by_key(|&(kind, concept)| (concept, kind));
        best.dedup_by_key(|&mut (_, concept)| concept);
        best.sort_unstable();
        Found::Few(best)
    }

    /// Whether ranking a run of `run` entries as a sorted list costs less than in bit sets:
    /// sorting costs a few comparisons an entry, the sets a few passes over a bit a concept.
    fn few_is_cheaper(&self, run: usize) -> bool {
        run <= self.sparse_run && run.saturating_mul(self.sets_per_entry) < self.concepts
    }

    /// The concepts of `found` in the schemes `filter` allows, ranked, and how many of each
    /// kind there are.
    fn rank<'i>(&self, found: Found<'i>, filter: &impl SchemeFilter) -> (Ranking<'i>, [usize; 4]) {
        match found {
            Found::Sets(ranked) => {
                let allowed = self.allowed(filter);
                let counts = std::array::from_fn(|k| ranked.0[k].count(&allowed));
                (Ranking::Sets { ranked, allowed }, counts)
            }
            Found::Few(mut best) => {
                best.retain(|&(_, concept)| {
                    let run = self
                        .schemes
                        .partition_point(|(_, r)| r.end <= concept as usize);
                    self.schemes
                        .get(run)
                        .is_some_and(|(scheme, _)| filter.allows(*scheme))
                });
                let mut counts = [0; 4];
                for &(kind, _) in &best {
                    counts[kind] += 1;
                }
                (Ranking::Few(best), counts)
            }
        }
    }

    /// The concepts of the schemes `filter` allows.
    fn allowed(&self, filter: &impl SchemeFilter) -> Bits {
        let mut allowed = Bits::new(self.concepts);
        for (scheme, run) in &self.schemes {
            if filter.allows(*scheme) {
                allowed.insert_range(run.clone());
            }
        }
        allowed
    }

    /// The normalised text of `text`, as bytes (the index never needs it as `str`, so never
    /// checks it is UTF-8 again).
    fn normalized(&self, text: &Indexed) -> &[u8] {
        self.text
            .get(text.start as usize..text.end as usize)
            .unwrap_or_default()
    }

    /// The best match of `concept` (at `index`) for the query `finder` looks for, preferring
    /// `lang` on a tie.
    fn best_match(
        &self,
        index: ConceptIndex,
        concept: &Concept,
        finder: &Finder<'_>,
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
        for text in texts {
            let normalized = self.normalized(text);
            let kind = match text.slot {
                Slot::Definition(_) => finder.find(normalized).map(|_| MatchKind::Definition),
                _ => label_match(normalized, finder),
            };
            let Some(kind) = kind else { continue };
            if best.is_none_or(|(k, s)| rank(kind, text.slot) < rank(k, s)) {
                best = Some((kind, text.slot));
            }
        }
        best
    }

    /// The concepts matching `query` (raw text, normalised here) in the schemes `filter`
    /// allows, ranked and counted by kind, before any hit is built. Costs the query's run or a
    /// scan of the texts, whichever is less (or nothing for a common query), not every hit.
    pub fn matches<'v>(
        &'v self,
        concepts: &'v [Concept],
        query: &str,
        filter: &impl SchemeFilter,
    ) -> Matches<'v> {
        let query = normalize(query);
        let (ranking, counts) = if query.is_empty() {
            (Ranking::Few(Vec::new()), [0; 4])
        } else {
            self.rank(self.found(&query), filter)
        };
        Matches {
            index: self,
            concepts,
            finder: Finder::new(query.as_bytes()).into_owned(),
            ranking,
            counts,
        }
    }

    /// The hits at ranks `offset..offset + limit` of the concepts matching `query` (raw text,
    /// normalised here) in the schemes `filter` allows, best first, ties in index order, and
    /// how many match in all ([`SearchIndex::matches`], then its page).
    pub fn search_page<'v>(
        &'v self,
        concepts: &'v [Concept],
        query: &str,
        filter: &impl SchemeFilter,
        lang: Lang,
        offset: usize,
        limit: usize,
    ) -> SearchPage<'v> {
        let matches = self.matches(concepts, query, filter);
        SearchPage {
            hits: matches.page(offset, limit, lang),
            total: matches.total(),
        }
    }

    /// Every concept matching `query` in `schemes` (indices; empty means all), best first:
    /// [`SearchIndex::search_page`] without paging.
    pub fn search<'v>(
        &'v self,
        concepts: &'v [Concept],
        query: &str,
        schemes: &[usize],
        lang: Lang,
    ) -> Vec<Hit<'v>> {
        let filter = |scheme: usize| schemes.is_empty() || schemes.contains(&scheme);
        self.search_page(concepts, query, &filter, lang, 0, usize::MAX)
            .hits
    }

    /// Bytes the index holds on the heap (capacities, so what the allocator gave it).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.text.capacity()
            + self.texts.capacity() * size_of::<Indexed>()
            + self.starts.capacity() * 4
            + self.suffixes.capacity() * 4
            + self.owners.capacity() * 4
            + self.schemes.capacity() * size_of::<(usize, Range<usize>)>()
            + self.heavy.capacity() * size_of::<Heavy>()
            + self.buckets.capacity() * 4
            + self
                .heavy
                .iter()
                .map(|h| h.query.len() + h.ranked.heap_bytes())
                .sum::<usize>()
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
    fn a_query_never_matches_across_two_texts() {
        let mut two = concept(0, "a", "甲", "abc bcd", "xy");
        two.alt_labels = vec![(Lang::En, "zw".into())];
        let index = Fixture::new(vec![two]);
        assert!(index.find("abcd", &[], Lang::En).is_empty());
        assert_eq!(index.find("bc b", &[], Lang::En).len(), 1);
        // "abc bcd" then "zw" then "xy" are laid end to end, a separator between each.
        assert!(index.find("bcdzw", &[], Lang::En).is_empty());
        assert!(index.find("wx", &[], Lang::En).is_empty());
        assert!(index.find("甲abc", &[], Lang::En).is_empty());
    }

    #[test]
    fn pages_count_every_hit_and_cut_in_rank_order() {
        let mut concepts: Vec<_> = (0..150)
            .map(|i| concept(i % 3, &format!("c{i}"), "推理", &format!("x{i}"), "x"))
            .collect();
        // Concepts are grouped by scheme, as the loader groups them.
        concepts.sort_by_key(|c| c.scheme);
        let index = Fixture::new(concepts);
        let all = |_: usize| true;
        let page = |offset, limit| {
            let page =
                index
                    .index
                    .search_page(&index.concepts, "x1", &all, Lang::En, offset, limit);
            (
                page.hits.iter().map(|h| h.index).collect::<Vec<_>>(),
                page.total,
            )
        };
        let full: Vec<_> = index
            .find("x1", &[], Lang::En)
            .iter()
            .map(|h| h.index)
            .collect();
        assert_eq!(full.len(), 61, "x1, x10..x19, x100..x149");
        assert_eq!(page(0, 10), (full[..10].to_vec(), 61));
        assert_eq!(page(10, 10), (full[10..20].to_vec(), 61));
        assert_eq!(page(55, 10), (full[55..].to_vec(), 61));
        assert_eq!(page(61, 10), (Vec::new(), 61));
        assert_eq!(page(usize::MAX, 10), (Vec::new(), 61));
        let one = |scheme: usize| scheme == 1;
        let only = index
            .index
            .search_page(&index.concepts, "x1", &one, Lang::En, 0, 1000);
        assert!(only.hits.iter().all(|h| h.concept.scheme == 1));
        assert_eq!(only.total, only.hits.len());
        assert!(only.total > 0 && only.total < 61);
    }

    #[test]
    fn heavy_queries_cover_every_long_run_and_only_whole_characters() {
        let concepts = vec![
            concept(0, "a", "推理推理", "abab", "ab"),
            concept(0, "b", "推", "ba", ""),
        ];
        let index = SearchIndex::build_with(&concepts, 2, SPARSE_RUN);
        let queries: Vec<&str> = index
            .heavy
            .iter()
            .map(|h| std::str::from_utf8(&h.query).unwrap_or("not UTF-8"))
            .collect();
        // Runs of two entries or more; "aba" and "bab" have one each.
        assert_eq!(queries, ["a", "ab", "b", "ba", "推", "推理", "理"]);
        for heavy in &index.heavy {
            let run = index.run(&heavy.query);
            assert!(run.len() >= 2);
            assert_eq!(heavy.ranked, index.classify(&heavy.query, run));
        }
        assert!(
            SearchIndex::build_with(&concepts, 5, SPARSE_RUN)
                .heavy
                .is_empty()
        );
    }

    /// Canary for `divsufsort` (ADR 0005): its output is every position once, in the order of
    /// the suffixes, over bytes including 0xFF and multi-byte characters.
    #[test]
    fn the_suffix_sort_orders_every_suffix() {
        let mut text = "推理 abab\u{ff}ba推\u{ff}".as_bytes().to_vec();
        text.push(SEP);
        text.extend_from_slice(b"abab");
        let sa = suffix_array(&text);
        let mut positions: Vec<usize> = sa.iter().map(|&p| p as usize).collect();
        assert!(positions.windows(2).all(|w| text[w[0]..] < text[w[1]..]));
        positions.sort_unstable();
        assert_eq!(positions, (0..text.len()).collect::<Vec<_>>());
        assert!(suffix_array(&[]).is_empty());
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

/// The index against a straightforward reference on generated vocabularies: the reference
/// normalises every text of every concept and tests it with `str` methods, as the search
/// contract reads, so no change to the index can silently change a ranking.
#[cfg(test)]
mod reference {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::model::Texts;

    /// What a hit says, comparable: index, kind, field, language, text.
    type Said = (ConceptIndex, MatchKind, MatchField, Option<Lang>, String);

    fn said(hit: &Hit<'_>) -> Said {
        (
            hit.index,
            hit.kind,
            hit.field,
            hit.lang,
            hit.text.to_owned(),
        )
    }

    /// Every concept matching `query` in the schemes `allowed`, best first: each text of each
    /// concept tested in slot order, the best (kind, field, other language) kept, first wins
    /// ties; then a stable sort by kind keeps index order among equals.
    fn reference(
        concepts: &[Concept],
        query: &str,
        allowed: impl Fn(usize) -> bool,
        lang: Lang,
    ) -> Vec<Said> {
        let query = normalize(query);
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for (i, concept) in concepts.iter().enumerate() {
            if !allowed(concept.scheme) {
                continue;
            }
            let mut best: Option<((MatchKind, MatchField, bool), Said)> = None;
            for slot in Slot::all(concept) {
                let (field, text_lang, text) = slot.resolve(concept);
                let normalized = normalize(text);
                if normalized.is_empty() || !normalized.contains(&query) {
                    continue;
                }
                let kind = match field {
                    MatchField::Definition => MatchKind::Definition,
                    _ if normalized == query => MatchKind::Exact,
                    _ if normalized.starts_with(&query) => MatchKind::Prefix,
                    _ => MatchKind::Substring,
                };
                let rank = (kind, field, text_lang.is_some_and(|l| l != lang));
                if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                    let hit = (i as ConceptIndex, kind, field, text_lang, text.to_owned());
                    best = Some((rank, hit));
                }
            }
            hits.extend(best.map(|(_, hit)| hit));
        }
        hits.sort_by_key(|hit| hit.1);
        hits
    }

    /// Characters that exercise NFKC (full width, ligature, combining accent), case, every
    /// kind of whitespace, and Chinese next to Latin text.
    const ALPHABET: &[&str] = &[
        "a", "b", "A", "ａ", "Ｂ", " ", "  ", "\u{3000}", "\t", "推", "理", "算", "ﬁ", "é",
        "e\u{301}", "I", "i",
    ];

    fn text(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(ALPHABET), 0..max).prop_map(|p| p.concat())
    }

    fn lang() -> impl Strategy<Value = Lang> {
        prop::sample::select(Lang::ALL.to_vec())
    }

    fn concept() -> impl Strategy<Value = Concept> {
        (
            0..3usize,
            (text(5), text(5)),
            (text(9), text(9)),
            prop::collection::vec((lang(), text(5)), 0..3),
            text(3),
        )
            .prop_map(
                |(scheme, (zh, en), (def_zh, def_en), alt_labels, notation)| Concept {
                    id: String::new(),
                    name: String::new(),
                    scheme,
                    notation,
                    pref_label: Texts { zh_hans: zh, en },
                    definition: Texts {
                        zh_hans: def_zh,
                        en: def_en,
                    },
                    alt_labels,
                    broader: Vec::new(),
                    narrower: Vec::new(),
                    related: Vec::new(),
                    ancestors: Vec::new(),
                    series: Vec::new(),
                    source: String::new(),
                    attributes: BTreeMap::new(),
                },
            )
    }

    /// Concepts grouped by scheme, as the loader leaves them, and a query: often a piece of
    /// one of their texts (so most queries match), sometimes any text.
    fn vocabulary() -> impl Strategy<Value = (Vec<Concept>, String)> {
        prop::collection::vec(concept(), 0..14).prop_flat_map(|mut concepts| {
            concepts.sort_by_key(|c| c.scheme);
            let texts: Vec<String> = concepts
                .iter()
                .flat_map(|c| {
                    Slot::all(c)
                        .map(|s| s.resolve(c).2.to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|t| !t.is_empty())
                .collect();
            let piece = if texts.is_empty() {
                text(4).boxed()
            } else {
                (
                    prop::sample::select(texts),
                    any::<prop::sample::Index>(),
                    1..6usize,
                )
                    .prop_map(|(t, at, len)| {
                        let chars: Vec<char> = t.chars().collect();
                        let start = at.index(chars.len());
                        chars[start..(start + len).min(chars.len())]
                            .iter()
                            .collect()
                    })
                    .boxed()
            };
            let query = prop_oneof![3 => piece, 1 => text(4)];
            (Just(concepts), query)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn every_page_is_the_reference_s(
            (concepts, query) in vocabulary(),
            lang in lang(),
            hidden in prop::option::of(0..3usize),
            heavy_run in prop_oneof![Just(1usize), Just(2), Just(4), Just(usize::MAX)],
            sparse_run in prop_oneof![Just(0usize), Just(3), Just(SPARSE_RUN)],
            sets_per_entry in prop_oneof![Just(0usize), Just(SETS_PER_ENTRY)],
            (offset, limit) in (0..8usize, 1..6usize),
        ) {
            let index = SearchIndex::build_with(&concepts, heavy_run, sparse_run).with_sets_per_entry(sets_per_entry);
            let allowed = |scheme: usize| Some(scheme) != hidden;
            let expected = reference(&concepts, &query, allowed, lang);
            let all = index.search_page(&concepts, &query, &allowed, lang, 0, usize::MAX);
            prop_assert_eq!(all.hits.iter().map(said).collect::<Vec<_>>(), expected.clone());
            prop_assert_eq!(all.total, expected.len());
            let page = index.search_page(&concepts, &query, &allowed, lang, offset, limit);
            let cut: Vec<_> = expected.iter().skip(offset).take(limit).cloned().collect();
            prop_assert_eq!(page.hits.iter().map(said).collect::<Vec<_>>(), cut);
            prop_assert_eq!(page.total, expected.len());
            // Kind by kind, as contract v2 pages across vocabularies.
            let matches = index.matches(&concepts, &query, &allowed);
            prop_assert_eq!(matches.total(), expected.len());
            for kind in KINDS {
                let of_kind: Vec<_> = expected.iter().filter(|h| h.1 == kind).cloned().collect();
                prop_assert_eq!(matches.count(kind), of_kind.len());
                let cut: Vec<_> = of_kind.iter().skip(offset).take(limit).cloned().collect();
                let hits = matches.hits_of(kind, offset..offset + limit, lang);
                prop_assert_eq!(hits.iter().map(said).collect::<Vec<_>>(), cut);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Two vocabularies paged as one list (contract v2 over several editions): the
        /// references' hits tagged by vocabulary, stably sorted by kind.
        #[test]
        fn pages_across_vocabularies_are_the_references_merged(
            (first, query) in vocabulary(),
            (second, _) in vocabulary(),
            lang in lang(),
            (offset, limit) in (0..12usize, 1..8usize),
        ) {
            let all = |_: usize| true;
            let mut expected: Vec<(usize, Said)> = [&first, &second]
                .into_iter()
                .enumerate()
                .flat_map(|(tag, concepts)| {
                    reference(concepts, &query, all, lang).into_iter().map(move |h| (tag, h))
                })
                .collect();
            expected.sort_by_key(|(_, hit)| hit.1);
            let indices = [SearchIndex::build(&first), SearchIndex::build(&second)];
            let matches = [
                indices[0].matches(&first, &query, &all),
                indices[1].matches(&second, &query, &all),
            ];
            let searches = [(0, &matches[0]), (1, &matches[1])];
            let page = page_across(&searches, offset, limit, lang);
            let cut: Vec<_> = expected.into_iter().skip(offset).take(limit).collect();
            prop_assert_eq!(
                page.iter().map(|(tag, hit)| (*tag, said(hit))).collect::<Vec<_>>(),
                cut
            );
        }
    }

    #[test]
    fn the_reference_itself_ranks_as_the_contract_says() {
        let mut a = Concept {
            id: String::new(),
            name: String::new(),
            scheme: 0,
            notation: "AI".into(),
            pref_label: Texts {
                zh_hans: "推理 算力".into(),
                en: "ＡＩ agents".into(),
            },
            definition: Texts {
                zh_hans: String::new(),
                en: "agents".into(),
            },
            alt_labels: Vec::new(),
            broader: Vec::new(),
            narrower: Vec::new(),
            related: Vec::new(),
            ancestors: Vec::new(),
            series: Vec::new(),
            source: String::new(),
            attributes: BTreeMap::new(),
        };
        let kinds = |concepts: &[Concept], q: &str| -> Vec<(MatchKind, MatchField)> {
            reference(concepts, q, |_| true, Lang::En)
                .into_iter()
                .map(|h| (h.1, h.2))
                .collect()
        };
        assert_eq!(
            kinds(&[a.clone()], "ai"),
            [(MatchKind::Exact, MatchField::Notation)]
        );
        assert_eq!(
            kinds(&[a.clone()], "ai ag"),
            [(MatchKind::Prefix, MatchField::PrefLabel)]
        );
        assert_eq!(
            kinds(&[a.clone()], "理算"),
            [(MatchKind::Substring, MatchField::PrefLabel)]
        );
        a.pref_label.en = "x".into();
        assert_eq!(
            kinds(&[a], "AGENTS"),
            [(MatchKind::Definition, MatchField::Definition)]
        );
    }
}
