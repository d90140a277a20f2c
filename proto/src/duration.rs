//! The one duration syntax of both binaries' flags (`--deadline`, `--shutdown-grace`, …):
//! anything `humantime` reads (`10s`, `250ms`, `1m 30s`, `2h`), a bare number of seconds (`10`,
//! `0.5`), or a decimal with one unit (`1.5s`, `0.25m`).

use std::time::Duration;

/// The longest duration a flag accepts.
pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a flag's duration, from 0 up to [`MAX`]; the error says what would be valid.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let duration = humantime::parse_duration(text)
        .ok()
        .or_else(|| decimal(text))
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

/// A decimal number with an optional unit: `0.5`, `1.5s`, `2.5ms`, `0.25m`, `0.5h`.
fn decimal(text: &str) -> Option<Duration> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let seconds = value * scale;
    (seconds.is_finite() && seconds <= MAX.as_secs_f64()).then(|| Duration::from_secs_f64(seconds))
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
            ("2m", Duration::from_secs(120)),
            ("10", Duration::from_secs(10)),
            ("0", Duration::ZERO),
            ("0.5", Duration::from_millis(500)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.25m", Duration::from_secs(15)),
            (" 2h ", Duration::from_secs(7200)),
            ("24h", MAX),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_garbage_negative_and_too_long() {
        for text in [
            "", "abc", "-1", "-1s", "1.5x", "1..5s", "25h", "100000", "NaN", "inf",
        ] {
            let err = parse(text).expect_err(text);
            assert!(
                err.contains("duration") || err.contains("too long"),
                "{text}: {err}"
            );
        }
    }
}
