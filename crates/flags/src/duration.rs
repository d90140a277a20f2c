//! The one duration syntax of both binaries' flags (`--deadline`, `--shutdown-grace`, …):
//! anything [`humantime::parse_duration`] reads (`10s`, `250ms`, `1m 30s`, `1.5s`, `2h`), or a
//! bare number of seconds (`10`, `0.5`), from 0 up to [`MAX`].

use std::time::Duration;

/// The longest duration a flag accepts.
pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a flag's duration, from 0 up to [`MAX`]; the error says what would be valid.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let duration = seconds(text)
        .or_else(|| humantime::parse_duration(text).ok())
        .ok_or_else(|| {
            format!(
                "{text:?} is not a duration; use e.g. 10s, 500ms, 1m 30s, or a number of seconds"
            )
        })?;
    if duration > MAX {
        return Err(format!("{text:?} is too long; at most 24h"));
    }
    Ok(duration)
}

/// A bare number of seconds, digits with at most one decimal point (`10`, `0.5`): what
/// `humantime` refuses for want of a unit. Never a sign, an exponent, `inf` or `NaN`.
fn seconds(text: &str) -> Option<Duration> {
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    // Above MAX it only has to be refused, and from_secs_f64 panics past u64 seconds.
    Some(Duration::from_secs_f64(value.min(MAX.as_secs_f64() + 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_accepted_form() {
        let cases = [
            ("10s", Duration::from_secs(10)),
            ("250ms", Duration::from_millis(250)),
            ("1m 30s", Duration::from_secs(90)),
            ("1m30s", Duration::from_secs(90)),
            ("2m", Duration::from_secs(120)),
            ("10", Duration::from_secs(10)),
            ("0", Duration::ZERO),
            ("0.5", Duration::from_millis(500)),
            ("5.", Duration::from_secs(5)),
            (".5", Duration::from_millis(500)),
            ("1.5s", Duration::from_millis(1500)),
            ("1.5 s", Duration::from_millis(1500)),
            ("2.5ms", Duration::from_micros(2500)),
            ("0.25m", Duration::from_secs(15)),
            ("0.5h", Duration::from_secs(1800)),
            (" 2h ", Duration::from_secs(7200)),
            ("1d", MAX),
            ("24h", MAX),
            ("86400", MAX),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_garbage_signs_and_too_long() {
        for text in [
            "",
            " ",
            "abc",
            "-1",
            "-1s",
            "+1",
            "1e3",
            "1.5x",
            "1..5s",
            "1.2.3",
            ".",
            "NaN",
            "inf",
            "10 apples",
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains("is not a duration"), "{text}: {err}");
        }
        for text in ["25h", "86401", "86400.5", "100000", "1w", &"9".repeat(400)] {
            let err = parse(text).expect_err(text);
            assert!(err.contains("too long; at most 24h"), "{text}: {err}");
        }
    }
}
