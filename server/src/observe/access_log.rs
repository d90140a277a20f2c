//! The access log: one structured line per call (target `llmarket::access`), with the method,
//! code, latency, peer, principal (once access control names one) and trace id. Never a token,
//! never a request body. Lines go through `tracing`, so `--log-format json` makes them JSON.

use std::{net::SocketAddr, time::Duration};

use clap::ValueEnum;
use tonic::Code;

/// Default `--slow-call`: calls at least this slow are logged at `--access-log errors`.
pub const DEFAULT_SLOW_CALL: Duration = Duration::from_millis(100);

/// Which calls get an access line (`--access-log`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AccessLog {
    /// Every call.
    All,
    /// Calls that end with a server-side code (INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED,
    /// RESOURCE_EXHAUSTED, UNKNOWN, DATA_LOSS) and calls slower than `--slow-call`.
    #[default]
    Errors,
    /// None.
    Off,
}

/// What decides whether a call is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Which calls.
    pub level: AccessLog,
    /// At `errors`, calls at least this slow are logged whatever their code.
    pub slow_call: Duration,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            level: AccessLog::Off,
            slow_call: DEFAULT_SLOW_CALL,
        }
    }
}

/// Whether `code` says the server (not the caller) is at fault or overloaded.
pub fn is_server_side(code: Code) -> bool {
    match code {
        Code::Internal
        | Code::Unavailable
        | Code::DeadlineExceeded
        | Code::ResourceExhausted
        | Code::Unknown
        | Code::DataLoss => true,
        Code::Ok
        | Code::Cancelled
        | Code::InvalidArgument
        | Code::NotFound
        | Code::AlreadyExists
        | Code::PermissionDenied
        | Code::FailedPrecondition
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unimplemented
        | Code::Unauthenticated => false,
    }
}

impl AccessPolicy {
    /// Logs the calls `level` names, with the default slow-call bound.
    pub fn at(level: AccessLog) -> Self {
        Self {
            level,
            ..Self::default()
        }
    }

    /// Whether a call that ended with `code` after `latency` gets a line.
    pub fn logs(&self, code: Code, latency: Duration) -> bool {
        match self.level {
            AccessLog::All => true,
            AccessLog::Errors => is_server_side(code) || latency >= self.slow_call,
            AccessLog::Off => false,
        }
    }
}

/// One finished call, as the access log writes it.
#[derive(Debug)]
pub struct CallRecord<'a> {
    /// `/package.Service/Method`.
    pub path: &'a str,
    /// How it ended.
    pub code: Code,
    /// From its headers to its end.
    pub latency: Duration,
    /// The caller's address.
    pub peer: Option<SocketAddr>,
    /// Who the caller is, once access control has named them.
    pub principal: Option<&'a str>,
    /// The trace the call belongs to (32 hex digits).
    pub trace_id: Option<&'a str>,
}

/// Writes `record`'s line (level WARN for server-side codes, INFO otherwise).
pub fn write(record: &CallRecord<'_>) {
    let code = super::metrics::code_label(record.code);
    let latency_us = u64::try_from(record.latency.as_micros()).unwrap_or(u64::MAX);
    let peer = record.peer.map(|p| p.to_string());
    let peer = peer.as_deref().unwrap_or("");
    let principal = record.principal.unwrap_or("");
    let trace_id = record.trace_id.unwrap_or("");
    if is_server_side(record.code) {
        tracing::warn!(target: "llmarket::access", method = record.path, code, latency_us, peer, principal, trace_id, "call");
    } else {
        tracing::info!(target: "llmarket::access", method = record.path, code, latency_us, peer, principal, trace_id, "call");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_logs_server_side_codes_and_slow_calls_only() {
        let policy = AccessPolicy {
            level: AccessLog::Errors,
            slow_call: Duration::from_millis(100),
        };
        let fast = Duration::from_micros(50);
        assert!(!policy.logs(Code::Ok, fast));
        assert!(!policy.logs(Code::NotFound, fast));
        assert!(!policy.logs(Code::InvalidArgument, fast));
        for code in [
            Code::Internal,
            Code::Unavailable,
            Code::DeadlineExceeded,
            Code::ResourceExhausted,
            Code::Unknown,
            Code::DataLoss,
        ] {
            assert!(policy.logs(code, fast), "{code:?}");
        }
        assert!(policy.logs(Code::Ok, Duration::from_millis(100)));
    }

    #[test]
    fn all_and_off_mean_what_they_say() {
        let all = AccessPolicy::at(AccessLog::All);
        assert!(all.logs(Code::Ok, Duration::ZERO));
        let off = AccessPolicy::default();
        assert!(!off.logs(Code::Internal, Duration::from_secs(10)));
    }
}
