//! Endpoints from what a user wrote: `http://` and `https://` URLs (with the TLS settings, and a
//! token kept off plaintext to other hosts), and the endpoint of each address of a `dns:` target
//! (the name as `:authority` and TLS server name).

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::{
    config::ClientConfig,
    error::{ClientError, Service},
    resolve::DnsTarget,
};

/// The `dns:` target among `urls`, if there is one; it must then be the only endpoint.
pub(crate) fn only_dns_target(
    service: Service,
    urls: &[String],
) -> Result<Option<DnsTarget>, ClientError> {
    let mut targets = Vec::new();
    for url in urls {
        let invalid = |reason: String| ClientError::InvalidEndpoint {
            service,
            url: url.clone(),
            reason,
        };
        if let Some(target) = DnsTarget::parse(url).map_err(invalid)? {
            targets.push(target);
        }
    }
    match (targets.pop(), urls.len()) {
        (None, _) => Ok(None),
        (Some(target), 1) => Ok(Some(target)),
        (Some(_), _) => Err(ClientError::InvalidEndpoint {
            service,
            url: urls.join(","),
            reason: "a dns: target names every replica; give it alone".to_owned(),
        }),
    }
}

/// Whether `dns:` targets speak TLS: when a CA or a client certificate is given (the gRPC
/// naming syntax has no scheme to say it).
fn dns_uses_tls(config: &ClientConfig) -> bool {
    config.tls.ca_cert.is_some() || config.tls.identity.is_some()
}

/// How each address of `target` becomes an endpoint: `http(s)://IP:PORT`, with the name as
/// `:authority` and as the TLS server name. Checks the settings once, here.
pub(crate) fn replica_endpoint(
    service: Service,
    target: &DnsTarget,
    config: &ClientConfig,
) -> Result<impl Fn(std::net::SocketAddr) -> Result<Endpoint, String> + Send + 'static, ClientError>
{
    let scheme = if dns_uses_tls(config) {
        "https"
    } else {
        "http"
    };
    if scheme == "http" && config.token.is_some() && !is_loopback(&target.host) {
        return Err(ClientError::InvalidEndpoint {
            service,
            url: format!("dns:///{}", authority(&target.host, target.port)),
            reason: "a token would travel in clear to another host; a dns: target speaks TLS when a CA or client certificate is given (use https:// otherwise)".to_owned(),
        });
    }
    let named = format!("{scheme}://{}", authority(&target.host, target.port));
    // The name's endpoint carries every check of an URL endpoint (token in clear, TLS files).
    endpoint(service, &named, config)?;
    let origin: tonic::codegen::http::Uri =
        named
            .parse()
            .map_err(
                |e: tonic::codegen::http::uri::InvalidUri| ClientError::InvalidEndpoint {
                    service,
                    url: named.clone(),
                    reason: e.to_string(),
                },
            )?;
    let tls = dns_uses_tls(config).then(|| tls_config(&config.tls).domain_name(&target.host));
    let connect_timeout = config.connect_timeout;
    Ok(move |addr: std::net::SocketAddr| {
        let endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| e.to_string())?
            .origin(origin.clone());
        let endpoint = match &tls {
            Some(tls) => endpoint
                .tls_config(tls.clone())
                .map_err(|e| source_chain(&e))?,
            None => endpoint,
        };
        Ok(endpoint.connect_timeout(connect_timeout).tcp_nodelay(true))
    })
}

/// `host:port`, an IPv6 address in brackets.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

pub(crate) fn endpoint(
    service: Service,
    url: &str,
    config: &ClientConfig,
) -> Result<Endpoint, ClientError> {
    let invalid = |reason: String| ClientError::InvalidEndpoint {
        service,
        url: url.to_owned(),
        reason,
    };
    let tls = url.starts_with("https://");
    if !tls && !url.starts_with("http://") {
        return Err(invalid(
            "the scheme must be http:// or https:// (or dns:///host:port for every address of a name)"
                .to_owned(),
        ));
    }
    let endpoint = Endpoint::from_shared(url.to_owned()).map_err(|e| invalid(e.to_string()))?;
    let host = endpoint.uri().host().unwrap_or_default();
    if host.is_empty() {
        return Err(invalid("the host is missing".to_owned()));
    }
    if !tls && config.token.is_some() && !is_loopback(host) {
        return Err(invalid(
            "a token would travel in clear over http:// to another host; use https://".to_owned(),
        ));
    }
    let endpoint = if tls {
        endpoint
            .tls_config(tls_config(&config.tls))
            .map_err(|e| invalid(format!("cannot use the TLS settings: {}", source_chain(&e))))?
    } else {
        endpoint
    };
    Ok(endpoint
        .connect_timeout(config.connect_timeout)
        .tcp_nodelay(true))
}

/// tonic's TLS config from ours: the CA given, else the system's roots; the client certificate
/// if given.
pub(crate) fn tls_config(settings: &crate::TlsSettings) -> ClientTlsConfig {
    let config = ClientTlsConfig::new();
    let config = match &settings.ca_cert {
        Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
        None => config.with_native_roots(),
    };
    match &settings.identity {
        Some(identity) => config.identity(Identity::from_pem(&identity.cert, &identity.key)),
        None => config,
    }
}

/// Whether `host` (as in a URI: an IPv6 address in brackets) is this machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An error and its sources, `a: b: c`.
pub(crate) fn source_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}
