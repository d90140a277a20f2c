//! What both llmarket services share, below their handlers and above nothing of the transport:
//! where their data comes from ([`data`]), who may read what ([`access`]), paging ([`paging`]),
//! the statuses and field checks of their edges ([`status`], [`fields`]), the data version each
//! reply carries ([`metadata`]), nearest names for "did you mean" ([`nearest`]) and fingerprints
//! ([`hash`]).

#![forbid(unsafe_code)]

pub mod access;
pub mod data;
pub mod fields;
pub mod hash;
pub mod metadata;
pub mod nearest;
pub mod paging;
pub mod status;
