//! SIGINT and SIGTERM: the first starts the drain, a second during the drain ends the process at
//! once with the code a shell reports for that signal (130 for SIGINT, 143 for SIGTERM). SIGHUP
//! asks for a reload.

/// A termination signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Termination {
    /// The signal's name, as logged.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    /// The exit code a shell reports for a process this signal ended: 128 + the signal number.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }
}

/// The termination signals, watched from creation on, so none delivered later is missed between
/// two calls of [`Signals::next`].
pub struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts watching SIGINT and SIGTERM (SIGINT only, off Unix). A signal that cannot be
    /// watched is logged and left to its default action.
    pub fn watch() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let watch = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(stream) => Some(stream),
                Err(e) => {
                    tracing::warn!("cannot watch {name} ({e}); it keeps its default action");
                    None
                }
            };
            Self {
                interrupt: watch(SignalKind::interrupt(), "SIGINT"),
                terminate: watch(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Completes on the next SIGINT or SIGTERM received, and logs it.
    pub async fn next(&mut self) -> Termination {
        #[cfg(unix)]
        let received = {
            async fn recv(stream: &mut Option<tokio::signal::unix::Signal>) {
                match stream {
                    Some(stream) => {
                        if stream.recv().await.is_none() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = recv(&mut self.interrupt) => Termination::Interrupt,
                () = recv(&mut self.terminate) => Termination::Terminate,
            }
        };
        #[cfg(not(unix))]
        let received = {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Termination::Interrupt
        };
        tracing::info!("received {}", received.name());
        received
    }
}

/// SIGHUP, where there is one.
pub struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    /// Starts watching SIGHUP (never delivered off Unix); one that cannot be watched is logged.
    pub fn watch() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signal = signal(SignalKind::hangup())
                .inspect_err(|e| tracing::warn!("cannot watch SIGHUP ({e}); it reloads nothing"))
                .ok();
            Self { signal }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The next SIGHUP; `None` if there will be none.
    pub async fn next(&mut self) -> Option<()> {
        #[cfg(unix)]
        {
            self.signal.as_mut()?.recv().await
        }
        #[cfg(not(unix))]
        None
    }
}

/// Completes on the first SIGINT or SIGTERM (SIGINT only, off Unix).
pub async fn termination_signal() {
    Signals::watch().next().await;
}
