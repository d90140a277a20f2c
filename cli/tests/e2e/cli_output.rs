//! End-to-end tests of where the `llmarket` command writes: a reader that stops early (a closed
//! pipe) ends it quietly with 0, output that cannot be written (`/dev/full`) exits 74 with one
//! line, and `--output` is honoured by every command, `completions` too.

use std::process::{Command, Output, Stdio};

use llmarket_tests::Servers;

use crate::common::{assert_fails, scratch, stderr};

/// Runs `llmarket args…` against `servers` with `stdout` as its standard output (nothing of
/// the test run's environment).
async fn with_stdout(servers: &Servers, args: &[&str], stdout: Stdio) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_llmarket"));
    command
        .args(["--forecast", &servers.forecast.url()])
        .args(["--taxonomy", &servers.taxonomy.url()])
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("LLMARKET_") || key == "COLUMNS" {
            command.env_remove(key);
        }
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run llmarket")
}

/// A pipe whose reader is already gone: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    writer.into()
}

/// `/dev/full`: every write fails with ENOSPC.
fn full_disk() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
        .into()
}

const COMMANDS: [&[&str]; 4] = [
    &["completions", "bash"],
    &["series", "list", "--format", "json"],
    &["report", "overview", "--format", "markdown"],
    &["--help"],
];

#[tokio::test]
async fn a_reader_that_stops_early_ends_the_command_quietly() {
    let servers = Servers::start().await;
    for args in COMMANDS {
        let output = with_stdout(&servers, args, closed_pipe()).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stderr.is_empty(), "{args:?}: {}", stderr(&output));
    }
}

#[tokio::test]
async fn output_that_cannot_be_written_exits_74() {
    let servers = Servers::start().await;
    for args in COMMANDS {
        let output = with_stdout(&servers, args, full_disk()).await;
        let message = assert_fails(&output, 74);
        assert!(
            message.contains("cannot write to stdout"),
            "{args:?}: {message}"
        );
    }
}

#[tokio::test]
async fn completions_honour_output() {
    let servers = Servers::start().await;
    let dir = scratch("completions-output");
    let path = dir.join("llmarket.bash");
    let file = path.to_str().unwrap();
    let output = with_stdout(
        &servers,
        &["completions", "bash", "--output", file],
        Stdio::piped(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let script = std::fs::read_to_string(&path).expect("the script written");
    assert!(script.contains("complete -F"), "{script}");
    // A file that cannot be written is named.
    let missing = dir.join("no-such-dir").join("llmarket.bash");
    let args = ["completions", "bash", "--output", missing.to_str().unwrap()];
    let message = assert_fails(&with_stdout(&servers, &args, Stdio::piped()).await, 74);
    assert!(
        message.contains("cannot write the completion script to"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
