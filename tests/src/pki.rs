//! A test PKI made at test time with rcgen: CAs, a server certificate for `127.0.0.1` and
//! `localhost`, and client certificates with a DNS and a URI name, written as PEM files into a
//! fresh directory of their own.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering},
};

use llmarket_serving::tls::TlsFiles;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber, date_time_ymd,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// The DNS name of [`Pki::client`].
pub const CLIENT_DNS: &str = "reporting.client.test";
/// The URI name (a SPIFFE id) of [`Pki::client`].
pub const CLIENT_URI: &str = "spiffe://llmarket.test/reporting";

/// A certificate and its private key, as PEM.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The certificate.
    pub cert: String,
    /// Its private key.
    pub key: String,
    /// Its serial number, unique in the test run.
    pub serial: u64,
}

impl Leaf {
    /// This certificate as a tonic client identity.
    pub fn identity(&self) -> Identity {
        Identity::from_pem(&self.cert, &self.key)
    }
}

/// A certificate authority that issues server and client certificates.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// The CA's certificate (PEM).
    pub cert: String,
}

impl TestCa {
    /// A new self-signed CA named `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate").pem();
        Self {
            issuer: Issuer::new(params, key),
            cert,
        }
    }

    /// A server certificate for `127.0.0.1` and `localhost`.
    pub fn server(&self) -> Leaf {
        self.issue(
            vec![
                SanType::DnsName("localhost".try_into().expect("dns name")),
                SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
            ],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A server certificate for the DNS name `name` alone (no address).
    pub fn server_named(&self, name: &str) -> Leaf {
        self.issue(
            vec![SanType::DnsName(name.try_into().expect("dns name"))],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate named [`CLIENT_DNS`] and [`CLIENT_URI`].
    pub fn client(&self) -> Leaf {
        self.issue(
            vec![
                SanType::DnsName(CLIENT_DNS.try_into().expect("dns name")),
                SanType::URI(CLIENT_URI.try_into().expect("uri")),
            ],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    fn issue(&self, names: Vec<SanType>, usage: ExtendedKeyUsagePurpose) -> Leaf {
        self.leaf(names, vec![usage])
    }

    /// A certificate with the subject alternative names `names` and the extended key usages
    /// `usages` (none: the extension is left out).
    pub fn leaf(&self, names: Vec<SanType>, usages: Vec<ExtendedKeyUsagePurpose>) -> Leaf {
        static SERIALS: AtomicU64 = AtomicU64::new(1000);
        let serial = SERIALS.fetch_add(1, Ordering::Relaxed);
        let mut params = CertificateParams::default();
        params.subject_alt_names = names;
        params.extended_key_usages = usages;
        params.serial_number = Some(SerialNumber::from(serial));
        let key = KeyPair::generate().expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
            serial,
        }
    }

    /// A certificate revocation list of this CA (PEM) revoking `revoked`.
    pub fn crl(&self, revoked: &[&Leaf]) -> String {
        let params = CertificateRevocationListParams {
            this_update: date_time_ymd(2025, 1, 1),
            next_update: date_time_ymd(2035, 1, 1),
            crl_number: SerialNumber::from(1),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|leaf| RevokedCertParams {
                    serial_number: SerialNumber::from(leaf.serial),
                    revocation_time: date_time_ymd(2025, 1, 1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params
            .signed_by(&self.issuer)
            .expect("CRL")
            .pem()
            .expect("CRL as PEM")
    }
}

/// A CA with a server and a client certificate, and a client certificate from another CA, written
/// as `ca.pem`, `server.pem`/`server.key`, `client.pem`/`client.key` into [`Pki::dir`].
pub struct Pki {
    /// The directory of the files.
    pub dir: PathBuf,
    /// The CA.
    pub ca: TestCa,
    /// The server's certificate.
    pub server: Leaf,
    /// A client certificate from `ca`.
    pub client: Leaf,
    /// A client certificate from another CA, with the same names.
    pub stranger: Leaf,
}

impl Pki {
    /// A new PKI in a fresh directory named after `name` (unique per test).
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("llmarket-pki-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("pki directory");
        let ca = TestCa::new("llmarket test CA");
        let pki = Self {
            server: ca.server(),
            client: ca.client(),
            stranger: TestCa::new("another CA").client(),
            ca,
            dir,
        };
        pki.write("ca.pem", &pki.ca.cert);
        pki.write_leaf("server", &pki.server);
        pki.write_leaf("client", &pki.client);
        pki
    }

    /// Writes `text` to `name` in [`Pki::dir`]; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write pki file");
        path
    }

    /// Writes `leaf` as `{name}.pem` and `{name}.key`.
    pub fn write_leaf(&self, name: &str, leaf: &Leaf) {
        self.write(&format!("{name}.pem"), &leaf.cert);
        self.write(&format!("{name}.key"), &leaf.key);
    }

    /// The path of `name` in [`Pki::dir`].
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The server's files: TLS, and mutual TLS (client CA `ca.pem`) when `mutual`.
    pub fn server_files(&self, mutual: bool) -> TlsFiles {
        TlsFiles {
            cert: self.path("server.pem"),
            key: self.path("server.key"),
            client_ca: mutual.then(|| self.path("ca.pem")),
            client_crl: None,
        }
    }
}

/// A channel to `https://{addr}` trusting `ca_cert` (PEM), presenting `identity` if given;
/// connected, so a refused handshake fails here or at the first call.
pub async fn tls_channel(
    addr: std::net::SocketAddr,
    ca_cert: &str,
    identity: Option<&Leaf>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert));
    if let Some(identity) = identity {
        tls = tls.identity(identity.identity());
    }
    Endpoint::from_shared(format!("https://{addr}"))
        .expect("https url")
        .tls_config(tls)?
        .connect()
        .await
}
