//! Access control: who is calling (a principal from the principals file, by bearer token or
//! client certificate), what it may read (its grants), and how fast (its quota).
//!
//! The pieces, in the order a call meets them:
//! - [`principals`]: the `--auth-file`, validated whole at load and swapped whole on SIGHUP
//!   ([`reload`]); a bad new file keeps the old one;
//! - the authentication layer ([`layer`]): credentials → a [`Caller`] in the request's
//!   extensions, or UNAUTHENTICATED; the quota → RESOURCE_EXHAUSTED;
//! - [`Access`] (in `llmarket-kit`), read by each handler from its request: a resource outside
//!   the caller's [`Grants`] → PERMISSION_DENIED, and lists keep only what the caller may read;
//! - [`audit`]: every refusal is one log line (target `llmarket::audit`), never with a token.
//!
//! Without an auth file there is no layer and no [`Caller`]: every call may read everything.

pub mod layer;
pub mod principal_calls;
pub mod principals;
pub mod recheck;
pub mod token;

use std::{path::Path, sync::Arc};

use arc_swap::ArcSwap;

pub use llmarket_kit::access::{Access, Caller, Grant, Grants, Principal, Quota, audit};
use llmarket_kit::data::LoadError;

pub use self::{
    layer::{AuthenticateLayer, Reflection},
    principals::{Principals, Unauthenticated},
};

/// The principals in force, shared by the layer and swapped whole by [`reload`].
pub type SharedPrincipals = Arc<ArcSwap<Principals>>;

/// Reads the principals file at `path` for the first time.
pub fn load(path: &Path) -> Result<SharedPrincipals, LoadError> {
    Ok(Arc::new(ArcSwap::from_pointee(Principals::load(path)?)))
}

/// Reads the principals file at `path` again and swaps it in whole; on an error, `shared` keeps
/// the principals it had (the caller logs the error). A revoked token stops working with the
/// next call after this returns. A principal whose entry did not change keeps its quota bucket
/// ([`Principals::keep_unchanged`]); a changed or new one starts with a full bucket.
pub fn reload(path: &Path, shared: &SharedPrincipals) -> Result<usize, LoadError> {
    let mut principals = Principals::load(path)?;
    principals.keep_unchanged(&shared.load());
    let count = principals.iter().count();
    shared.store(Arc::new(principals));
    Ok(count)
}
