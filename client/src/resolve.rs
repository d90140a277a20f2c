//! Endpoints that follow a cluster: `dns:` targets in the gRPC naming syntax
//! (`dns:///forecast.example:50051`, or `dns://RESOLVER:PORT/forecast.example:50051` to ask one
//! DNS server), resolved to every address, re-resolved every `resolve_interval` and at once when
//! a call finds the service unavailable, and handed to tonic's balancer as the answer changes.

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, PoisonError, RwLock},
    time::Duration,
};

use hickory_resolver::{
    TokioResolver,
    config::{NameServerConfig, ResolverConfig},
    net::runtime::TokioRuntimeProvider,
};
use tokio::sync::{Notify, mpsc};
use tonic::transport::{Channel, Endpoint, channel::Change};

/// The scheme of a target resolved by DNS.
pub(crate) const DNS_SCHEME: &str = "dns:";

/// The least time between two resolutions asked for by failed calls, however often they fail.
const MIN_GAP: Duration = Duration::from_millis(500);

/// A `dns:` target: the name and port to resolve, and the DNS server to ask (the system's when
/// none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DnsTarget {
    /// `RESOLVER:PORT` of `dns://RESOLVER:PORT/…`.
    pub(crate) resolver: Option<SocketAddr>,
    /// The name resolved, also the TLS server name and `:authority` of every replica.
    pub(crate) host: String,
    /// The port of every address.
    pub(crate) port: u16,
}

impl DnsTarget {
    /// The target of `url`; `Ok(None)` when it is no `dns:` target.
    pub(crate) fn parse(url: &str) -> Result<Option<Self>, String> {
        let Some(rest) = url.strip_prefix(DNS_SCHEME) else {
            return Ok(None);
        };
        let (authority, name) = match rest.strip_prefix("//") {
            Some(rest) => rest.split_once('/').ok_or_else(|| {
                "a dns: target is dns:///host:port or dns://RESOLVER:PORT/host:port".to_owned()
            })?,
            None => ("", rest),
        };
        let resolver = if authority.is_empty() {
            None
        } else {
            Some(resolver_addr(authority)?)
        };
        let (host, port) = name
            .rsplit_once(':')
            .filter(|(host, _)| !host.ends_with('['))
            .ok_or_else(|| format!("{name:?} has no port; write host:port"))?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{port:?} is not a port (1 to 65535)"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(['/', ' ', '@']) {
            return Err(format!("{host:?} is not a host name"));
        }
        Ok(Some(Self {
            resolver,
            host: host.to_owned(),
            port,
        }))
    }

    /// A resolver asking this target's DNS server, or the system's.
    fn resolver(&self) -> Result<TokioResolver, String> {
        let mut builder = match self.resolver {
            Some(server) => TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, Vec::new(), vec![name_server(server)]),
                TokioRuntimeProvider::default(),
            ),
            None => TokioResolver::builder_tokio()
                .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?,
        };
        // Answers are asked for again on every refresh: a cache would only hide changes.
        builder.options_mut().cache_size = 0;
        builder
            .build()
            .map_err(|e| format!("cannot set up the DNS resolver: {e}"))
    }
}

/// The DNS server at `addr`, asked over UDP and then TCP (for answers too large for UDP).
fn name_server(addr: SocketAddr) -> NameServerConfig {
    let mut server = NameServerConfig::udp_and_tcp(addr.ip());
    for connection in &mut server.connections {
        connection.port = addr.port();
    }
    server
}

/// `IP:PORT` or `IP` (port 53) of a DNS server.
fn resolver_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("the DNS server {text:?} is not IP:PORT"))
}

/// The replicas a [`Follower`] keeps current, for retries that step from one to the next.
pub(crate) type Replicas = Arc<RwLock<Vec<Channel>>>;

/// Keeps a balancer's endpoints equal to a name's addresses; ends when dropped.
#[derive(Debug)]
pub(crate) struct Follower {
    refresh: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// Starts following `target`: every address becomes an endpoint made by `endpoint`, sent to
    /// the balancer through `changes` and kept in `replicas`.
    pub(crate) fn start(
        target: DnsTarget,
        interval: Duration,
        endpoint: impl Fn(SocketAddr) -> Result<Endpoint, String> + Send + 'static,
        changes: mpsc::Sender<Change<SocketAddr, Endpoint>>,
        replicas: Replicas,
    ) -> Result<Self, String> {
        let resolver = target.resolver()?;
        let refresh = Arc::new(Notify::new());
        let task = tokio::spawn(follow(
            resolver,
            target,
            interval,
            endpoint,
            changes,
            replicas,
            refresh.clone(),
        ));
        Ok(Self { refresh, task })
    }

    /// Asks for a resolution now (a call found the service unavailable).
    pub(crate) fn refresh(&self) {
        self.refresh.notify_one();
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn follow(
    resolver: TokioResolver,
    target: DnsTarget,
    interval: Duration,
    endpoint: impl Fn(SocketAddr) -> Result<Endpoint, String>,
    changes: mpsc::Sender<Change<SocketAddr, Endpoint>>,
    replicas: Replicas,
    refresh: Arc<Notify>,
) {
    let mut current: BTreeMap<SocketAddr, Channel> = BTreeMap::new();
    let mut last_refresh = None;
    loop {
        match resolver.lookup_ip(target.host.as_str()).await {
            Ok(answer) => {
                let found: BTreeMap<SocketAddr, ()> = answer
                    .iter()
                    .map(|ip| (SocketAddr::new(ip, target.port), ()))
                    .collect();
                let gone: Vec<SocketAddr> = current
                    .keys()
                    .filter(|addr| !found.contains_key(addr))
                    .copied()
                    .collect();
                let new: Vec<SocketAddr> = found
                    .keys()
                    .filter(|addr| !current.contains_key(addr))
                    .copied()
                    .collect();
                for addr in &gone {
                    current.remove(addr);
                    if changes.send(Change::Remove(*addr)).await.is_err() {
                        return;
                    }
                }
                for addr in &new {
                    let endpoint = match endpoint(*addr) {
                        Ok(endpoint) => endpoint,
                        Err(e) => {
                            tracing::warn!(host = %target.host, %addr, "cannot use: {e}");
                            continue;
                        }
                    };
                    current.insert(*addr, endpoint.connect_lazy());
                    if changes.send(Change::Insert(*addr, endpoint)).await.is_err() {
                        return;
                    }
                }
                if !gone.is_empty() || !new.is_empty() {
                    tracing::debug!(host = %target.host, ?new, ?gone, "replicas changed");
                    *replicas.write().unwrap_or_else(PoisonError::into_inner) =
                        current.values().cloned().collect();
                }
            }
            // Keep the replicas known: a failed lookup says nothing about them.
            Err(e) => tracing::warn!(host = %target.host, "cannot resolve: {e}"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = refresh.notified() => {
                // The first failure is answered at once; a storm of them at most every MIN_GAP.
                if let Some(last) = last_refresh {
                    tokio::time::sleep_until(last + MIN_GAP).await;
                }
                last_refresh = Some(tokio::time::Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_targets_are_parsed_in_the_grpc_naming_syntax() {
        assert_eq!(DnsTarget::parse("http://a:1"), Ok(None));
        assert_eq!(
            DnsTarget::parse("dns:///forecast.example:50051"),
            Ok(Some(DnsTarget {
                resolver: None,
                host: "forecast.example".to_owned(),
                port: 50051,
            }))
        );
        assert_eq!(
            DnsTarget::parse("dns://127.0.0.1:5353/forecast.example:50051"),
            Ok(Some(DnsTarget {
                resolver: Some("127.0.0.1:5353".parse().unwrap()),
                host: "forecast.example".to_owned(),
                port: 50051,
            }))
        );
        let eight = DnsTarget::parse("dns://8.8.8.8/a.example:1")
            .unwrap()
            .unwrap();
        assert_eq!(eight.resolver, Some("8.8.8.8:53".parse().unwrap()));
        assert_eq!(
            DnsTarget::parse("dns:a.example:443").unwrap().unwrap().host,
            "a.example"
        );
        for bad in [
            "dns:///a.example",
            "dns:///a.example:0",
            "dns:///a.example:http",
            "dns:///:1",
            "dns://resolver.example/a.example:1",
            "dns://127.0.0.1:53",
        ] {
            assert!(DnsTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
