//! Who may read what: the authenticated [`Caller`] of a call, its [`Principal`]'s [`Grants`] and
//! [`Quota`], the checks each handler makes with [`Access`], and the [`audit`] line every
//! refusal writes. The principals file and the authentication layer that put a [`Caller`] into a
//! request live in the server binary; without them there is no [`Caller`] and every call may
//! read everything.

#[allow(clippy::module_inception)]
mod access;
pub mod audit;
mod caller;
mod grants;
pub mod log_limit;
mod principal;
mod quota;

pub use self::{
    access::Access,
    caller::Caller,
    grants::{GRANT_FORMS, Grant, Grants},
    principal::Principal,
    quota::Quota,
};
