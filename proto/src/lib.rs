//! The llmarket gRPC contracts: generated messages, clients and servers for
//! `llmarket.forecast.v2`, `llmarket.taxonomy.v2` and `llmarket.watch.v2` (and the deprecated
//! v1 packages beside them), and the encoded file descriptor set that server reflection serves.
//!
//! The `.proto` files beside this crate are the source of truth for every language. Beside the
//! generated code, this crate holds what both ends share to speak the contract: resource names,
//! the request codec, and the columns of the CSV the command exports and the server imports.

pub mod codec;
pub mod csv;
pub mod names;

/// Generated code for the `llmarket` protobuf packages, nested like the packages.
pub mod llmarket {
    /// The `llmarket.forecast` packages.
    pub mod forecast {
        /// `llmarket.forecast.v1`: the forecast service.
        #[allow(missing_docs, unreachable_pub, clippy::all)]
        pub mod v1 {
            tonic::include_proto!("llmarket.forecast.v1");
            include!(concat!(env!("OUT_DIR"), "/client/llmarket.forecast.v1.rs"));
        }
        /// `llmarket.forecast.v2`: the forecast service, contract v2 (editions).
        #[allow(missing_docs, unreachable_pub, clippy::all)]
        pub mod v2 {
            tonic::include_proto!("llmarket.forecast.v2");
            include!(concat!(env!("OUT_DIR"), "/client/llmarket.forecast.v2.rs"));
        }
    }
    /// The `llmarket.taxonomy` packages.
    pub mod taxonomy {
        /// `llmarket.taxonomy.v1`: the taxonomy service.
        #[allow(missing_docs, unreachable_pub, clippy::all)]
        pub mod v1 {
            tonic::include_proto!("llmarket.taxonomy.v1");
            include!(concat!(env!("OUT_DIR"), "/client/llmarket.taxonomy.v1.rs"));
        }
        /// `llmarket.taxonomy.v2`: the taxonomy service, contract v2 (names under datasets).
        #[allow(missing_docs, unreachable_pub, clippy::all)]
        pub mod v2 {
            tonic::include_proto!("llmarket.taxonomy.v2");
            include!(concat!(env!("OUT_DIR"), "/client/llmarket.taxonomy.v2.rs"));
        }
    }
    /// The `llmarket.watch` packages.
    pub mod watch {
        /// `llmarket.watch.v2`: streamed changes of the served data.
        #[allow(missing_docs, unreachable_pub, clippy::all)]
        pub mod v2 {
            tonic::include_proto!("llmarket.watch.v2");
            include!(concat!(env!("OUT_DIR"), "/client/llmarket.watch.v2.rs"));
        }
    }
}

/// Generated code for the vendored googleapis packages the v2 contracts import.
#[allow(missing_docs, unreachable_pub, clippy::all)]
pub mod google {
    /// `google.api`: resource and field-behavior annotations.
    pub mod api {
        tonic::include_proto!("google.api");
    }
    /// `google.type`: common types (`Date`).
    pub mod r#type {
        tonic::include_proto!("google.r#type");
    }
}

pub use llmarket::forecast::v1 as forecast;
pub use llmarket::taxonomy::v1 as taxonomy;

/// The encoded `FileDescriptorSet` of every llmarket `.proto` file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/llmarket_descriptor.bin"));

/// Fully qualified name of the forecast service.
pub const FORECAST_SERVICE_NAME: &str = "llmarket.forecast.v1.ForecastService";
/// Fully qualified name of the taxonomy service.
pub const TAXONOMY_SERVICE_NAME: &str = "llmarket.taxonomy.v1.TaxonomyService";

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    #[test]
    fn descriptor_set_decodes_and_holds_both_services() {
        let fds = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)
            .expect("descriptor set decodes");
        let services: Vec<String> = fds
            .file
            .iter()
            .flat_map(|file| {
                let package = file.package().to_owned();
                file.service
                    .iter()
                    .map(move |service| format!("{package}.{}", service.name()))
            })
            .collect();
        assert!(
            services.iter().any(|s| s == FORECAST_SERVICE_NAME),
            "{services:?}"
        );
        assert!(
            services.iter().any(|s| s == TAXONOMY_SERVICE_NAME),
            "{services:?}"
        );
    }

    /// Contract v1 is deprecated (removed in 0.4.0) and says so to generated clients and to
    /// reflection; v2 is not.
    #[test]
    fn v1_services_and_only_they_are_deprecated() {
        let fds = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)
            .expect("descriptor set decodes");
        let llmarket_services = fds
            .file
            .iter()
            .filter(|file| file.package().starts_with("llmarket."))
            .flat_map(|file| {
                file.service.iter().map(move |service| {
                    (
                        format!("{}.{}", file.package(), service.name()),
                        service.options.as_ref().is_some_and(|o| o.deprecated()),
                    )
                })
            });
        let mut seen = 0;
        for (name, deprecated) in llmarket_services {
            seen += 1;
            assert_eq!(deprecated, name.contains(".v1."), "{name}");
        }
        assert!(seen >= 5, "two v1 and three v2 services, saw {seen}");
    }

    #[test]
    fn service_names_match_generated_code() {
        use forecast::forecast_service_server::SERVICE_NAME as FORECAST;
        use taxonomy::taxonomy_service_server::SERVICE_NAME as TAXONOMY;
        assert_eq!(FORECAST, FORECAST_SERVICE_NAME);
        assert_eq!(TAXONOMY, TAXONOMY_SERVICE_NAME);
    }
}
