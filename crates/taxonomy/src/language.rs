//! The languages a vocabulary holds and the choice of one from a request's BCP-47 `language_code`.
//!
//! Every vocabulary holds the source language (zh-Hans) and English. A request may name either in
//! any common form (`zh`, `zh-Hans`, `zh-CN`, `zh-SG`, `en`, `en-US`, any letter case). Anything
//! else — another language, Traditional Chinese (`zh-Hant`, `zh-TW`), or a malformed code — falls
//! back to the source language and says so; a language code is never an error.

use std::fmt;

/// A language the vocabulary has texts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Simplified Chinese, the source language of the report.
    ZhHans,
    /// English.
    En,
}

impl Lang {
    /// Every language, the source language first.
    pub const ALL: [Lang; 2] = [Lang::ZhHans, Lang::En];

    /// The source language, used when a request names none or one the vocabulary lacks.
    pub const SOURCE: Lang = Lang::ZhHans;

    /// The canonical BCP-47 code: `zh-Hans` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The language a response is written in, and whether it is not the one asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguageChoice {
    /// The language of the texts.
    pub lang: Lang,
    /// True when the request named a language the vocabulary lacks (or a malformed code) and the
    /// source language was used instead.
    pub fallback: bool,
}

impl LanguageChoice {
    /// Chooses the language for a request's `language_code`.
    pub fn from_code(code: &str) -> Self {
        let code = code.trim();
        if code.is_empty() {
            return Self {
                lang: Lang::SOURCE,
                fallback: false,
            };
        }
        match parse(code) {
            Some(lang) => Self {
                lang,
                fallback: false,
            },
            None => Self {
                lang: Lang::SOURCE,
                fallback: true,
            },
        }
    }
}

/// Whether `subtag` is 1 to 8 ASCII letters or digits, as every BCP-47 subtag is.
fn well_formed(subtag: &str) -> bool {
    (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The language a well-formed tag names, if the vocabulary has it.
///
/// Reads the primary language, skips extended-language subtags (`zh-cmn`), then reads an
/// optional script (4 letters) and region (2 letters or 3 digits); later subtags (variants,
/// extensions) do not change the choice. `_` is accepted as a separator, as many systems write
/// locales that way.
fn parse(code: &str) -> Option<Lang> {
    let subtags: Vec<String> = code
        .split(['-', '_'])
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if !subtags.iter().all(|s| well_formed(s)) {
        return None;
    }
    let mut rest = subtags.iter().map(String::as_str).peekable();
    let primary = rest.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    while rest
        .peek()
        .is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        rest.next();
    }
    let script = rest
        .next_if(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic()))
        .unwrap_or("");
    let region = rest
        .next_if(|s| {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
                || (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        })
        .unwrap_or("");
    match primary {
        "en" | "eng" => Some(Lang::En),
        "zh" | "zho" | "chi" | "cmn" => match script {
            "hans" => Some(Lang::ZhHans),
            "" => match region {
                // Regions whose default script is Traditional Chinese.
                "tw" | "hk" | "mo" => None,
                _ => Some(Lang::ZhHans),
            },
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(code: &str) -> (Lang, bool) {
        let choice = LanguageChoice::from_code(code);
        (choice.lang, choice.fallback)
    }

    #[test]
    fn codes_choose_a_language_or_fall_back_to_the_source_language() {
        let zh = (Lang::ZhHans, false);
        let en = (Lang::En, false);
        let fallback = (Lang::ZhHans, true);
        let cases: [(&[&str], (Lang, bool)); 5] = [
            // No code: the source language, and no fallback.
            (&["", "  "], zh),
            (
                &["en", "EN", "en-US", "en-GB", "en_US", "en-Latn-US", "eng"],
                en,
            ),
            (
                &[
                    "zh",
                    "zh-Hans",
                    "zh-hans",
                    "ZH-HANS",
                    "zh-CN",
                    "zh-SG",
                    "zh-Hans-CN",
                    "zh_CN",
                    "zh-cmn-Hans",
                    "cmn",
                ],
                zh,
            ),
            // Other languages, Traditional Chinese included.
            (
                &[
                    "fr",
                    "de-DE",
                    "zh-Hant",
                    "zh-TW",
                    "zh-HK",
                    "zh-Hant-CN",
                    "ja",
                ],
                fallback,
            ),
            // Malformed codes.
            (
                &[
                    "??",
                    "e",
                    "en-",
                    "-en",
                    "en--US",
                    "toolongsubtag-x",
                    "中文",
                    "en US",
                ],
                fallback,
            ),
        ];
        for (codes, expected) in cases {
            for code in codes {
                assert_eq!(choose(code), expected, "{code:?}");
            }
        }
    }

    #[test]
    fn codes_are_canonical() {
        assert_eq!(Lang::ZhHans.code(), "zh-Hans");
        assert_eq!(Lang::En.to_string(), "en");
    }
}
