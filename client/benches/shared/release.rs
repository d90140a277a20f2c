//! What the client benches share: the release server they measure, and CPU time read from
//! `/proc`.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use llmarket_tests::process::ServerProcess;

/// `LLMARKET_SERVER_BIN`, or the release binary `tests/release.sh` builds, if it exists.
pub(crate) fn release_server() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("LLMARKET_SERVER_BIN") {
        return Some(PathBuf::from(bin));
    }
    let bin = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/x86_64-unknown-linux-gnu/release/llmarket-server"
    ));
    bin.exists().then_some(bin)
}

/// `bin` as `llmarket-server all` on ephemeral loopback ports (forecast, taxonomy and admin
/// listeners), with `extra` flags.
pub(crate) fn start_all(bin: &Path, extra: &[&str]) -> ServerProcess {
    let mut command = Command::new(bin);
    command.args([
        "all",
        "--forecast-listen",
        "127.0.0.1:0",
        "--taxonomy-listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
    ]);
    command.args(extra);
    ServerProcess::spawn(command, 3)
}

/// utime + stime of the process whose `stat` file is `path`, in clock ticks (10 ms).
pub(crate) fn cpu_ticks(path: &str) -> u64 {
    let stat = std::fs::read_to_string(path).expect("read /proc stat");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5), counted from the state (field 3).
    let field = |n: usize| fields[n - 3].parse::<u64>().expect("cpu ticks");
    field(14) + field(15)
}

/// One clock tick of [`cpu_ticks`].
pub(crate) const TICK: Duration = Duration::from_millis(10);
