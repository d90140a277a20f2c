//! The authenticated caller of one call, as the authentication layer leaves it in the request's
//! extensions for the services' grant checks and the access log.

use std::{net::SocketAddr, sync::Arc};

use super::principal::Principal;

/// The authenticated caller of one call, put into its request's extensions by the
/// authentication layer.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who is calling.
    pub principal: Arc<Principal>,
    /// The gRPC method, e.g. `/llmarket.forecast.v1.ForecastService/GetSeries`.
    pub method: Arc<str>,
    /// The caller's address, when the transport has one.
    pub peer: Option<SocketAddr>,
}

#[cfg(any(test, feature = "testing"))]
impl Caller {
    /// A caller `p` of method `/m` holding `grants` (each parsed, or a panic): for tests.
    pub fn granted(grants: &[&str]) -> Self {
        Self {
            principal: Arc::new(Principal::new(
                "p".into(),
                grants
                    .iter()
                    .map(|g| super::Grant::parse(g).unwrap())
                    .collect(),
                None,
            )),
            method: "/m".into(),
            peer: None,
        }
    }
}
