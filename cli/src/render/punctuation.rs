//! The punctuation of the rendered reports in their language: ASCII in English, full-width in
//! Chinese (，。：；（）、), so a Chinese report never mixes the two.

use crate::render::words::Words;
use llmarket_client::reports::Language;

impl Words {
    /// `, ` in English, `，` in Chinese.
    pub(crate) fn comma(self) -> &'static str {
        match self.0 {
            Language::En => ", ",
            Language::Zh => "，",
        }
    }

    /// `: ` in English, `：` in Chinese.
    pub(crate) fn colon(self) -> &'static str {
        match self.0 {
            Language::En => ": ",
            Language::Zh => "：",
        }
    }

    /// `; ` in English, `；` in Chinese.
    pub(crate) fn semicolon(self) -> &'static str {
        match self.0 {
            Language::En => "; ",
            Language::Zh => "；",
        }
    }

    /// `.` in English, `。` in Chinese.
    pub(crate) fn stop(self) -> &'static str {
        match self.0 {
            Language::En => ".",
            Language::Zh => "。",
        }
    }

    /// Between the items of a list: `, ` in English, the enumeration comma `、` in Chinese.
    pub(crate) fn list_sep(self) -> &'static str {
        match self.0 {
            Language::En => ", ",
            Language::Zh => "、",
        }
    }

    /// `text` in parentheses after what comes before: ` (text)` in English, `（text）` in
    /// Chinese (full-width parentheses take no space).
    pub(crate) fn paren(self, text: &str) -> String {
        match self.0 {
            Language::En => format!(" ({text})"),
            Language::Zh => format!("（{text}）"),
        }
    }

    /// Two parts of a phrase: a space between them in English, none in Chinese ("推理成本展望").
    pub(crate) fn join(self, a: &str, b: &str) -> String {
        match self.0 {
            Language::En => format!("{a} {b}"),
            Language::Zh => format!("{a}{b}"),
        }
    }
}
