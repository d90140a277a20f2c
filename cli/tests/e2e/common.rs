//! What the end-to-end tests of the `llmarket` binary share: running the command with nothing
//! from the test run's environment, against servers started in the test, and reading what it
//! printed.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

use llmarket_tests::Servers;

/// Runs `llmarket` with `args` and `env`: every `LLMARKET_*` variable and `COLUMNS` of the test
/// run are removed first.
pub(crate) async fn llmarket_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_llmarket"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("LLMARKET_") || key == "COLUMNS" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run llmarket")
}

/// Runs `llmarket` with `args` (and nothing from the environment of the test run).
pub(crate) async fn llmarket(args: &[&str]) -> Output {
    llmarket_with_env(args, &[]).await
}

/// `llmarket --forecast F --taxonomy T args…`.
pub(crate) async fn against(forecast: &str, taxonomy: &str, args: &[&str]) -> Output {
    let mut all = vec!["--forecast", forecast, "--taxonomy", taxonomy];
    all.extend_from_slice(args);
    llmarket(&all).await
}

/// `llmarket args…` against `servers`.
pub(crate) async fn on(servers: &Servers, args: &[&str]) -> Output {
    against(&servers.forecast.url(), &servers.taxonomy.url(), args).await
}

/// Runs `llmarket args…` against `servers`, asserts it succeeded, and returns stdout.
pub(crate) async fn succeeds(servers: &Servers, args: &[&str]) -> String {
    succeeds_at(&servers.forecast.url(), &servers.taxonomy.url(), args).await
}

/// Runs `llmarket --forecast F --taxonomy T args…`, asserts it succeeded, and returns stdout.
pub(crate) async fn succeeds_at(forecast: &str, taxonomy: &str, args: &[&str]) -> String {
    let output = against(forecast, taxonomy, args).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// What the command printed on stdout.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the command printed on stderr.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, one `llmarket: error:` line on stderr and nothing on stdout; returns
/// the line.
pub(crate) fn assert_fails(output: &Output, code: i32) -> String {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {message}");
    assert_eq!(
        message.lines().count(),
        1,
        "one line on stderr: {message:?}"
    );
    assert!(message.starts_with("llmarket: error: "), "{message}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout: {}",
        stdout(output)
    );
    message
}

/// A loopback URL nothing listens on.
pub(crate) async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}")
}

/// A fresh directory for this test's files.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// `text` parsed as JSON by a strict reader that, unlike serde_json's own, refuses an object
/// with a key twice (which readers resolve differently: first wins, last wins, or an error).
pub(crate) fn strict_json(text: &str) -> Result<serde_json::Value, String> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = serde::Deserialize::deserialize(&mut reader).map_err(|e| e.to_string())?;
    reader.end().map_err(|e| e.to_string())?;
    let StrictValue(value) = value;
    Ok(value)
}

/// A JSON value read by [`strict_json`].
struct StrictValue(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
        reader.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

/// Builds a [`serde_json::Value`], failing on a duplicate key.
struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value whose objects have no key twice")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(items.into())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            object.insert(key, value);
        }
        Ok(object.into())
    }
}

/// Parses `text` with [`strict_json`], panicking with `what` and the reason when it fails.
#[track_caller]
pub(crate) fn assert_strict_json(what: &str, text: &str) -> serde_json::Value {
    strict_json(text).unwrap_or_else(|e| panic!("{what}: not strict JSON: {e}\n{text}"))
}
