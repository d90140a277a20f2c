//! Tests of the `llmarket-server` binary as a process: exit codes and one-line errors for bad
//! input, and a clean exit on SIGTERM.

use std::{
    io::{BufRead as _, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_llmarket-server");

/// Runs the binary to completion; one that is still running after a minute (a server that
/// should have refused to start) is killed and fails the test.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("LLMARKET_DATA")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run llmarket-server");
    for _ in 0..1200 {
        if child.try_wait().expect("poll child").is_some() {
            return child.wait_with_output().expect("collect output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("collect output");
    panic!(
        "llmarket-server {args:?} did not exit; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts the process failed with `code` and a single clear error line on stderr.
fn assert_one_line_error(output: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("llmarket-server: error: "), "{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    assert_one_line_error(&run(&["serve-everything"]), 64, "serve-everything");
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(64));
}

#[test]
fn bad_address_is_a_usage_error() {
    assert_one_line_error(
        &run(&["forecast", "--listen", "not-an-address"]),
        64,
        "not-an-address",
    );
    assert_one_line_error(
        &run(&["all", "--taxonomy-listen", "127.0.0.1:99999"]),
        64,
        "99999",
    );
}

#[test]
fn bad_grace_period_is_a_usage_error() {
    assert_one_line_error(&run(&["forecast", "--shutdown-grace", "soon"]), 64, "soon");
}

#[test]
fn help_exits_zero() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("forecast"));
}

#[test]
fn port_in_use_is_an_io_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    assert_one_line_error(&run(&["taxonomy", "--listen", &addr]), 74, &addr);
}

#[test]
fn unreadable_data_path_is_an_io_error() {
    assert_one_line_error(
        &run(&["--data", "/no/such/llmarket/data", "forecast"]),
        74,
        "/no/such/llmarket/data",
    );
}

#[test]
fn bad_forecast_data_is_a_data_error() {
    let dir = temp_dir("bad-forecast");
    std::fs::write(dir.join("forecast.toml"), "this is = [not toml").expect("write");
    let output = run(&[
        "--data",
        dir.to_str().expect("utf-8 path"),
        "forecast",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_one_line_error(&output, 65, "forecast.toml");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn bad_taxonomy_data_is_a_data_error() {
    let dir = temp_dir("bad-taxonomy");
    std::fs::write(dir.join("taxonomy.toml"), "[[concepts]\n").expect("write");
    let output = run(&[
        "--data",
        dir.to_str().expect("utf-8 path"),
        "taxonomy",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_one_line_error(&output, 65, "taxonomy.toml");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_both_services_cleanly() {
    let mut child = Command::new(BIN)
        .args([
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "127.0.0.1:0",
        ])
        .env_remove("LLMARKET_DATA")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start llmarket-server");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until both services log their addresses (bounded, so a broken server fails the test).
    let mut listening = 0;
    while listening < 2 {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server logs listening");
        if line.contains("listening") {
            listening += 1;
        }
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let status = child.wait().expect("wait for server");
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = lines_rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("received SIGTERM")),
        "{rest:?}"
    );
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}
