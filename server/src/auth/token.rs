//! Bearer tokens: made from 32 bytes of the OS random source (256 bits, written base64url without
//! padding), kept only as their SHA-256 digest (`sha256:` and 64 hex digits in the principals
//! file), and compared digest to digest in constant time.

use std::hash::{Hash, Hasher};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// How a token digest is written in a principals file: this prefix, then 64 lowercase hex digits.
pub const DIGEST_PREFIX: &str = "sha256:";

/// Random bytes in a new token.
pub const TOKEN_BYTES: usize = 32;

/// The SHA-256 digest of a bearer token. Equality runs in constant time, so comparing a
/// presented token against a stored one tells nothing through timing. (A lookup by digest
/// may take a time that depends on the digest, but the digest of a guess says nothing
/// about a stored token's digest or the token itself.)
#[derive(Clone, Copy)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest of `token` as a caller presents it.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Parses `sha256:` and 64 lowercase hex digits.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{:?} is not a token digest; valid is {DIGEST_PREFIX} and 64 lowercase hex digits, as `llmarket-server token new` prints",
                llmarket_kit::status::shorten(text, 80)
            )
        };
        let digits = text.strip_prefix(DIGEST_PREFIX).ok_or_else(bad)?;
        // Lowercase only, as `token new` writes it: one spelling per digest.
        if digits.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let mut bytes = [0; 32];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| bad())?;
        Ok(Self(bytes))
    }
}

impl PartialEq for TokenDigest {
    fn eq(&self, other: &Self) -> bool {
        // Every byte is compared whatever the earlier ones were.
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for TokenDigest {}

impl Hash for TokenDigest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The digest is already uniform: its first eight bytes spread the buckets.
        state.write(&self.0[..8]);
    }
}

impl std::fmt::Display for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(DIGEST_PREFIX)?;
        f.write_str(&hex::encode(self.0))
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A new random token (43 URL-safe characters) from the OS random source.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_tokens_are_url_safe_long_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn a_digest_round_trips_through_its_written_form() {
        let digest = TokenDigest::of("secret");
        let written = digest.to_string();
        assert_eq!(
            written,
            "sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
        );
        assert_eq!(TokenDigest::parse(&written).unwrap(), digest);
        assert_ne!(TokenDigest::of("secret2"), digest);
    }

    #[test]
    fn malformed_digests_are_refused() {
        let good = TokenDigest::of("x").to_string();
        for bad in [
            "",
            "secret",
            &good[DIGEST_PREFIX.len()..],
            &good[..good.len() - 1],
            &format!("{good}0"),
            &good.to_uppercase(),
            &format!(
                "{DIGEST_PREFIX}{}",
                good[DIGEST_PREFIX.len()..].to_uppercase()
            ),
            &format!("sha1:{}", &good[DIGEST_PREFIX.len()..]),
            &good.replace('a', "g"),
        ] {
            let error = TokenDigest::parse(bad).unwrap_err();
            assert!(error.contains("64 lowercase hex digits"), "{bad}: {error}");
        }
    }
}
