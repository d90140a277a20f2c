//! Text normalisation for matching, shared by search and the loader's duplicate-label check:
//! NFKC, case folding, and whitespace as Chinese and Latin text mix it.

use unicode_normalization::UnicodeNormalization as _;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_width_case_and_spaces() {
        assert_eq!(normalize("ＭａａＳ"), "maas");
        assert_eq!(normalize("  Scaling   LAW "), "scaling law");
        assert_eq!(normalize("AI 原生应用 收入"), "ai原生应用收入");
        assert_eq!(normalize("CoT (思维链) 提示"), "cot (思维链)提示");
        assert_eq!(normalize("ﬁ"), "fi");
    }
}
