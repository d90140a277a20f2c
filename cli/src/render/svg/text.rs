//! Text on a chart: the fonts, and lines wrapped to a width in terminal columns.

use plotters::style::{FontFamily, TextStyle};
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

/// The fonts of every text, CJK-capable ones first (Linux, macOS, Windows), then the generic.
pub const FONTS: &str =
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/// A text style in [`FONTS`].
pub(super) fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FontFamily::Name(FONTS), size))
}

/// `text` in lines of at most `columns` terminal columns (a CJK character is two), broken at
/// spaces where there are any, else between characters; nothing is cut.
pub(super) fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > columns && c == ' ' {
            lines.push(std::mem::take(&mut line));
            width = 0;
            continue;
        }
        if width + w > columns {
            // Break at the line's last space, carrying the word begun after it.
            let carried = match line.rfind(' ') {
                Some(at) if at > 0 => {
                    let rest = line[at + 1..].to_owned();
                    line.truncate(at);
                    rest
                }
                _ => String::new(),
            };
            lines.push(std::mem::take(&mut line));
            width = carried.width();
            line = carried;
        }
        if line.is_empty() && c == ' ' {
            continue;
        }
        line.push(c);
        width += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The size of a chart's title: 22, smaller for a title that would not fit `width` pixels.
pub(super) fn title_size(title: &str, width: u32) -> f64 {
    // A column is about 8 pixels at size 14, so 8 × size / 14 at another size.
    let columns = f64::from(pixels(title).max(8) / 8);
    (f64::from(width) * 14.0 / (8.0 * columns)).clamp(12.0, 22.0)
}

/// The width of `text` in pixels at font size 14, about: half the size a column.
pub(super) fn pixels(text: &str) -> u32 {
    u32::try_from(text.width()).unwrap_or(u32::MAX / 16) * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_or_between_chinese_characters() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(
            wrap("按基于模型的收入口径计", 8),
            ["按基于模", "型的收入", "口径计"]
        );
        assert_eq!(wrap("short", 118), ["short"]);
    }

    #[test]
    fn a_long_title_gets_a_smaller_font() {
        assert_eq!(title_size("Timeline 2022–2029", 860), 22.0);
        let long = "Global large-model market size, by model-based revenue (growth over the \
                    previous year, derived by the service)";
        let size = title_size(long, 860);
        assert!(
            size < 22.0 && f64::from(pixels(long)) * size / 14.0 <= 860.0,
            "{size}"
        );
    }
}
