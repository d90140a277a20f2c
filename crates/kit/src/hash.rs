//! The hashing helpers of the servers: 64-bit FNV-1a (the `fnv` crate), for fingerprints that
//! must be the same on every build, platform and replica (dataset versions, vocabulary versions
//! and page-token checksums; not for secrets: anyone can compute it), and [`IdMap`], the map
//! every call looks the data's ids up in.

use std::{collections::HashMap, hash::Hasher as _};

use fnv::{FnvBuildHasher, FnvHasher};

/// A map keyed by the ids of loaded data (series, datasets, schemes, concepts, milestones),
/// looked up on every call. FNV-1a costs a fraction of the standard library's SipHash on keys
/// this short (docs/benchmarks/2026-12-07-instructions.md). SipHash's defence, against keys
/// chosen to collide, buys nothing here: a map is built once from the operator's data files and
/// only read afterwards, so a caller's name can look a key up but never add one.
pub type IdMap<V> = HashMap<String, V, FnvBuildHasher>;

/// A fingerprint built from byte strings.
///
/// Each part is followed by a separator byte that UTF-8 never holds, so `["ab", "c"]` and
/// `["a", "bc"]` differ. Numbers go in as fixed-width big-endian bytes ([`Fingerprint::number`]),
/// never through `Hash`, whose byte layout may differ between platforms.
#[derive(Default)]
pub struct Fingerprint(FnvHasher);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({:016x})", self.finish())
    }
}

impl Fingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `bytes` as one part.
    pub fn part(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        self.0.write(bytes.as_ref());
        self.0.write(&[0xff]);
        self
    }

    /// Adds `n` as one part.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.part(n.to_be_bytes())
    }

    /// The fingerprint of the parts added so far.
    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// FNV-1a of `text`'s bytes (no separator), in 16 hex digits: a data file's version.
pub fn content_hash(text: &str) -> String {
    let mut hasher = FnvHasher::default();
    hasher.write(text.as_bytes());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_is_fnv1a_and_stable() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(content_hash(""), "cbf29ce484222325");
        assert_eq!(content_hash("a"), "af63dc4c8601ec8c");
        assert_eq!(content_hash("foobar"), "85944171f73967e8");
    }

    #[test]
    fn parts_are_separated() {
        let ab_c = Fingerprint::new().part("ab").part("c").finish();
        let a_bc = Fingerprint::new().part("a").part("bc").finish();
        assert_ne!(ab_c, a_bc);
        assert_eq!(ab_c, Fingerprint::new().part("ab").part("c").finish());
        assert_ne!(
            Fingerprint::new().number(1).finish(),
            Fingerprint::new().number(256).finish()
        );
    }
}
