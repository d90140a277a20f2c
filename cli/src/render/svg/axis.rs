//! The value axis of a chart: linear, or logarithmic drawn as a linear axis of powers of ten,
//! and the text of its ticks (never "0" for a value that is not zero).

/// How values map onto the drawn value axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scale {
    /// The values themselves.
    Linear,
    /// Their base-10 logarithms: the axis is drawn in powers of ten.
    Log,
}

impl Scale {
    /// Where `value` lies on the drawn axis.
    pub(super) fn y(self, value: f64) -> f64 {
        match self {
            Self::Linear => value,
            Self::Log => value.log10(),
        }
    }

    /// The drawn axis for values from `low` to `high` (both finite, and positive on a log
    /// scale): room above for the labels; a log axis runs between whole powers of ten.
    pub(super) fn range(self, low: f64, high: f64) -> std::ops::Range<f64> {
        match self {
            Self::Linear => {
                let bottom = if low >= 0.0 { 0.0 } else { low * 1.15 };
                let top = if high > 0.0 { high * 1.15 } else { 1.0 };
                bottom..top
            }
            Self::Log => {
                let bottom = (low.log10() - 0.3).floor();
                let top = (high.log10() + 0.3).ceil().max(bottom + 1.0);
                bottom..top
            }
        }
    }

    /// How many ticks to ask of plotters on `range`: on a log axis, no more than its whole
    /// powers of ten, so each tick falls on one.
    pub(super) fn ticks(self, range: &std::ops::Range<f64>) -> usize {
        match self {
            Self::Linear => 10,
            Self::Log => {
                let decades = (range.end - range.start).round().max(1.0);
                // Whole decades, at most 12 ticks: plotters then steps by 1, 2, 5, 10, … decades.
                (decades as usize + 1).min(12)
            }
        }
    }

    /// The text of the tick at `y` on the drawn axis.
    pub(super) fn label(self, y: f64) -> String {
        match self {
            Self::Linear => tick(y),
            Self::Log => {
                let exponent = y.round();
                if (y - exponent).abs() > 1e-9 || !exponent.is_finite() {
                    return String::new();
                }
                power_of_ten(exponent as i32)
            }
        }
    }
}

/// 10 to the power `exponent`: plain digits from 0.0001 to 10000, else `10⁻¹³`.
pub(super) fn power_of_ten(exponent: i32) -> String {
    if (-4..=4).contains(&exponent) {
        tick(10f64.powi(exponent))
    } else {
        format!("10{}", superscript(exponent))
    }
}

/// `n` in superscript digits (`⁻¹³`).
fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut text = String::new();
    if n < 0 {
        text.push('⁻');
    }
    for digit in n.unsigned_abs().to_string().chars() {
        let index = digit.to_digit(10).unwrap_or(0) as usize;
        text.push(DIGITS[index.min(9)]);
    }
    text
}

/// A tick's number on a linear axis: plain digits, as many decimals as its magnitude needs and
/// no padding zeros (0.0005, 0.5, 10, 150); a value below 0.0001 or from 10¹² on as `2×10⁻¹³`,
/// never rounded to "0".
pub(super) fn tick(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor();
    if !(-4.0..12.0).contains(&magnitude) {
        let exponent = magnitude as i32;
        let mantissa = value / 10f64.powi(exponent);
        let mantissa = trim(&format!("{mantissa:.2}"));
        return match mantissa.as_str() {
            "1" => power_of_ten(exponent),
            "-1" => format!("-{}", power_of_ten(exponent)),
            _ => format!("{mantissa}×{}", power_of_ten(exponent)),
        };
    }
    let decimals = (2.0 - magnitude).clamp(0.0, 12.0) as usize;
    trim(&format!("{value:.decimals$}"))
}

/// `text` without padding zeros after a decimal point.
fn trim(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_have_no_padding_zeros_and_no_tiny_value_reads_zero() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(50.0), "50");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.0005), "0.0005");
        assert_eq!(tick(150.0), "150");
        assert_eq!(tick(1e-13), "10⁻¹³");
        assert_eq!(tick(2e-15), "2×10⁻¹⁵");
        assert_eq!(tick(-1e-13), "-10⁻¹³");
    }

    #[test]
    fn a_log_axis_is_labelled_at_whole_powers_of_ten() {
        let log = Scale::Log;
        assert_eq!(log.label(-13.0), "10⁻¹³");
        assert_eq!(log.label(-15.0), "10⁻¹⁵");
        assert_eq!(log.label(-2.0), "0.01");
        assert_eq!(log.label(1.0), "10");
        assert_eq!(log.label(0.5), "", "no tick between powers of ten");
        let range = log.range(1e-15, 20.0);
        assert_eq!(range, -16.0..2.0);
        assert_eq!(log.ticks(&range), 12);
        assert_eq!(Scale::Linear.range(10.7, 206.5), 0.0..206.5 * 1.15);
    }
}
