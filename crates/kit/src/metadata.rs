//! Response metadata every call carries: the version of the data it was answered from
//! (`llmarket-data-version`), so a caller can tell which data a figure came from and notice when
//! replicas or a reload disagree; and whether the reply is worth compressing for a caller that
//! accepts gzip or zstd (replies under [`COMPRESSION_THRESHOLD`] are sent as they are).

use tonic::{Response, codec::SingleMessageCompressionOverride};

use crate::data::DataVersion;

/// The response header naming the data version.
pub const DATA_VERSION_HEADER: &str = "llmarket-data-version";

/// Encoded replies smaller than this many bytes are never compressed: a compressor costs more
/// CPU than a small reply saves in bytes (docs/adr/0002-compression-threshold.md).
pub const COMPRESSION_THRESHOLD: usize = 4096;

/// `message` as a response that names `version` in its metadata (nothing for data built in
/// memory, which has no version), sent uncompressed when it is under [`COMPRESSION_THRESHOLD`].
/// The header value is made once per data version, not per call.
pub fn versioned<T: prost::Message>(version: &DataVersion, message: T) -> Response<T> {
    let small = message.encoded_len() < COMPRESSION_THRESHOLD;
    let mut response = Response::new(message);
    if small {
        response
            .extensions_mut()
            .insert(SingleMessageCompressionOverride::Disable);
    }
    if let Some(value) = version.header() {
        response
            .metadata_mut()
            .insert(DATA_VERSION_HEADER, value.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disabled<T>(response: &Response<T>) -> bool {
        response
            .extensions()
            .get::<SingleMessageCompressionOverride>()
            == Some(&SingleMessageCompressionOverride::Disable)
    }

    #[test]
    fn only_replies_of_the_threshold_and_more_may_be_compressed() {
        let version = DataVersion::default();
        let small = versioned(&version, "x".repeat(COMPRESSION_THRESHOLD - 10));
        assert!(disabled(&small));
        let big = versioned(&version, "x".repeat(COMPRESSION_THRESHOLD));
        assert!(!disabled(&big));
    }
}
