//! Cost per query of concept search ([`Vocabulary::search_page`]) on synthetic vocabularies of
//! 1,000, 10,000 and 100,000 concepts, loaded through the real TOML loader.
//!
//! Each concept has a 3-word English and a 4-character Chinese preferred label, an alternative
//! label in each language, and definitions of 15 words and 25 characters. Words are drawn from
//! 2,000 pseudo-words and characters from 600 Han characters, both with a Zipf distribution, so
//! some n-grams are everywhere (as in real text) and others are rare.
//!
//! Query kinds: an exact English label and an exact Chinese label (one concept each, its label
//! free of the 100 most common words: the cost should stay nearly flat as the vocabulary grows),
//! a rare word (hits grow with the vocabulary, but slowly), the commonest word (a large share of
//! all concepts match) and the second commonest (about half as many), the commonest letter and
//! Han character (nearly every concept matches), and a query with no match. Each is measured as
//! SearchConcepts serves it: the first page of 20 hits with the exact total, page 50, and the
//! first page as contract v2 pages it (`-v2`). Before measuring, the load time, the index size
//! and each query's hit count are printed. The `search-builtin` group measures the built-in
//! vocabulary (48 concepts) on the load suite's two search queries, v1 and v2.
//!
//! Run: `cargo bench -p llmarket-server --bench search -- --warm-up-time 1 --measurement-time 3`

use std::{borrow::Cow, collections::HashSet, fmt::Write as _, hint::black_box, time::Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use llmarket_kit::data::{self, DataFile, DatasetFiles};
use llmarket_taxonomy::{Vocabulary, language::Lang, search::page_across};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const SCHEMES: usize = 10;
const WORDS: usize = 2_000;
const CHARS: usize = 600;

/// A small deterministic generator (xorshift64*), so every run builds the same vocabulary.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Samples ranks 0..n with probability proportional to 1 / (rank + 1).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect::<Vec<_>>();
        Self(cumulative.into_iter().map(|c| c / total).collect())
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

/// Pseudo-word `i`: three consonant-vowel syllables, distinct for every `i < WORDS`.
fn word(i: usize) -> String {
    const CONSONANTS: &[u8] = b"bcdfghjklmnprstvz";
    const VOWELS: &[u8] = b"aeiou";
    let syllables = CONSONANTS.len() * VOWELS.len();
    let mut n = (i * 7919) % syllables.pow(3);
    let mut out = String::with_capacity(6);
    for _ in 0..3 {
        let s = n % syllables;
        n /= syllables;
        out.push(CONSONANTS[s / VOWELS.len()] as char);
        out.push(VOWELS[s % VOWELS.len()] as char);
    }
    out
}

/// Han character `i`, distinct for every `i < CHARS`.
fn han(i: usize) -> char {
    char::from_u32(0x4e00 + ((i * 37) % 20_000) as u32).unwrap_or('字')
}

struct Generator {
    rng: Rng,
    words: Zipf,
    chars: Zipf,
}

impl Generator {
    fn words(&mut self, n: usize) -> String {
        self.ranked_words(n).0
    }

    /// `n` words, and the rank of the most common of them.
    fn ranked_words(&mut self, n: usize) -> (String, usize) {
        let ranks: Vec<usize> = (0..n).map(|_| self.words.sample(&mut self.rng)).collect();
        let text = ranks.iter().map(|&r| word(r)).collect::<Vec<_>>().join(" ");
        (text, ranks.into_iter().min().unwrap_or(0))
    }

    fn hans(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| han(self.chars.sample(&mut self.rng)))
            .collect()
    }
}

/// A `taxonomy.toml` of `concepts` concepts over [`SCHEMES`] schemes, and the English and
/// Chinese preferred labels of one concept past the middle.
fn synthetic(concepts: usize) -> (String, String, String) {
    let mut generator = Generator {
        rng: Rng(0x9e37_79b9_7f4a_7c15),
        words: Zipf::new(WORDS),
        chars: Zipf::new(CHARS),
    };
    let mut text = String::with_capacity(concepts * 400);
    let mut middle = (String::new(), String::new());
    let per_scheme = concepts.div_ceil(SCHEMES);
    let mut n = 0;
    for s in 0..SCHEMES {
        let _ = write!(
            text,
            "[[schemes]]\nid = \"s{s}\"\ntitle_zh_hans = \"方案{s}\"\ntitle_en = \"Scheme {s}\"\n\
             source = \"1\"\n\n"
        );
        let (mut seen_en, mut seen_zh) = (HashSet::new(), HashSet::new());
        for c in 0..per_scheme {
            if n == concepts {
                break;
            }
            let (en, common) = loop {
                let (label, rank) = generator.ranked_words(3);
                if seen_en.insert(label.clone()) {
                    break (label, rank);
                }
            };
            let zh = loop {
                let label = generator.hans(4);
                if seen_zh.insert(label.clone()) {
                    break label;
                }
            };
            let broader = if c > 0 && c % 10 != 0 {
                format!("broader = [\"c{}\"]\n", c - c % 10)
            } else {
                String::new()
            };
            let _ = write!(
                text,
                "[[schemes.concepts]]\nid = \"c{c}\"\npref_label_zh_hans = \"{zh}\"\n\
                 pref_label_en = \"{en}\"\nalt_labels_zh_hans = [\"{}\"]\n\
                 alt_labels_en = [\"{}\"]\ndefinition_zh_hans = \"{}\"\ndefinition_en = \"{}\"\n\
                 {broader}\n",
                generator.hans(3),
                generator.words(2),
                generator.hans(25),
                generator.words(15),
            );
            // The exact-label queries: the first label past the middle without any of the 100
            // most common words, so the query is alike at every size.
            if n >= concepts / 2 && middle.0.is_empty() && common >= 100 {
                middle = (en, zh);
            }
            n += 1;
        }
    }
    (text, middle.0, middle.1)
}

fn load(text: String) -> Vocabulary {
    let files = DatasetFiles {
        directory: "synthetic".into(),
        forecast: None,
        taxonomy: Some(DataFile {
            path: "synthetic/taxonomy.toml".into(),
            text: Cow::Owned(text),
        }),
        edition: None,
    };
    match Vocabulary::load(&[files]) {
        Ok(vocabulary) => vocabulary,
        Err(e) => panic!("synthetic vocabulary does not load: {e}"),
    }
}

/// The page size the service uses when a request asks for 0.
const PAGE: usize = 20;
/// The offset of the later page measured: page 50.
const LATER: usize = 49 * PAGE;

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search");
    let all = |_: usize| true;
    for size in SIZES {
        let (text, en_label, zh_label) = synthetic(size);
        let started = Instant::now();
        let vocabulary = load(text);
        eprintln!(
            "search/{size}: loaded in {:?}, search index {:.1} MiB",
            started.elapsed(),
            vocabulary.search_index_bytes() as f64 / (1 << 20) as f64
        );
        let queries = [
            ("en-label-exact", en_label),
            ("zh-label-exact", zh_label),
            ("rare-word", word(WORDS - 500)),
            ("common-word", word(0)),
            ("second-word", word(1)),
            ("common-letter", "a".to_owned()),
            ("common-han", han(0).to_string()),
            ("no-match", "qqxxzz".to_owned()),
        ];
        for (kind, query) in &queries {
            let hits = vocabulary.search_page(query, &all, Lang::En, 0, 0).total;
            eprintln!("search/{kind}/{size}: {query:?} has {hits} hits");
            // The first page, as SearchConcepts serves it by default.
            group.bench_with_input(BenchmarkId::new(*kind, size), query, |b, query| {
                b.iter(|| {
                    let page = vocabulary.search_page(black_box(query), &all, Lang::En, 0, PAGE);
                    black_box((page.hits.len(), page.total))
                });
            });
            // The first page as contract v2 serves it: ranked by kind across editions (here
            // one), the page's texts in Chinese.
            group.bench_with_input(
                BenchmarkId::new(format!("{kind}-v2"), size),
                query,
                |b, query| {
                    b.iter(|| {
                        let matches = vocabulary.search_matches(black_box(query), &all);
                        let page = page_across(&[((), &matches)], 0, PAGE, Lang::ZhHans);
                        black_box((page.len(), matches.total()))
                    });
                },
            );
            // Page 50 (empty when there are fewer hits).
            group.bench_with_input(
                BenchmarkId::new(format!("{kind}-page-50"), size),
                query,
                |b, query| {
                    b.iter(|| {
                        let page =
                            vocabulary.search_page(black_box(query), &all, Lang::En, LATER, PAGE);
                        black_box((page.hits.len(), page.total))
                    });
                },
            );
        }
    }
    group.finish();
}

/// The built-in vocabulary (48 concepts) and the load suite's two search rows: a one-letter
/// query whose run (every place "e" occurs, about 1,500) is long for so few concepts, on the
/// default page, and "推理" on a page of 10 (tests/load/bench.py).
fn builtin(c: &mut Criterion) {
    let mut group = c.benchmark_group("search-builtin");
    let all = |_: usize| true;
    let vocabulary = match Vocabulary::load(&[data::builtin()]) {
        Ok(vocabulary) => vocabulary,
        Err(e) => panic!("the built-in vocabulary does not load: {e}"),
    };
    for (kind, query, page) in [("one-letter", "e", PAGE), ("zh-word", "推理", 10)] {
        let hits = vocabulary.search_page(query, &all, Lang::En, 0, 0).total;
        eprintln!("search-builtin/{kind}: {query:?} has {hits} hits");
        group.bench_with_input(BenchmarkId::new(kind, page), &query, |b, query| {
            b.iter(|| {
                let found = vocabulary.search_page(black_box(query), &all, Lang::En, 0, page);
                black_box((found.hits.len(), found.total))
            });
        });
        group.bench_with_input(
            BenchmarkId::new(format!("{kind}-v2"), page),
            &query,
            |b, query| {
                b.iter(|| {
                    let matches = vocabulary.search_matches(black_box(query), &all);
                    let found = page_across(&[((), &matches)], 0, page, Lang::ZhHans);
                    black_box((found.len(), matches.total()))
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, builtin, search);
criterion_main!(benches);
