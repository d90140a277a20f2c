//! AIP-158 pagination shared by every List and Search method.
//!
//! `page_size` 0 means [`DEFAULT_PAGE_SIZE`]; sizes above [`MAX_PAGE_SIZE`] are coerced down; a
//! negative size is INVALID_ARGUMENT. A page token is opaque to callers and carries a checksum
//! over its content and the request's other fields, so a token that was cut, mistyped, or reused
//! with different filters is INVALID_ARGUMENT.
//!
//! The checksum is unkeyed: it guards against accidents, not forgery. Anyone who reads this code
//! can make a valid token for any cursor, and that is harmless by design: a token only says where
//! a list resumes (a name, or an offset and a data version), every page is still filtered by the
//! caller's grants, and a forged cursor can only start a page at a place the caller could reach
//! by paging. Nothing secret or trusted may be put in a token.
//!
//! Tokens survive a reload of the data (SIGHUP) and a move to another replica:
//! - a list in a fixed order carries the key (name) of the last item returned, and the next page
//!   starts after that key in the data as it is then, so items added or removed elsewhere are
//!   neither skipped nor repeated ([`PageRequest::sorted`] for lists sorted by their key,
//!   [`PageRequest::listed`] for lists in an order of their own, such as vocabulary order);
//! - a list whose order depends on the data (search results) carries an offset and the data
//!   version it was cut from, and a token from another data version is INVALID_ARGUMENT "the
//!   data changed; start again" ([`PageRequest::ranked`]).
//!
//! Tokens carry no per-process secret, so any replica with the same data accepts a token
//! another replica issued.

use tonic::Status;

use crate::{hash::Fingerprint, status::invalid_argument};

/// Page size used when a request asks for 0.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest page size served; larger requests are coerced to it.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Longest key a keyset token may carry, in bytes (ids are at most 63).
const MAX_KEY_LEN: usize = 256;
/// Hex digits of a token's checksum.
const CHECKSUM_LEN: usize = 16;
/// Tag of a token that carries the last key returned.
const AFTER: char = 'a';
/// Tag of a token that carries an offset and a data version.
const RANKED: char = 'r';

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    /// The first page.
    Start,
    /// After the item with this key.
    After(String),
    /// At `offset` of the list cut from data version `version`.
    Ranked { offset: u64, version: u64 },
}

/// The page of a result list that one request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Most items the page may hold.
    pub size: usize,
    /// Where the page starts.
    cursor: Cursor,
    /// Checksum of the request's other fields; tokens are bound to it.
    scope: u64,
}

impl PageRequest {
    /// Validates `page_size` and `page_token` for a request whose other fields are `scope`
    /// (the method name first, then every filter field, so a token is bound to all of them).
    pub fn new(page_size: i32, page_token: &str, scope: &[&str]) -> Result<Self, Status> {
        Self::with_default(DEFAULT_PAGE_SIZE, page_size, page_token, scope)
    }

    /// [`PageRequest::new`] for a method whose `page_size` 0 means `default` items.
    pub fn with_default(
        default: usize,
        page_size: i32,
        page_token: &str,
        scope: &[&str],
    ) -> Result<Self, Status> {
        let size = match usize::try_from(page_size) {
            Err(_) => {
                return Err(invalid_argument(
                    "page_size",
                    format!(
                        "{page_size} is negative; use 0 for the default ({default}) or up to {MAX_PAGE_SIZE}"
                    ),
                ));
            }
            Ok(0) => default,
            Ok(n) => n.min(MAX_PAGE_SIZE),
        };
        let mut hash = Fingerprint::new();
        for part in scope {
            hash.part(part);
        }
        let scope = hash.finish();
        let cursor = if page_token.is_empty() {
            Cursor::Start
        } else {
            decode(page_token, scope).ok_or_else(bad_token)?
        };
        Ok(Self {
            size,
            cursor,
            scope,
        })
    }

    /// This page of `items`, which are in ascending order of `key` (each key once), and the
    /// `next_page_token`: the page starts after the token's key wherever that now falls, even if
    /// the item itself is gone.
    pub fn sorted<'a, T, K: AsRef<str>>(
        &self,
        items: &'a [T],
        key: impl Fn(&'a T) -> K,
    ) -> Result<(&'a [T], String), Status> {
        let mut start = 0;
        if let Some(after) = self.after()? {
            // `partition_point`, written out because `key` takes items of lifetime `'a`.
            let mut end = items.len();
            while start < end {
                let middle = start + (end - start) / 2;
                if key(&items[middle]).as_ref() <= after {
                    start = middle + 1;
                } else {
                    end = middle;
                }
            }
        }
        Ok(self.after_keys(items, start, key))
    }

    /// This page of `items`, which are in an order of their own (not the order of `key`; each
    /// key once), and the `next_page_token`: the page starts after the item with the token's
    /// key. If that item is gone, the data changed under the caller: INVALID_ARGUMENT.
    pub fn listed<'a, T, K: AsRef<str>>(
        &self,
        items: &'a [T],
        key: impl Fn(&'a T) -> K,
    ) -> Result<(&'a [T], String), Status> {
        let start = match self.after()? {
            None => 0,
            Some(after) => {
                let at = items.iter().position(|item| key(item).as_ref() == after);
                at.ok_or_else(data_changed)? + 1
            }
        };
        Ok(self.after_keys(items, start, key))
    }

    /// This page of `items`, whose order depends on the data of `version`, and the
    /// `next_page_token`. A token cut from another version is INVALID_ARGUMENT.
    pub fn ranked<'a, T>(&self, items: &'a [T], version: u64) -> Result<(&'a [T], String), Status> {
        let (page, end) = self.cut(items, self.ranked_start(version)?);
        Ok((page, self.ranked_next(end, items.len(), version)))
    }

    /// Where this page of a list whose order depends on the data of `version` starts, for a
    /// list that is not built whole ([`PageRequest::ranked`] for one that is): the page is
    /// `start..start + self.size` of it. A token cut from another version is INVALID_ARGUMENT.
    pub fn ranked_start(&self, version: u64) -> Result<usize, Status> {
        match self.cursor {
            Cursor::Start => Ok(0),
            Cursor::Ranked { offset, version: v } if v == version => {
                Ok(usize::try_from(offset).unwrap_or(usize::MAX))
            }
            Cursor::Ranked { .. } => Err(data_changed()),
            Cursor::After(_) => Err(bad_token()),
        }
    }

    /// The `next_page_token` after a page of a list of `total` items (data `version`) that
    /// ended at `end`: empty when nothing follows.
    pub fn ranked_next(&self, end: usize, total: usize, version: u64) -> String {
        if end < total {
            encode(
                &Cursor::Ranked {
                    offset: end as u64,
                    version,
                },
                self.scope,
            )
        } else {
            String::new()
        }
    }

    /// The key the page starts after (`None` on the first page); a ranked token is not one.
    fn after(&self) -> Result<Option<&str>, Status> {
        match &self.cursor {
            Cursor::Start => Ok(None),
            Cursor::After(after) => Ok(Some(after)),
            Cursor::Ranked { .. } => Err(bad_token()),
        }
    }

    /// The page from `start`, with a token carrying the key of its last item.
    fn after_keys<'a, T, K: AsRef<str>>(
        &self,
        items: &'a [T],
        start: usize,
        key: impl Fn(&'a T) -> K,
    ) -> (&'a [T], String) {
        let (page, end) = self.cut(items, start);
        let next = match page.last() {
            Some(last) if end < items.len() => {
                encode(&Cursor::After(key(last).as_ref().to_owned()), self.scope)
            }
            _ => String::new(),
        };
        (page, next)
    }

    /// The page of `items` from `start` and the index after it.
    fn cut<'a, T>(&self, items: &'a [T], start: usize) -> (&'a [T], usize) {
        let start = start.min(items.len());
        let end = start.saturating_add(self.size).min(items.len());
        (&items[start..end], end)
    }
}

/// The token is not one this service issued for this request.
fn bad_token() -> Status {
    invalid_argument(
        "page_token",
        "is not a token this service issued for this request; pass the next_page_token of the \
         previous page unchanged, with the same other fields",
    )
}

/// The data a token was cut from is no longer served.
fn data_changed() -> Status {
    invalid_argument(
        "page_token",
        "the data changed; start again from the first page, without a page_token",
    )
}

/// The checksum binding a token's `tag` and `payload` to the request's `scope`: unkeyed, so it
/// catches accidents (a cut or mistyped token, one reused with other filters), not forgery.
fn checksum(tag: char, payload: &str, scope: u64) -> u64 {
    Fingerprint::new()
        .part("llmarket-page-v2")
        .part(tag.to_string())
        .part(payload)
        .number(scope)
        .finish()
}

/// `{tag}{payload in hex}{checksum}`.
fn encode(cursor: &Cursor, scope: u64) -> String {
    let (tag, payload) = match cursor {
        Cursor::Start => return String::new(),
        Cursor::After(key) => (AFTER, key.bytes().map(|b| format!("{b:02x}")).collect()),
        Cursor::Ranked { offset, version } => (RANKED, format!("{offset:016x}{version:016x}")),
    };
    format!("{tag}{payload}{:016x}", checksum(tag, &payload, scope))
}

/// The cursor of `token`, if this service issued it for `scope`.
fn decode(token: &str, scope: u64) -> Option<Cursor> {
    if token.len() > 1 + 2 * MAX_KEY_LEN + CHECKSUM_LEN || !token.is_ascii() {
        return None;
    }
    let tag = token.chars().next()?;
    let (payload, sum) = token
        .get(1..)?
        .split_at_checked(token.len().checked_sub(1 + CHECKSUM_LEN)?)?;
    if !token[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if u64::from_str_radix(sum, 16).ok()? != checksum(tag, payload, scope) {
        return None;
    }
    match tag {
        AFTER => {
            let bytes = (0..payload.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(payload.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            String::from_utf8(bytes).ok().map(Cursor::After)
        }
        RANKED if payload.len() == 32 => Some(Cursor::Ranked {
            offset: u64::from_str_radix(&payload[..16], 16).ok()?,
            version: u64::from_str_radix(&payload[16..], 16).ok()?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    /// Walks a list through `page` with pages of `size`, calling `change` on the data between
    /// pages, and returns every item served.
    fn walk(
        size: i32,
        mut items: Vec<&'static str>,
        change: impl Fn(usize, &mut Vec<&'static str>),
        page: impl Fn(&PageRequest, &[&'static str]) -> Result<(Vec<&'static str>, String), Status>,
    ) -> Result<Vec<&'static str>, Status> {
        let (mut token, mut seen) = (String::new(), Vec::new());
        for round in 0.. {
            let request = PageRequest::new(size, &token, &["m", "parent"])?;
            let (slice, next) = page(&request, &items)?;
            seen.extend(slice);
            if next.is_empty() {
                break;
            }
            change(round, &mut items);
            token = next;
        }
        Ok(seen)
    }

    fn sorted(
        request: &PageRequest,
        items: &[&'static str],
    ) -> Result<(Vec<&'static str>, String), Status> {
        request
            .sorted(items, |s| *s)
            .map(|(page, next)| (page.to_vec(), next))
    }

    fn listed(
        request: &PageRequest,
        items: &[&'static str],
    ) -> Result<(Vec<&'static str>, String), Status> {
        request
            .listed(items, |s| *s)
            .map(|(page, next)| (page.to_vec(), next))
    }

    #[test]
    fn zero_means_default_large_sizes_are_coerced_and_negative_is_invalid() {
        let size = |n| PageRequest::new(n, "", &["m"]).map(|p| p.size);
        assert_eq!(size(0).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(size(5).unwrap(), 5);
        assert_eq!(size(i32::MAX).unwrap(), MAX_PAGE_SIZE);
        let err = size(-1).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().starts_with("page_size:"));
    }

    #[test]
    fn every_kind_walks_every_item_once_with_no_empty_last_page() {
        let items = vec!["a", "b", "c", "d", "e", "f", "g"];
        let unchanged = |_: usize, _: &mut Vec<&'static str>| {};
        for size in [1, 2, 3, 7, 8] {
            assert_eq!(walk(size, items.clone(), unchanged, sorted).unwrap(), items);
            assert_eq!(walk(size, items.clone(), unchanged, listed).unwrap(), items);
            let ranked = |r: &PageRequest, items: &[&'static str]| {
                r.ranked(items, 7).map(|(page, next)| (page.to_vec(), next))
            };
            assert_eq!(walk(size, items.clone(), unchanged, ranked).unwrap(), items);
        }
        let page = PageRequest::new(2, "", &["m"]).unwrap();
        let (_, next) = page.sorted(&["a", "b", "c", "d"], |s| *s).unwrap();
        let page = PageRequest::new(2, &next, &["m"]).unwrap();
        let (slice, next) = page.sorted(&["a", "b", "c", "d"], |s| *s).unwrap();
        assert_eq!(slice, ["c", "d"]);
        assert!(next.is_empty());
    }

    #[test]
    fn a_sorted_list_continues_after_the_last_key_when_items_come_and_go() {
        // After the first page ("b", "d"): one item added before the position, the last item
        // returned removed, and one added after the position.
        let change = |round: usize, items: &mut Vec<&'static str>| {
            if round == 0 {
                *items = vec!["a", "c", "e", "ee", "f"];
            }
        };
        let seen = walk(2, vec!["b", "d", "e", "f"], change, sorted).unwrap();
        assert_eq!(seen, ["b", "d", "e", "ee", "f"]);
    }

    #[test]
    fn a_listed_list_continues_after_the_last_item_or_says_the_data_changed() {
        let added_before = |round: usize, items: &mut Vec<&'static str>| {
            if round == 0 {
                items.insert(0, "new");
            }
        };
        let seen = walk(2, vec!["z", "y", "x", "w"], added_before, listed).unwrap();
        assert_eq!(seen, ["z", "y", "x", "w"]);
        let last_removed = |round: usize, items: &mut Vec<&'static str>| {
            if round == 0 {
                items.retain(|s| *s != "y");
            }
        };
        let err = walk(2, vec!["z", "y", "x", "w"], last_removed, listed).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message()
                .starts_with("page_token: the data changed; start again")
        );
    }

    #[test]
    fn a_ranked_token_from_another_data_version_is_refused() {
        let items = ["a", "b", "c"];
        let first = PageRequest::new(1, "", &["m"]).unwrap();
        let (_, token) = first.ranked(&items, 1).unwrap();
        let second = PageRequest::new(1, &token, &["m"]).unwrap();
        assert_eq!(second.ranked(&items, 1).unwrap().0, ["b"]);
        let err = second.ranked(&items, 2).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message()
                .starts_with("page_token: the data changed; start again")
        );
    }

    /// What the module doc says: the checksum is no secret, so a token anyone computes is
    /// accepted, and on a list filtered by grants a made-up key outside it is refused like any
    /// stale key, so it reaches nothing paging would not.
    #[test]
    fn a_made_up_token_is_accepted_the_checksum_guards_accidents_only() {
        let first = PageRequest::new(1, "", &["m"]).unwrap();
        let made_up = encode(&Cursor::After("x".to_owned()), first.scope);
        let page = PageRequest::new(1, &made_up, &["m"]).unwrap();
        assert_eq!(page.sorted(&["x", "y"], |s| *s).unwrap().0, ["y"]);
        // "secret" is not in the (filtered) list: refused as a stale token would be.
        let outside = encode(&Cursor::After("secret".to_owned()), first.scope);
        let page = PageRequest::new(1, &outside, &["m"]).unwrap();
        let error = page.listed(&["x", "y"], |s| *s).unwrap_err();
        assert!(error.message().contains("the data changed"), "{error:?}");
    }

    /// `token` with its last digit changed.
    fn tampered(token: &str) -> String {
        let (head, last) = token.split_at(token.len() - 1);
        format!("{head}{}", if last == "0" { '1' } else { '0' })
    }

    #[test]
    fn foreign_or_tampered_tokens_are_rejected() {
        let first = PageRequest::new(1, "", &["m", "a"]).unwrap();
        let (_, token) = first.sorted(&["x", "y"], |s| *s).unwrap();
        assert!(PageRequest::new(1, &token, &["m", "a"]).is_ok());
        let (_, ranked) = first.ranked(&["x", "y"], 1).unwrap();
        for bad in [
            "garbage".to_owned(),
            "0".repeat(32),
            tampered(&token),
            format!("{token}0"),
            format!("a{}", "f".repeat(2 * MAX_KEY_LEN + CHECKSUM_LEN + 2)),
            "é".repeat(20),
        ] {
            let err = PageRequest::new(1, &bad, &["m", "a"]).unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
            assert!(err.message().starts_with("page_token: is not a token"));
        }
        // The same token with other filters is not ours either.
        assert!(PageRequest::new(1, &token, &["m", "b"]).is_err());
        // Nor is a token of one kind used for another.
        let keyed = PageRequest::new(1, &token, &["m", "a"]).unwrap();
        assert!(keyed.ranked(&["x", "y"], 1).is_err());
        let ranked = PageRequest::new(1, &ranked, &["m", "a"]).unwrap();
        assert!(ranked.sorted(&["x", "y"], |s| *s).is_err());
        assert!(ranked.listed(&["x", "y"], |s| *s).is_err());
    }

    #[test]
    fn an_offset_past_the_end_gives_an_empty_last_page() {
        let page = PageRequest::new(10, "", &["m"]).unwrap();
        let token = encode(
            &Cursor::Ranked {
                offset: 100,
                version: 3,
            },
            page.scope,
        );
        let page = PageRequest::new(10, &token, &["m"]).unwrap();
        let (slice, next) = page.ranked(&[1, 2, 3], 3).unwrap();
        assert!(slice.is_empty());
        assert!(next.is_empty());
    }
}
