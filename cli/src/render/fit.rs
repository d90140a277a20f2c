//! Fitting text into terminal columns: a line wrapped at spaces into lines of at most a width
//! (a word longer than the width broken between characters, never inside one, so a CJK
//! character is never split), and the column widths a table gets to fit a total width.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Terminal columns `text` takes (as [`super::table::width`] counts them).
fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` as lines of at most `max` columns: broken at spaces where it can be, an identifier
/// too wide for a line after a `/` of it (`industry/` `large-model-industry`), another word
/// after a hyphen (`large-` `model`), and inside
/// another word (between characters, never inside a wide one) where a word alone is too wide;
/// CJK text, which has no spaces, breaks between any two characters. Always at least one line.
pub(super) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let gap = usize::from(!line.is_empty());
        if width(&line) + gap + width(word) <= max {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() && width(word) <= max {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
            continue;
        }
        // An identifier whose parts between its `/`s each fit, else (as any word) between its
        // `/`s and hyphens: one part after another, a new line where the next does not fit.
        let fits = |parts: &Vec<&str>| parts.len() > 1 && parts.iter().all(|p| width(p) <= max);
        let by_slash: Vec<&str> = word.split_inclusive('/').collect();
        let parts = if is_identifier(word) && fits(&by_slash) {
            by_slash
        } else {
            word.split_inclusive(['/', '-']).collect()
        };
        if fits(&parts) {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for part in parts {
                if width(&line) + width(part) > max {
                    lines.push(std::mem::take(&mut line));
                }
                line.push_str(part);
            }
            continue;
        }
        // Too wide for a line of its own: fill this line, then go on character by character.
        if !line.is_empty() {
            line.push(' ');
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if width(&line) + w > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `lines` cut to at most `max_lines`, the last one kept ending in `…` within `columns` when
/// lines were cut.
pub(super) fn clip(mut lines: Vec<String>, max_lines: usize, columns: usize) -> Vec<String> {
    if lines.len() <= max_lines {
        return lines;
    }
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        while !last.is_empty() && width(last) + 1 > columns {
            last.pop();
        }
        last.push('…');
    }
    lines
}

/// Column widths that fit `natural` (each column's widest cell) into `total` columns with
/// `gap` columns between neighbours: unchanged when they fit; otherwise the widest columns
/// give up width first, first only down to their longest word (`words`, so names and numbers
/// stay whole while there is text to wrap), then down to `floor` (or the natural width, if
/// smaller), but never below their longest identifier (`identifiers`: a name such as
/// `industry/large-model-industry` is not broken, even if the table then runs wider than
/// `total`).
pub(super) fn columns(
    natural: &[usize],
    words: &[usize],
    identifiers: &[usize],
    total: usize,
    gap: usize,
    floor: usize,
) -> Vec<usize> {
    let gaps = gap * natural.len().saturating_sub(1);
    let mut widths = natural.to_vec();
    let mut sum: usize = widths.iter().sum::<usize>() + gaps;
    let whole_words: Vec<usize> = natural
        .iter()
        .zip(words)
        .map(|(&n, &w)| n.min(w.max(floor)))
        .collect();
    let at_floor: Vec<usize> = natural
        .iter()
        .zip(identifiers.iter().chain(std::iter::repeat(&0)))
        .map(|(&n, &id)| n.min(floor.max(id)))
        .collect();
    for floors in [whole_words, at_floor] {
        while sum > total {
            // Shrink the widest column by one; stop when every column is at its floor.
            let Some((i, _)) = widths
                .iter()
                .enumerate()
                .filter(|&(i, &w)| w > floors[i])
                .max_by_key(|&(i, &w)| (w, std::cmp::Reverse(i)))
            else {
                break;
            };
            widths[i] -= 1;
            sum -= 1;
        }
    }
    widths
}

/// Whether `word` is an identifier: ASCII letters, digits and `-_./` with a `/` in it
/// (`industry/maas`, `datasets/cic-global-llm-2026`).
fn is_identifier(word: &str) -> bool {
    word.contains('/')
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

/// The width of the longest part of an identifier in `text` (its parts end at each `/` and
/// hyphen: `industry/`, `large-`, `model-`, `industry`), below which a table never narrows
/// its column: an identifier is broken only between its parts, never inside a word.
pub(super) fn longest_identifier(text: &str) -> usize {
    text.split(' ')
        .filter(|w| is_identifier(w))
        .flat_map(|w| w.split_inclusive(['/', '-']))
        .map(width)
        .max()
        .unwrap_or(0)
}

/// The width of the longest word (run between spaces) of `text`.
pub(super) fn longest_word(text: &str) -> usize {
    text.split(' ').map(width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_inside_overlong_words() {
        assert_eq!(
            wrap("the market grows fast", 10),
            ["the market", "grows fast"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }

    #[test]
    fn cjk_breaks_between_characters_never_inside_one() {
        // Each character takes two columns: a width of 5 holds two of them, never two and a half.
        let lines = wrap("全球大模型市场规模", 5);
        assert_eq!(lines, ["全球", "大模", "型市", "场规", "模"]);
        for line in &lines {
            assert!(width(line) <= 5, "{line}");
        }
        assert_eq!(wrap("市场 size grows", 7), ["市场", "size", "grows"]);
    }

    #[test]
    fn a_clipped_cell_ends_in_an_ellipsis_within_its_width() {
        let lines = wrap("one two three four five six seven", 9);
        assert_eq!(clip(lines.clone(), 9, 9), lines);
        assert_eq!(clip(lines, 2, 9), ["one two", "three…"]);
        assert_eq!(clip(wrap("全球大模型市场规模", 4), 2, 4), ["全球", "大…"]);
    }

    #[test]
    fn the_widest_columns_shrink_first_down_to_the_floor() {
        assert_eq!(
            columns(&[4, 30, 10], &[4, 6, 10], &[], 80, 2, 8),
            [4, 30, 10]
        );
        assert_eq!(
            columns(&[4, 30, 10], &[4, 6, 10], &[], 30, 2, 8),
            [4, 12, 10]
        );
        assert_eq!(columns(&[20, 20], &[20, 20], &[], 10, 2, 8), [8, 8]);
        // A column of long names keeps them whole while the text column can wrap.
        assert_eq!(columns(&[24, 30], &[24, 6], &[], 40, 2, 8), [24, 14]);
        // Identifiers stay whole even when the table cannot fit.
        assert_eq!(columns(&[29, 20], &[29, 20], &[12, 0], 20, 2, 8), [12, 8]);
        assert_eq!(
            longest_identifier("industry/large-model-industry and a-b"),
            9
        );
        assert_eq!(
            wrap("applications/entertainment-generative-applications", 24),
            ["applications/", "entertainment-", "generative-applications"]
        );
        assert_eq!(longest_identifier("large-model"), 0);
        assert_eq!(
            wrap("industry/large-model-industry", 22),
            ["industry/", "large-model-industry"]
        );
        assert_eq!(
            wrap("schemes/a/concepts/b", 12),
            ["schemes/a/", "concepts/b"]
        );
        assert_eq!(longest_identifier("plain words, 12.5"), 0);
    }
}
