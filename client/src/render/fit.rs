//! Fitting text into terminal columns: a line wrapped at spaces into lines of at most a width
//! (a word longer than the width broken between characters, never inside one, so a CJK
//! character is never split), and the column widths a table gets to fit a total width.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Terminal columns `text` takes (as [`super::table::width`] counts them).
fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` as lines of at most `max` columns: broken at spaces where it can be, and inside a
/// word (between characters, never inside a wide one) where a word alone is too wide; CJK
/// text, which has no spaces, breaks between any two characters. Always at least one line.
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
/// smaller).
pub(super) fn columns(
    natural: &[usize],
    words: &[usize],
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
    let at_floor: Vec<usize> = natural.iter().map(|&n| n.min(floor)).collect();
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
        assert_eq!(columns(&[4, 30, 10], &[4, 6, 10], 80, 2, 8), [4, 30, 10]);
        assert_eq!(columns(&[4, 30, 10], &[4, 6, 10], 30, 2, 8), [4, 12, 10]);
        assert_eq!(columns(&[20, 20], &[20, 20], 10, 2, 8), [8, 8]);
        // A column of long names keeps them whole while the text column can wrap.
        assert_eq!(columns(&[24, 30], &[24, 6], 40, 2, 8), [24, 14]);
    }
}
