//! AIP-158 pagination shared by every List and Search method.
//!
//! `page_size` 0 means [`DEFAULT_PAGE_SIZE`]; sizes above [`MAX_PAGE_SIZE`] are coerced down; a
//! negative size is INVALID_ARGUMENT. A page token is opaque to callers: it encodes the offset of
//! the next item and a checksum over the offset and the request's other fields, so a token made up
//! by the caller, or reused with different filters, is INVALID_ARGUMENT. Tokens carry no
//! per-process secret, so any replica accepts a token another replica issued.

use tonic::Status;

use crate::status::invalid_argument;

/// Page size used when a request asks for 0.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest page size served; larger requests are coerced to it.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Hex digits in a page token: 16 for the offset, 16 for the checksum.
const TOKEN_LEN: usize = 32;

/// The slice of a result list that one request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Index of the first item of the page.
    pub offset: usize,
    /// Most items the page may hold.
    pub size: usize,
    /// Checksum of the request's other fields; tokens are bound to it.
    scope: u64,
}

/// FNV-1a over byte strings, with a separator so `["ab", "c"]` and `["a", "bc"]` differ.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

impl PageRequest {
    /// Validates `page_size` and `page_token` for a request whose other fields are `scope`
    /// (the method name first, then every filter field, so a token is bound to all of them).
    pub fn new(page_size: i32, page_token: &str, scope: &[&str]) -> Result<Self, Status> {
        let size = match usize::try_from(page_size) {
            Err(_) => {
                return Err(invalid_argument(
                    "page_size",
                    format!(
                        "{page_size} is negative; use 0 for the default ({DEFAULT_PAGE_SIZE}) or up to {MAX_PAGE_SIZE}"
                    ),
                ));
            }
            Ok(0) => DEFAULT_PAGE_SIZE,
            Ok(n) => n.min(MAX_PAGE_SIZE),
        };
        let scope_bytes: Vec<&[u8]> = scope.iter().map(|s| s.as_bytes()).collect();
        let scope = fnv1a(&scope_bytes);
        let offset = if page_token.is_empty() {
            0
        } else {
            decode(page_token, scope)?
        };
        Ok(Self {
            offset,
            size,
            scope,
        })
    }

    /// The range of indices of a list of `total` items that this page covers.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(total);
        start..start.saturating_add(self.size).min(total)
    }

    /// The `next_page_token` for a list of `total` items: empty on the last page.
    pub fn next_token(&self, total: usize) -> String {
        let end = self.range(total).end;
        if end >= total {
            String::new()
        } else {
            encode(end, self.scope)
        }
    }

    /// Returns this page of `items` and the `next_page_token`.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], String) {
        (
            &items[self.range(items.len())],
            self.next_token(items.len()),
        )
    }
}

fn checksum(offset: u64, scope: u64) -> u64 {
    fnv1a(&[
        b"llmarket-page-v1",
        &offset.to_be_bytes(),
        &scope.to_be_bytes(),
    ])
}

fn encode(offset: usize, scope: u64) -> String {
    let offset = offset as u64;
    format!("{offset:016x}{:016x}", checksum(offset, scope))
}

fn decode(token: &str, scope: u64) -> Result<usize, Status> {
    let bad = || {
        invalid_argument(
            "page_token",
            "is not a token this service issued for this request; pass the next_page_token of the \
             previous page unchanged, with the same other fields",
        )
    };
    if token.len() != TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let offset = u64::from_str_radix(&token[..16], 16).map_err(|_| bad())?;
    let sum = u64::from_str_radix(&token[16..], 16).map_err(|_| bad())?;
    if sum != checksum(offset, scope) {
        return Err(bad());
    }
    usize::try_from(offset).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn zero_means_default_and_large_sizes_are_coerced() {
        assert_eq!(
            PageRequest::new(0, "", &["m"]).unwrap().size,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(PageRequest::new(5, "", &["m"]).unwrap().size, 5);
        assert_eq!(
            PageRequest::new(i32::MAX, "", &["m"]).unwrap().size,
            MAX_PAGE_SIZE
        );
    }

    #[test]
    fn negative_size_is_invalid_argument() {
        let err = PageRequest::new(-1, "", &["m"]).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().starts_with("page_size:"));
    }

    #[test]
    fn walks_every_item_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut token = String::new();
        let mut seen = Vec::new();
        loop {
            let page = PageRequest::new(3, &token, &["m", "parent"]).unwrap();
            let (slice, next) = page.slice(&items);
            seen.extend_from_slice(slice);
            if next.is_empty() {
                break;
            }
            token = next;
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn exact_multiple_has_no_empty_last_page() {
        let items = [1, 2, 3, 4];
        let page = PageRequest::new(2, "", &["m"]).unwrap();
        let (_, next) = page.slice(&items);
        let page = PageRequest::new(2, &next, &["m"]).unwrap();
        let (slice, next) = page.slice(&items);
        assert_eq!(slice, &[3, 4]);
        assert!(next.is_empty());
    }

    #[test]
    fn foreign_or_tampered_tokens_are_rejected() {
        let first = PageRequest::new(1, "", &["m", "a"]).unwrap();
        let token = first.next_token(5);
        assert!(PageRequest::new(1, &token, &["m", "a"]).is_ok());
        for bad in [
            "garbage".to_owned(),
            "0".repeat(TOKEN_LEN),
            token.replacen('0', "1", 1),
            format!("{token}0"),
        ] {
            let err = PageRequest::new(1, &bad, &["m", "a"]).unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
            assert!(err.message().starts_with("page_token:"));
        }
        // The same token with other filters is not ours either.
        assert!(PageRequest::new(1, &token, &["m", "b"]).is_err());
    }

    #[test]
    fn offset_past_the_end_gives_an_empty_last_page() {
        let page = PageRequest::new(10, "", &["m"]).unwrap();
        let token = encode(100, page.scope);
        let page = PageRequest::new(10, &token, &["m"]).unwrap();
        let (slice, next) = page.slice(&[1, 2, 3]);
        assert!(slice.is_empty());
        assert!(next.is_empty());
    }
}
