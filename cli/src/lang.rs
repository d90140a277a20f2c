//! `--lang`: a BCP-47 tag naming one of the report's two languages, read as the services read
//! `language_code` (any letter case, `-` or `_`): `en`, `en-US`, … for English; `zh`,
//! `zh-Hans`, `zh-CN`, `zh-SG`, … for Simplified Chinese. Anything else (another language,
//! Traditional Chinese, a malformed tag) is a usage error naming the supported tags.

/// `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangArg {
    /// English.
    En,
    /// Chinese (zh-Hans), the report's own language.
    Zh,
}

/// The tags the error message offers.
const SUPPORTED: &str = "en, en-US, zh, zh-Hans, zh-CN";

/// Parses `--lang`.
pub(super) fn lang_arg(text: &str) -> Result<LangArg, String> {
    parse(text.trim()).ok_or_else(|| {
        format!(
            "{:?} is not a supported language tag; supported: {SUPPORTED} (any English or \
             Simplified Chinese BCP-47 tag)",
            text.trim()
        )
    })
}

/// The language `tag` names: its primary subtag, then an optional script and region.
fn parse(tag: &str) -> Option<LangArg> {
    let subtags: Vec<String> = tag.split(['-', '_']).map(str::to_ascii_lowercase).collect();
    let well_formed =
        |s: &String| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !subtags.iter().all(well_formed) {
        return None;
    }
    let mut rest = subtags.iter().map(String::as_str).skip(1).peekable();
    let script = rest
        .next_if(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic()))
        .unwrap_or("");
    let region = rest.next().unwrap_or("");
    match subtags.first().map(String::as_str)? {
        "en" | "eng" => Some(LangArg::En),
        "zh" | "zho" | "chi" | "cmn" => match (script, region) {
            ("hans", _) => Some(LangArg::Zh),
            // Regions whose default script is Traditional Chinese.
            ("", "tw" | "hk" | "mo") => None,
            ("", _) => Some(LangArg::Zh),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_of_english_and_simplified_chinese_are_accepted() {
        for tag in ["en", "EN", "en-US", "en_GB", "eng"] {
            assert_eq!(lang_arg(tag), Ok(LangArg::En), "{tag}");
        }
        for tag in ["zh", "zh-Hans", "zh-hans-CN", "zh-CN", "zh_SG", "ZH"] {
            assert_eq!(lang_arg(tag), Ok(LangArg::Zh), "{tag}");
        }
    }

    #[test]
    fn other_tags_are_refused_naming_the_supported_ones() {
        for tag in ["fr", "zh-Hant", "zh-TW", "", "en--", "zh-Latn"] {
            let error = lang_arg(tag).unwrap_err();
            assert!(
                error.contains("zh-Hans") && error.contains("en-US"),
                "{error}"
            );
        }
    }
}
