//! Response metadata every call carries: the version of the data it was answered from
//! (`llmarket-data-version`), so a caller can tell which data a figure came from and notice when
//! replicas or a reload disagree.

use tonic::Response;

use crate::data::DataVersion;

/// The response header naming the data version.
pub const DATA_VERSION_HEADER: &str = "llmarket-data-version";

/// `message` as a response that names `version` in its metadata (nothing for data built in
/// memory, which has no version). The header value is made once per data version, not per call.
pub fn versioned<T>(version: &DataVersion, message: T) -> Response<T> {
    let mut response = Response::new(message);
    if let Some(value) = version.header() {
        response
            .metadata_mut()
            .insert(DATA_VERSION_HEADER, value.clone());
    }
    response
}
