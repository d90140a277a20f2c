//! The real `llmarket-server` binary as a child process: started with given arguments, its
//! listening addresses read from its log, signalled, and waited for. Linux and other Unix only
//! (signals are sent with `kill`).

use std::{
    io::{BufRead as _, BufReader},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

/// The `llmarket-server` binary `cargo test --workspace` built beside the test executable, or
/// `LLMARKET_SERVER_BIN` when set (e.g. the release build).
pub fn server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("LLMARKET_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile directory");
    let bin = dir.join("llmarket-server");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p llmarket-server` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// The `llmarket` command built beside the test executable (`cargo build -p llmarket-cli`).
pub fn cli_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile directory");
    let bin = dir.join("llmarket");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p llmarket-cli` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// One `llmarket-server` process.
pub struct ServerProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Each listener's service name (`admin` for the admin listener) and bound address.
    pub listening: Vec<(String, SocketAddr)>,
    /// The log lines up to the last listening address.
    pub startup: Vec<String>,
}

impl ServerProcess {
    /// Runs `llmarket-server ARGS` and waits (up to 30 s) until it logged `listeners` listening
    /// addresses (one per service, one more with `--admin-listen`).
    pub fn start(args: &[&str], listeners: usize) -> Self {
        let mut command = Command::new(server_bin());
        command.args(args);
        Self::spawn(command, listeners)
    }

    /// Runs `command` (the server binary, or a wrapper that execs it) and waits as
    /// [`ServerProcess::start`] does.
    pub fn spawn(mut command: Command, listeners: usize) -> Self {
        let mut child = command
            .env_remove("LLMARKET_DATA")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start llmarket-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            lines,
            listening: Vec::new(),
            startup: Vec::new(),
        };
        while server.listening.len() < listeners {
            let line = server.startup_line_containing("listening");
            let field = |name: &str| {
                line.split_whitespace()
                    .find_map(|f| f.strip_prefix(name))
                    .map(|v| v.trim_matches('"').to_owned())
            };
            let service = field("service=").expect("service field");
            let addr = field("addr=")
                .and_then(|a| a.parse().ok())
                .expect("addr field");
            server.listening.push((service, addr));
        }
        server
    }

    /// The address of the first listener whose service name contains `service`.
    pub fn addr(&self, service: &str) -> SocketAddr {
        self.listening
            .iter()
            .find(|(name, _)| name.contains(service))
            .map(|(_, addr)| *addr)
            .unwrap_or_else(|| panic!("no {service} listener in {:?}", self.listening))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (a name `kill -s` knows: TERM, KILL, HUP).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// The next log line containing `needle` during startup, kept in [`Self::startup`] with
    /// the lines before it.
    fn startup_line_containing(&mut self, needle: &str) -> String {
        loop {
            let line = self.next_line(needle);
            self.startup.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// The next log line, waiting up to 30 s for it (`needle` names what was awaited).
    fn next_line(&self, needle: &str) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("no log line with {needle:?} within 30 s ({e})"))
    }

    /// The next log line containing `needle`, waiting up to 30 s for it.
    pub fn line_containing(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("no log line with {needle:?} within 30 s ({e})"),
            }
        }
    }

    /// The log lines up to and including the next one containing `needle`, waiting up to 30 s.
    pub fn lines_until(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    lines.push(line);
                    if found {
                        return lines;
                    }
                }
                Err(e) => panic!("no log line with {needle:?} within 30 s ({e}): {lines:#?}"),
            }
        }
    }

    /// The log lines not read yet, up to the end of the log: call it once the process has
    /// exited (its stderr then ends), or it waits for that.
    pub fn rest_of_log(&self) -> Vec<String> {
        self.lines.iter().collect()
    }

    /// Waits (up to 60 s) for the process to exit.
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit in 60 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the manifest of the dataset directory `dir` with `llmarket-server data manifest`.
pub fn write_manifest(dir: &Path) {
    let status = Command::new(server_bin())
        .args(["data", "manifest"])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("run llmarket-server data manifest");
    assert!(status.success(), "data manifest failed");
}
