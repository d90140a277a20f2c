//! Message compression, as the caller asks: requests compressed with gzip or zstd are accepted,
//! and a reply is compressed with the first of gzip and zstd the caller lists in its
//! `grpc-accept-encoding`, when it is at least [`llmarket_kit::metadata::COMPRESSION_THRESHOLD`] bytes
//! (smaller ones go as they are, which [`llmarket_kit::metadata::versioned`] marks). A caller that
//! lists neither gets every reply uncompressed.

/// A generated service server (`…Server::new(api)`) that accepts and sends gzip and zstd. A
/// macro, because the generated servers share no trait for it.
macro_rules! both_ways {
    ($server:expr) => {{
        use tonic::codec::CompressionEncoding::{Gzip, Zstd};
        $server
            .accept_compressed(Gzip)
            .accept_compressed(Zstd)
            .send_compressed(Gzip)
            .send_compressed(Zstd)
    }};
}
pub(super) use both_ways;
