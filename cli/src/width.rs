//! How wide the table output may be: `COLUMNS` when set, else the terminal's width when stdout
//! is a terminal, else unbounded (output to a file or a pipe keeps its long lines).

use std::io::IsTerminal as _;

/// The narrowest width honoured; below it tables are printed at their natural width.
const MIN_WIDTH: usize = 20;

/// The width to fit tables to, if any: `columns` (the `COLUMNS` variable) when it is a number,
/// else the width of the terminal on stdout.
pub(super) fn width(columns: Option<&str>) -> Option<usize> {
    let from_variable = columns.and_then(|text| text.trim().parse::<usize>().ok());
    let width = from_variable.or_else(terminal_width)?;
    (width >= MIN_WIDTH).then_some(width)
}

/// The width of the terminal on stdout, if stdout is one.
fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let size = rustix::termios::tcgetwinsize(&stdout).ok()?;
    (size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_and_nonsense_or_tiny_widths_are_ignored() {
        assert_eq!(width(Some("100")), Some(100));
        assert_eq!(width(Some(" 72 ")), Some(72));
        assert_eq!(width(Some("5")), None);
        // Under `cargo test` stdout is not a terminal.
        if !std::io::stdout().is_terminal() {
            assert_eq!(width(Some("wide")), None);
            assert_eq!(width(None), None);
        }
    }
}
