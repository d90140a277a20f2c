//! TLS for our accept loop (rustls with the `ring` provider): the server's certificate and key,
//! and for mutual TLS the CA a client's certificate must be signed by. The rustls config is held
//! in a [`watch`] channel, so [`ServerTls::reload`] (SIGHUP) swaps in new files without a
//! restart; connections already open keep the config they were accepted with, but a mutual-TLS
//! connection whose client certificate no longer verifies against the new client CA and CRLs
//! is told so (`ServerTls::until_unverified`) and closed.
//!
//! With mutual TLS a client certificate must carry the clientAuth extended key usage: a
//! certificate without EKUs, or one for servers only, is refused in the handshake, so a server
//! certificate from the same CA does not log in as a client.

use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme,
    client::danger::HandshakeSignatureValid,
    crypto::{CryptoProvider, ring},
    server::{
        ServerConnection, WebPkiClientVerifier,
        danger::{ClientCertVerified, ClientCertVerifier},
    },
};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime, pem::PemObject as _,
};
use tokio::{net::TcpStream, sync::watch};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

/// Default `--tls-handshake-timeout`: how long a client may take to finish the TLS handshake;
/// one that never does holds its connection slot no longer than this.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the TLS material is read from (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain, leaf first.
    pub cert: PathBuf,
    /// The server certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// With mutual TLS: the CA certificate(s) a client's certificate must be signed by.
    pub client_ca: Option<PathBuf>,
    /// With mutual TLS: certificate revocation lists (PEM) of the client CA; a client
    /// certificate they list is refused.
    pub client_crl: Option<PathBuf>,
}

/// Why the TLS material cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read the {what} {path}: {source}")]
    Read {
        /// Which file (`TLS certificate`, `TLS key`, `client CA`).
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The read error.
        source: io::Error,
    },
    /// A file is not the PEM expected.
    #[error("the {what} {path} {problem}")]
    Pem {
        /// Which file.
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// What is wrong and what would be valid.
        problem: String,
    },
    /// rustls refused the combination (e.g. a key that does not match the certificate).
    #[error("cannot use the TLS certificate {cert} with the key {key}: {source}")]
    Config {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls found wrong.
        source: rustls::Error,
    },
    /// The client CA cannot verify client certificates.
    #[error("cannot verify client certificates with the client CA {path}: {reason}")]
    ClientCa {
        /// The client CA file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl TlsError {
    /// The exit code at start: 74 for a file that cannot be read, 65 for one that holds the
    /// wrong thing.
    pub fn exit_code(&self) -> sysexits::ExitCode {
        match self {
            Self::Read { .. } => sysexits::ExitCode::IoErr,
            Self::Pem { .. } | Self::Config { .. } | Self::ClientCa { .. } => {
                sysexits::ExitCode::DataErr
            }
        }
    }
}

/// A config read from the files, with its client certificate verifier (mutual TLS).
struct Loaded {
    config: Arc<ServerConfig>,
    verifier: Option<Arc<dyn ClientCertVerifier>>,
}

/// The server's TLS: its files and the rustls config last read from them. Cheap to clone; the
/// clones share the config, so a reload reaches every listener.
#[derive(Clone)]
pub struct ServerTls {
    files: Arc<TlsFiles>,
    current: Arc<watch::Sender<Arc<Loaded>>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads `files` and builds the config (ALPN `h2`; client certificates required when
    /// `files.client_ca` is given).
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let loaded = build(&files)?;
        Ok(Self {
            files: Arc::new(files),
            current: Arc::new(watch::Sender::new(Arc::new(loaded))),
        })
    }

    /// Reads the files again and swaps the new config in for new connections, and for the
    /// mutual-TLS connections open to check their client certificates against. On an error the
    /// config in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let loaded = build(&self.files)?;
        self.current.send_replace(Arc::new(loaded));
        Ok(())
    }

    /// Whether clients must present a certificate signed by the client CA.
    pub fn mutual(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// The files this config is read from.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// An acceptor with the current config.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.borrow().config.clone())
    }

    /// Completes once a reload brings a client CA or CRL that the client certificate `chain`
    /// (leaf first, as the handshake received it) no longer verifies against; never without
    /// mutual TLS or a chain.
    pub(crate) async fn until_unverified(&self, chain: Vec<CertificateDer<'static>>) {
        let mut current = self.current.subscribe();
        current.borrow_and_update();
        let Some((leaf, intermediates)) = chain.split_first() else {
            return std::future::pending().await;
        };
        while current.changed().await.is_ok() {
            let verifier = current.borrow_and_update().verifier.clone();
            let Some(verifier) = verifier else { continue };
            if let Err(e) = verifier.verify_client_cert(leaf, intermediates, UnixTime::now()) {
                tracing::debug!("the client certificate no longer verifies: {e}");
                return;
            }
        }
        std::future::pending().await
    }
}

/// How long a connection whose handshake failed is kept, at most, for its peer to read our alert.
const LINGER: Duration = Duration::from_secs(1);

/// Runs the server side of the handshake on `stream`, within `timeout`.
pub(crate) async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
) -> io::Result<TlsStream<TcpStream>> {
    let accept = acceptor.accept(stream).into_fallible();
    match tokio::time::timeout(timeout, accept).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err((error, stream))) => {
            linger(stream).await;
            Err(error)
        }
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no TLS handshake within {timeout:?}"),
        )),
    }
}

/// Closes a connection whose handshake failed so that its peer reads our alert (e.g. "certificate
/// required"): FIN, then what the peer already sent is read and dropped. With TLS 1.3 a client
/// sends its first request before the server has checked its certificate; closing with that
/// unread would send a reset, which can destroy the alert before the client reads it.
async fn linger(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buffer = [0u8; 4096];
        while let Ok(1..) = stream.read(&mut buffer).await {}
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// The DNS and URI subject alternative names of the client certificate the handshake verified,
/// typed as the auth file writes them (`dns:…`, `uri:…`; none without mutual TLS), so a URI
/// name never matches an entry for a DNS name or the other way round.
pub(crate) fn certificate_names(connection: &ServerConnection) -> Vec<String> {
    let Some(leaf) = connection.peer_certificates().and_then(<[_]>::first) else {
        return Vec::new();
    };
    match webpki::EndEntityCert::try_from(leaf) {
        Ok(cert) => cert
            .valid_dns_names()
            .map(|name| format!("dns:{name}"))
            .chain(cert.valid_uri_names().map(|name| format!("uri:{name}")))
            .collect(),
        Err(e) => {
            // rustls parsed it to verify it, so this does not happen; a caller without names
            // is only as trusted as an anonymous one.
            tracing::warn!("cannot read the names of a verified client certificate: {e:?}");
            Vec::new()
        }
    }
}

/// The DER value of the clientAuth key purpose, id-kp-clientAuth (1.3.6.1.5.5.7.3.2).
const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// rustls's verifier of client certificates, which takes a certificate without any extended key
/// usage as fit for any purpose (RFC 5280), and then the clientAuth usage required: a client
/// certificate must say it is one.
#[derive(Debug)]
struct ClientAuthRequired {
    inner: Arc<dyn ClientCertVerifier>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ClientAuthRequired {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        cert.verify_for_usage(
            self.provider.signature_verification_algorithms.all,
            &self.roots.roots,
            intermediates,
            now,
            webpki::KeyUsage::required(EKU_CLIENT_AUTH),
            None,
            None,
        )
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::InvalidPurpose))?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn build(files: &TlsFiles) -> Result<Loaded, TlsError> {
    let mut client_verifier = None;
    let chain = certificates(&files.cert, "TLS certificate")?;
    let key = private_key(&files.key)?;
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|source| TlsError::Config {
            cert: files.cert.clone(),
            key: files.key.clone(),
            source,
        })?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates(path, "client CA")? {
                roots.add(ca).map_err(|e| TlsError::ClientCa {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            }
            let roots = Arc::new(roots);
            let crls = match &files.client_crl {
                Some(crl) => revocation_lists(crl)?,
                None => Vec::new(),
            };
            let inner =
                WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .with_crls(crls)
                    .build()
                    .map_err(|e| TlsError::ClientCa {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
            let verifier: Arc<dyn ClientCertVerifier> = Arc::new(ClientAuthRequired {
                inner,
                roots,
                provider,
            });
            client_verifier = Some(verifier.clone());
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|source| TlsError::Config {
            cert: files.cert.clone(),
            key: files.key.clone(),
            source,
        })?;
    // h2 first (gRPC); HTTP/1.1 for gRPC-Web from clients that offer only it.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Loaded {
        config: Arc::new(config),
        verifier: client_verifier,
    })
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Every certificate of a PEM file; at least one.
fn certificates(path: &Path, what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path, what)?;
    let bad = |problem: String| TlsError::Pem {
        what,
        path: path.to_owned(),
        problem,
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad(
            "holds no certificate; expected PEM with `-----BEGIN CERTIFICATE-----`".to_owned(),
        ));
    }
    Ok(certs)
}

/// Every certificate revocation list of a PEM file; at least one.
fn revocation_lists(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    const WHAT: &str = "client CRL";
    let pem = read(path, WHAT)?;
    let bad = |problem: String| TlsError::Pem {
        what: WHAT,
        path: path.to_owned(),
        problem,
    };
    let crls = CertificateRevocationListDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("is not valid PEM: {e}")))?;
    if crls.is_empty() {
        return Err(bad(
            "holds no revocation list; expected PEM with `-----BEGIN X509 CRL-----`".to_owned(),
        ));
    }
    Ok(crls)
}

/// Reads the server's private key; warns (without refusing: a Kubernetes Secret's files are
/// 0644 unless its `defaultMode` says otherwise) when every user may read it.
fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    const WHAT: &str = "TLS key";
    let pem = read(path, WHAT)?;
    if let Some(mode) = crate::file_mode::world_readable(path) {
        tracing::warn!(
            "the TLS key {} is readable by every user (mode {mode:04o}); make it readable by its owner only (`chmod 600 {}`)",
            path.display(),
            path.display()
        );
    }
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Pem {
        what: WHAT,
        path: path.to_owned(),
        problem: format!(
            "holds no usable private key ({e}); expected PEM with `-----BEGIN PRIVATE KEY-----` \
             (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("llmarket-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn self_signed(name: &str) -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    }

    #[test]
    fn a_good_pair_loads_and_a_bad_reload_keeps_the_old_config() {
        let dir = temp_dir("reload");
        let (cert, key) = self_signed("localhost");
        let files = TlsFiles {
            cert: write(&dir, "cert.pem", &cert),
            key: write(&dir, "key.pem", &key),
            client_ca: None,
            client_crl: None,
        };
        let tls = ServerTls::load(files.clone()).unwrap();
        assert!(!tls.mutual());
        let before = tls.current.borrow().config.clone();
        assert_eq!(
            before.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );

        write(&dir, "cert.pem", "not pem");
        let error = tls.reload().unwrap_err();
        assert!(
            error.to_string().contains("holds no certificate"),
            "{error}"
        );
        assert_eq!(error.exit_code(), sysexits::ExitCode::DataErr);
        assert!(Arc::ptr_eq(&before, &tls.current.borrow().config));

        write(&dir, "cert.pem", &cert);
        tls.reload().unwrap();
        assert!(!Arc::ptr_eq(&before, &tls.current.borrow().config));
    }

    #[test]
    fn mismatched_missing_and_wrong_files_name_what_is_at_fault() {
        let dir = temp_dir("errors");
        let (cert, _) = self_signed("a.test");
        let (_, other_key) = self_signed("b.test");
        let files = TlsFiles {
            cert: write(&dir, "cert.pem", &cert),
            key: write(&dir, "key.pem", &other_key),
            client_ca: None,
            client_crl: None,
        };
        let error = ServerTls::load(files.clone()).unwrap_err();
        assert!(matches!(error, TlsError::Config { .. }), "{error}");

        let missing = TlsFiles {
            key: dir.join("no-such-key.pem"),
            ..files.clone()
        };
        let error = ServerTls::load(missing).unwrap_err();
        assert_eq!(error.exit_code(), sysexits::ExitCode::IoErr);
        assert!(error.to_string().contains("no-such-key.pem"), "{error}");

        let cert_as_key = TlsFiles {
            key: files.cert.clone(),
            ..files.clone()
        };
        let error = ServerTls::load(cert_as_key).unwrap_err();
        assert!(
            error.to_string().contains("no usable private key"),
            "{error}"
        );

        let key_as_ca = TlsFiles {
            client_ca: Some(files.key.clone()),
            ..files
        };
        let error = ServerTls::load(key_as_ca).unwrap_err();
        assert!(error.to_string().contains("client CA"), "{error}");
    }
}
