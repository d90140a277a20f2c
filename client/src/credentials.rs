//! What the client trusts and presents: TLS for `https://` endpoints (the CA that signed the
//! servers' certificates, and a client certificate for mutual TLS) and a bearer token sent as
//! `authorization: Bearer …` on every call. Neither the token nor the key is ever shown by
//! `Debug`.

use std::fmt;

use tonic::metadata::{Ascii, MetadataValue};

use crate::error::ClientError;

/// TLS settings of `https://` endpoints (`http://` ones ignore them).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM of the CA certificate(s) that signed the servers' certificates; without it, the
    /// system's trusted roots.
    pub ca_cert: Option<String>,
    /// For servers that require mutual TLS: the client certificate and its key.
    pub identity: Option<ClientIdentity>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca_cert", &self.ca_cert.as_ref().map(|_| "PEM"))
            .field("identity", &self.identity)
            .finish()
    }
}

/// A client certificate and its private key (PEM), for mutual TLS.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The certificate chain (PEM), leaf first.
    pub cert: String,
    /// The certificate's private key (PEM).
    pub key: String,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity { cert: PEM, key: <hidden> }")
    }
}

/// A bearer token, sent as `authorization: Bearer {token}` on every call.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(MetadataValue<Ascii>);

impl BearerToken {
    /// The token `text`, surrounding whitespace (e.g. a file's last newline) removed. It must be
    /// non-empty visible ASCII; the error never repeats it.
    pub fn new(text: &str) -> Result<Self, ClientError> {
        let token = text.trim();
        let invalid = |reason: &str| ClientError::InvalidArgument {
            argument: "token",
            reason: reason.to_owned(),
        };
        if token.is_empty() {
            return Err(invalid("the token is empty"));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "the token holds spaces or characters that are not visible ASCII; \
                 expected one word such as the one `llmarket-server token new` prints",
            ));
        }
        let mut value = MetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|_| invalid("the token cannot be sent as a header"))?;
        value.set_sensitive(true);
        Ok(Self(value))
    }

    /// The `authorization` header value.
    pub(crate) fn header(&self) -> &MetadataValue<Ascii> {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_trimmed_checked_and_never_shown() {
        let token = BearerToken::new("  abc_DEF-123\n").unwrap();
        assert_eq!(token.header().to_str().unwrap(), "Bearer abc_DEF-123");
        assert_eq!(format!("{token:?}"), "BearerToken(<hidden>)");
        for bad in ["", " \n", "two words", "caf\u{e9}"] {
            let error = BearerToken::new(bad).unwrap_err().to_string();
            assert!(error.contains("invalid argument token"), "{error}");
            assert!(
                bad.trim().is_empty() || !error.contains(bad.trim()),
                "{error}"
            );
        }
        let identity = ClientIdentity {
            cert: "CERT".to_owned(),
            key: "SECRET".to_owned(),
        };
        assert!(!format!("{identity:?}").contains("SECRET"));
    }
}
