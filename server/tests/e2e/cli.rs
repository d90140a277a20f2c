//! Tests of the `llmarket-server` binary as a process: exit codes and one-line errors for bad
//! input, `--version`, the `token new` command and the refusals of `data import`. Its signals (SIGHUP, SIGTERM, a second
//! signal) are tested in `tests/tests/e2e/server_process.rs`.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Command, Output, Stdio},
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

/// Writes the manifest of the dataset directory `dir` with `llmarket-server data manifest`.
fn write_manifest(dir: &std::path::Path) {
    let output = run(&["data", "manifest", dir.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout.contains("manifest.toml"), "{stdout}");
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
fn version_names_the_built_in_data() {
    let output = run(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    assert!(stdout.contains("datasets/cic-global-llm-2026"), "{stdout}");
    assert!(stdout.contains(", data version "), "{stdout}");
}

#[test]
fn zero_timers_are_usage_errors() {
    assert_one_line_error(&run(&["forecast", "--idle-timeout", "0s"]), 64, "zero");
    assert_one_line_error(
        &run(&["forecast", "--max-concurrent-streams", "0"]),
        64,
        "max-concurrent-streams",
    );
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
    write_manifest(&dir);
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
fn a_data_directory_without_a_manifest_is_refused_with_the_command_that_writes_one() {
    let dir = temp_dir("no-manifest");
    let builtin = include_str!("../../data/cic-global-llm-2026/forecast.toml");
    std::fs::write(dir.join("forecast.toml"), builtin).expect("write");
    let dir_arg = dir.to_str().expect("utf-8 path");
    let output = run(&["--data", dir_arg, "forecast", "--listen", "127.0.0.1:0"]);
    assert_one_line_error(&output, 65, "llmarket-server data manifest");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn bad_taxonomy_data_is_a_data_error() {
    let dir = temp_dir("bad-taxonomy");
    std::fs::write(dir.join("taxonomy.toml"), "[[concepts]\n").expect("write");
    write_manifest(&dir);
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

#[test]
fn a_non_loopback_address_without_protection_is_refused_before_binding() {
    assert_one_line_error(
        &run(&["forecast", "--listen", "0.0.0.0:0"]),
        64,
        "add --auth-file FILE or mutual TLS (--tls-client-ca), or --allow-insecure",
    );
    assert_one_line_error(
        &run(&[
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "[::]:0",
        ]),
        64,
        "refusing to serve [::]:0",
    );
}

/// Issue 22, item 9: an auth file on a public address over plaintext sends bearer tokens in
/// clear; it was served without a word.
#[test]
fn an_auth_file_over_plaintext_off_loopback_is_refused() {
    assert_one_line_error(
        &run(&[
            "forecast",
            "--listen",
            "0.0.0.0:0",
            "--auth-file",
            "auth.toml",
        ]),
        64,
        "refusing to serve 0.0.0.0:0 (not loopback) with --auth-file over plaintext, which sends bearer tokens in clear; add --tls-cert FILE and --tls-key FILE, or --allow-insecure",
    );
    let output = Command::new(BIN)
        .args(["forecast", "--listen", "0.0.0.0:0"])
        .env("LLMARKET_AUTH_FILE", "auth.toml")
        .output()
        .expect("run llmarket-server");
    assert_eq!(output.status.code(), Some(64), "{output:?}");
}

/// Issue 22, item 9: `--admin-listen` was never checked, and its unauthenticated `/metrics`
/// lists every dataset id.
#[test]
fn a_non_loopback_admin_listener_is_refused_unless_allowed() {
    assert_one_line_error(
        &run(&["forecast", "--admin-listen", "0.0.0.0:0"]),
        64,
        "refusing to serve the admin listener on 0.0.0.0:0 (not loopback): it has no authentication and its /metrics names every dataset; give a loopback address (e.g. 127.0.0.1:9090), or add --allow-public-admin",
    );
    assert_one_line_error(
        &run(&[
            "taxonomy",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "[::]:0",
        ]),
        64,
        "refusing to serve the admin listener on [::]:0",
    );
}

#[test]
fn a_bad_auth_file_is_a_data_error_and_a_missing_one_an_io_error() {
    let dir = temp_dir("auth-bad");
    let file = dir.join("auth.toml");
    std::fs::write(
        &file,
        "[[principal]]\nname = \"a\"\ntokens = [\"plain\"]\ngrants = [\"milestones\"]\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8 path");
    assert_one_line_error(
        &run(&["forecast", "--listen", "127.0.0.1:0", "--auth-file", path]),
        65,
        "principal[0] \"a\": tokens[0]: \"plain\" is not a token digest",
    );
    assert_one_line_error(
        &run(&[
            "forecast",
            "--listen",
            "127.0.0.1:0",
            "--auth-file",
            "/definitely/not/here.toml",
        ]),
        74,
        "cannot read /definitely/not/here.toml",
    );
}

#[test]
fn token_new_prints_the_token_once_and_an_entry_with_only_its_digest() {
    let output = run(&[
        "token",
        "new",
        "--principal",
        "reports-api",
        "--grant",
        "datasets/*",
        "--grant",
        "schemes/industry",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(token.len(), 43, "{token}");
    let entry = String::from_utf8_lossy(&output.stderr);
    assert!(!entry.contains(token), "the entry never holds the token");
    let principals =
        llmarket_server::auth::Principals::parse("entry", &entry).expect("the entry is valid");
    let principal = principals
        .authenticate(Some(format!("Bearer {token}").as_bytes()), &[])
        .expect("the token authenticates");
    assert_eq!(principal.name, "reports-api");
    assert!(principal.grants.dataset("any") && principal.grants.scheme("industry"));

    assert_one_line_error(
        &run(&["token", "new", "--principal", "Bad Name"]),
        64,
        "is not a valid name",
    );
    assert_one_line_error(
        &run(&["token", "new", "--principal", "a", "--grant", "everything"]),
        64,
        "--grant \"everything\" is not a grant",
    );
}

/// Issue 22, item 12: `token new` without `--grant` printed an entry the server cannot load.
#[test]
fn token_new_needs_a_grant() {
    let output = run(&["token", "new", "--principal", "a"]);
    assert_one_line_error(&output, 64, "give at least one --grant");
    assert!(output.stdout.is_empty(), "no token without an entry");
}

/// Issue 22, item 12: README's `token new … 2>> auth.toml` appended error text to the auth
/// file, which then failed to load. `--append-to` appends only an entry the file still loads
/// with, and prints the token only once it is in.
#[cfg(unix)]
#[test]
fn token_new_appends_only_an_entry_the_file_still_loads_with() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("append");
    let file = dir.join("auth.toml");
    let path = file.to_str().expect("utf-8 path");
    let new = |principal: &str| {
        run(&[
            "token",
            "new",
            "--principal",
            principal,
            "--grant",
            "datasets/*",
            "--append-to",
            path,
        ])
    };
    let first = new("reports-api");
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let token = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    assert_eq!(token.len(), 43, "{token}");
    let mode = std::fs::metadata(&file)
        .expect("created")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    assert_eq!(new("analyst").status.code(), Some(0));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(!text.contains(&token), "the file never holds the token");
    let principals = llmarket_server::auth::Principals::load(&file).expect("the file loads");
    assert_eq!(principals.iter().count(), 2);
    let principal = principals
        .authenticate(Some(format!("Bearer {token}").as_bytes()), &[])
        .expect("the token authenticates");
    assert_eq!(principal.name, "reports-api");

    // A name declared twice: refused, the file unchanged, no token printed.
    let twice = new("analyst");
    assert_one_line_error(
        &twice,
        65,
        "principal[2] \"analyst\": name: is declared twice",
    );
    assert!(twice.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);

    // An auth file every user may write: refused by `token new` and by the server (77).
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let open = new("third");
    assert_one_line_error(&open, 77, "every user may write it (mode 0666)");
    assert!(open.stdout.is_empty());
    assert_one_line_error(
        &run(&["forecast", "--listen", "127.0.0.1:0", "--auth-file", path]),
        77,
        "chmod go-w",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// The header `llmarket --format csv` writes for values.
const CSV_HEADER: &str = "series,measure,from_year,year,value,low,high,width_unknown,unit,\
qualifier,kind,provenance,method,past_horizon,source,note,quote,series_note";

/// `data import` of `csv` (one file) on the built-in report into `out`.
fn import_csv(dir: &std::path::Path, csv: &str, out: &std::path::Path) -> Output {
    let file = dir.join("values.csv");
    std::fs::write(&file, csv).unwrap();
    run(&[
        "data",
        "import",
        file.to_str().unwrap(),
        "--base",
        "builtin",
        "--edition",
        "cic-global-llm/2027@2027-06-30",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn data_import_lists_every_csv_error_at_its_line_and_writes_nothing() {
    let dir = temp_dir("import-bad");
    let csv = format!(
        "{CSV_HEADER}\r\n\
         market-size,value,,2029,2x,,,false,usd_billion,exact,forecast,reported,,false,1.2,,,\r\n\
         market-size,value,,2024,10.7,,,false,usd_billion,exact,actual,reported,,false,1.2,,,\r\n\
         nowhere,value,,2300,1,,,false,usd_billion,exact,forecast,reported,,false,1.2,,,\r\n"
    );
    let out = dir.join("out");
    let output = import_csv(&dir, &csv, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(65), "{stderr}");
    let file = dir.join("values.csv").display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{file}:2: value \"2x\" is not a number"),
            format!("{file}:4: series \"nowhere\" is not a series of the base edition"),
            format!("{file}:4: year 2300 is outside 1900..=2200"),
            "llmarket-server: error: 3 problem(s) in the CSV (listed above); nothing was written"
                .to_owned(),
        ]
    );
    assert!(!out.exists(), "nothing written");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn data_import_refuses_a_non_empty_out_and_a_missing_base_or_file() {
    let dir = temp_dir("import-refusals");
    let csv = format!(
        "{CSV_HEADER}\r\n\
         market-size,value,,2024,10.7,,,false,usd_billion,exact,actual,reported,,false,1.2,,,\r\n"
    );
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    assert_one_line_error(&import_csv(&dir, &csv, &out), 73, "is not empty");
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    let empty = dir.join("empty");
    let base = run(&[
        "data",
        "import",
        dir.join("values.csv").to_str().unwrap(),
        "--base",
        dir.to_str().unwrap(),
        "--edition",
        "cic-global-llm/2027@2027-06-30",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert_one_line_error(&base, 66, "has no forecast.toml");
    let missing = run(&[
        "data",
        "import",
        dir.join("nothing.csv").to_str().unwrap(),
        "--base",
        "builtin",
        "--edition",
        "cic-global-llm/2027@2027-06-30",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert_one_line_error(&missing, 66, "cannot read");
    assert!(!empty.exists());
    // An edited import succeeds into a new directory, and prints what it wrote.
    let done = import_csv(&dir, &csv, &empty);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    assert!(String::from_utf8_lossy(&done.stdout).contains("manifest.toml"));
    let _ = std::fs::remove_dir_all(&dir);
}
