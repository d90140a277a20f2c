//! The encoded-reply cache: the data is immutable between reloads, so a read call's reply is a
//! pure function of its method, its request message bytes (which carry the language asked for),
//! what the caller may read (its [`CacheScope`]) and the data version. [`ReplyCache`] keeps the encoded replies of such
//! calls under that whole key, bounded in entries and bytes, and forgets them all when the data
//! is reloaded ([`ReplyCache::invalidate`], called by the one reload path after it swaps the data
//! in, so replies of the old data do not hold memory).
//!
//! A reply is kept only under the generation it was computed in: a call that started before a
//! reload does not store what it read from the old data after the reload has emptied the cache
//! (and a reply that slips in as the reload empties it is keyed by the old data version, which
//! no later call asks for). The storage is `quick_cache` (sharded, no process-wide lock), bounded
//! by weight: each reply weighs its bytes and at least the byte bound over the entry bound, so
//! neither bound is passed; when full, its S3-FIFO policy keeps replies asked for again over
//! replies asked for once, so a client asking for many different things cannot push out what
//! everyone else reads.

use std::{
    hash::{Hash, Hasher},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use bytes::Bytes;
use http::HeaderMap;
use quick_cache::{Equivalent, OptionsBuilder, Weighter, sync::Cache};

/// What a reply may depend on besides its request: what the caller may read. The layer that
/// authenticates a call puts it into the request's extensions (the server builds it from the
/// caller's grants); a call without one (no principals file: everyone reads everything) shares
/// the scope of every other such call. Two scopes are the same only when their keys are equal,
/// so replies are never shared across different grants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheScope(Arc<str>);

impl CacheScope {
    /// The scope named by `key`: callers whose keys are equal may share kept replies.
    pub fn new(key: impl Into<Arc<str>>) -> Self {
        Self(key.into())
    }

    /// About how many bytes a kept copy of this scope holds (for the cache's byte bound).
    fn cost(&self) -> usize {
        std::mem::size_of::<Self>() + self.0.len()
    }
}

/// Default bound on the bytes the cache holds (requests, replies and headers).
pub const DEFAULT_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Default bound on the number of replies kept.
pub const DEFAULT_MAX_ENTRIES: usize = 4096;
/// Replies larger than this (encoded message and framing) are never kept.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;
/// Requests larger than this (encoded message and framing, and `grpc-accept-encoding`) are never
/// a key.
pub const MAX_REQUEST_BYTES: usize = 1024;
/// What an entry costs beyond its bytes (map slot, order slot, header map), counted against
/// the byte bound.
const ENTRY_OVERHEAD: usize = 256;

/// The version of the data a service answers from now (a number that changes with every reload
/// that changes the data); `None` when it has none (its replies are then not kept).
pub type DataProbe = std::sync::Arc<dyn Fn() -> Option<u64> + Send + Sync>;

/// What a call is: its method path, its framed request message, the scope it was answered
/// under (none: no principals file, every caller reads everything), the compressions it accepts
/// and the data version.
#[derive(Debug, Clone, Copy)]
pub struct CallKey<'a> {
    /// The version of the data answered from.
    pub version: u64,
    /// The request's `grpc-accept-encoding` (empty without one): it chooses the reply's
    /// compression.
    pub accept: &'a [u8],
    /// The method's path, e.g. `/llmarket.forecast.v1.ForecastService/GetSeries`.
    pub path: &'a str,
    /// The request body: the gRPC length-prefixed message.
    pub request: &'a [u8],
    /// What the caller may read.
    pub scope: Option<&'a CacheScope>,
}

/// One kept reply: the response headers (the data version among them) and the framed body;
/// the trailers are always `grpc-status: 0`.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Response headers.
    pub headers: HeaderMap,
    /// The framed reply message.
    pub body: Bytes,
}

impl Hash for CallKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(
            self.version,
            self.accept,
            self.path,
            self.request,
            self.scope,
            state,
        );
    }
}

/// What [`CallKey`] and [`StoredKey`] hash alike, so a borrowed key finds a stored one.
fn hash_key<H: Hasher>(
    version: u64,
    accept: &[u8],
    path: &str,
    request: &[u8],
    scope: Option<&CacheScope>,
    state: &mut H,
) {
    version.hash(state);
    accept.hash(state);
    path.hash(state);
    request.hash(state);
    scope.hash(state);
}

/// A kept reply's key, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredKey {
    version: u64,
    accept: Bytes,
    path: Box<str>,
    request: Bytes,
    scope: Option<CacheScope>,
}

impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(
            self.version,
            &self.accept,
            &self.path,
            &self.request,
            self.scope.as_ref(),
            state,
        );
    }
}

impl Equivalent<StoredKey> for CallKey<'_> {
    fn equivalent(&self, key: &StoredKey) -> bool {
        self.version == key.version
            && self.accept == key.accept
            && self.path == &*key.path
            && self.request == key.request
            && self.scope == key.scope.as_ref()
    }
}

/// A kept reply and what it weighs against the bounds.
#[derive(Debug, Clone)]
struct Entry {
    reply: Reply,
    weight: u64,
}

/// Each entry weighs what [`ReplyCache::put`] counted.
#[derive(Debug, Clone, Copy)]
struct ByWeight;

impl Weighter<StoredKey, Entry> for ByWeight {
    fn weight(&self, _key: &StoredKey, entry: &Entry) -> u64 {
        entry.weight
    }
}

/// A bounded cache of encoded replies, shared by every listener of a process (clones share it).
#[derive(Debug, Clone)]
pub struct ReplyCache {
    shared: Option<Arc<Shared>>,
}

#[derive(Debug)]
struct Shared {
    replies: Cache<StoredKey, Entry, ByWeight>,
    generation: AtomicU64,
    max_bytes: usize,
    /// The least an entry weighs: the byte bound over the entry bound.
    min_weight: u64,
}

/// The generation a call started in, to store its reply under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl Default for ReplyCache {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES)
    }
}

impl ReplyCache {
    /// A cache of at most `max_bytes` and `max_entries` replies; either 0 keeps nothing.
    pub fn new(max_bytes: usize, max_entries: usize) -> Self {
        if max_bytes == 0 || max_entries == 0 {
            return Self::off();
        }
        let weight_capacity = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        let entries = u64::try_from(max_entries).unwrap_or(u64::MAX);
        let options = OptionsBuilder::new()
            .estimated_items_capacity(max_entries)
            .weight_capacity(weight_capacity)
            .build()
            .expect("both capacities are set");
        Self {
            shared: Some(Arc::new(Shared {
                replies: Cache::with_options(
                    options,
                    ByWeight,
                    quick_cache::DefaultHashBuilder::default(),
                    quick_cache::sync::DefaultLifecycle::default(),
                ),
                generation: AtomicU64::new(0),
                max_bytes,
                min_weight: weight_capacity.div_ceil(entries),
            })),
        }
    }

    /// No cache: every call runs its handler.
    pub fn off() -> Self {
        Self { shared: None }
    }

    /// Whether replies are kept at all.
    pub fn is_on(&self) -> bool {
        self.shared.is_some()
    }

    /// Forgets every reply; a reply computed before this call is not stored after it. The
    /// reload path calls it once the new data is in place.
    pub fn invalidate(&self) {
        if let Some(shared) = &self.shared {
            shared.generation.fetch_add(1, Ordering::AcqRel);
            shared.replies.clear();
        }
    }

    /// The current generation, taken before a call runs.
    pub fn generation(&self) -> Generation {
        Generation(
            self.shared
                .as_ref()
                .map_or(0, |s| s.generation.load(Ordering::Acquire)),
        )
    }

    /// The reply kept for `key`, if any.
    pub fn get(&self, key: &CallKey<'_>) -> Option<Reply> {
        let shared = self.shared.as_ref()?;
        shared.replies.get(key).map(|entry| entry.reply)
    }

    /// Keeps `reply` for `key` if it was computed in `generation` (no reload since) and fits the
    /// size bounds, pushing out others to make room.
    pub fn put(&self, generation: Generation, key: &CallKey<'_>, reply: &Reply) {
        let Some(shared) = &self.shared else { return };
        if key.request.len() + key.accept.len() > MAX_REQUEST_BYTES
            || reply.body.len() > MAX_REPLY_BYTES
        {
            return;
        }
        let headers: usize = reply
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 32)
            .sum();
        let cost = ENTRY_OVERHEAD
            + key.path.len()
            + key.accept.len()
            + key.request.len()
            + reply.body.len()
            + headers
            + key.scope.map_or(0, CacheScope::cost);
        if cost > shared.max_bytes || shared.generation.load(Ordering::Acquire) != generation.0 {
            return;
        }
        let stored = StoredKey {
            version: key.version,
            accept: Bytes::copy_from_slice(key.accept),
            path: key.path.into(),
            request: Bytes::copy_from_slice(key.request),
            scope: key.scope.cloned(),
        };
        let entry = Entry {
            // An exact-size copy: the body may be a slice of a larger buffer (tonic encodes
            // into 8 KiB ones), which a shared slice would keep alive, uncounted.
            reply: Reply {
                headers: reply.headers.clone(),
                body: Bytes::copy_from_slice(&reply.body),
            },
            weight: u64::try_from(cost)
                .unwrap_or(u64::MAX)
                .max(shared.min_weight),
        };
        shared.replies.insert(stored, entry);
    }

    /// The replies kept and what they weigh against the byte bound (each at least the byte
    /// bound over the entry bound).
    pub fn usage(&self) -> (usize, usize) {
        self.shared.as_ref().map_or((0, 0), |s| {
            (
                s.replies.len(),
                usize::try_from(s.replies.weight()).unwrap_or(usize::MAX),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/llmarket.forecast.v1.ForecastService/GetSeries";

    fn reply(body: &'static [u8]) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/grpc".parse().unwrap());
        Reply {
            headers,
            body: Bytes::from_static(body),
        }
    }

    fn key<'a>(request: &'a [u8], scope: Option<&'a CacheScope>) -> CallKey<'a> {
        CallKey {
            version: 1,
            accept: b"",
            path: PATH,
            request,
            scope,
        }
    }

    #[test]
    fn a_kept_reply_is_found_by_the_same_call_on_the_same_data_only() {
        let cache = ReplyCache::default();
        let g = cache.generation();
        cache.put(g, &key(b"a", None), &reply(b"A"));
        assert_eq!(cache.get(&key(b"a", None)).unwrap().body, "A");
        assert!(cache.get(&key(b"b", None)).is_none());
        let other = CallKey {
            path: "/llmarket.forecast.v1.ForecastService/GetDataset",
            ..key(b"a", None)
        };
        assert!(cache.get(&other).is_none());
        let newer = CallKey {
            version: 2,
            ..key(b"a", None)
        };
        assert!(cache.get(&newer).is_none());
        let compressed = CallKey {
            accept: b"gzip",
            ..key(b"a", None)
        };
        assert!(cache.get(&compressed).is_none());
    }

    #[test]
    fn callers_with_different_scopes_never_share_a_reply() {
        let cache = ReplyCache::default();
        let some = CacheScope::new("datasets/cic");
        let all = CacheScope::new("datasets/*");
        let g = cache.generation();
        cache.put(g, &key(b"a", Some(&some)), &reply(b"some"));
        assert!(cache.get(&key(b"a", Some(&all))).is_none());
        assert!(cache.get(&key(b"a", None)).is_none());
        let same = CacheScope::new(String::from("datasets/cic"));
        assert_eq!(cache.get(&key(b"a", Some(&same))).unwrap().body, "some");
    }

    #[test]
    fn callers_accepting_other_compressions_each_get_their_own_reply_kept() {
        // A call from a client that accepts other compressions (Python's grpcio sends
        // `identity, deflate, gzip`, grpc-go `gzip`) must not take the slot of the same request
        // from another client: both are kept, each found by its own caller.
        let cache = ReplyCache::default();
        let g = cache.generation();
        let python = CallKey {
            accept: b"identity, deflate, gzip",
            ..key(b"a", None)
        };
        let go = CallKey {
            accept: b"gzip",
            ..key(b"a", None)
        };
        cache.put(g, &python, &reply(b"for python"));
        cache.put(g, &go, &reply(b"for go"));
        assert_eq!(cache.get(&python).unwrap().body, "for python");
        assert_eq!(cache.get(&go).unwrap().body, "for go");
        assert_eq!(cache.usage().0, 2);
    }

    #[test]
    fn invalidating_forgets_everything_and_refuses_replies_from_before() {
        let cache = ReplyCache::default();
        let before = cache.generation();
        cache.put(before, &key(b"a", None), &reply(b"old"));
        cache.invalidate();
        assert!(cache.get(&key(b"a", None)).is_none());
        assert_eq!(cache.usage(), (0, 0));
        cache.put(before, &key(b"a", None), &reply(b"old"));
        assert!(cache.get(&key(b"a", None)).is_none());
        cache.put(cache.generation(), &key(b"a", None), &reply(b"new"));
        assert_eq!(cache.get(&key(b"a", None)).unwrap().body, "new");
    }

    #[test]
    fn the_cache_stays_within_its_bounds_and_keeps_the_newest() {
        let cache = ReplyCache::new(8 * 1024, 1000);
        let g = cache.generation();
        for i in 0..10_000u32 {
            cache.put(g, &key(&i.to_le_bytes(), None), &reply(b"reply"));
            assert!(cache.usage().1 <= 8 * 1024);
        }
        assert!(cache.get(&key(&9_999u32.to_le_bytes(), None)).is_some());
        assert!(cache.get(&key(&0u32.to_le_bytes(), None)).is_none());
        let cache = ReplyCache::new(1 << 20, 3);
        for i in 0..10u32 {
            cache.put(g, &key(&i.to_le_bytes(), None), &reply(b"reply"));
            assert!(cache.usage().0 <= 3, "{:?}", cache.usage());
        }
        assert!(cache.get(&key(&9u32.to_le_bytes(), None)).is_some());
    }

    #[test]
    fn a_reply_asked_for_again_outlives_a_scan_of_replies_asked_for_once() {
        let cache = ReplyCache::new(64 * 1024, 4096);
        let g = cache.generation();
        cache.put(g, &key(b"popular", None), &reply(b"P"));
        for _ in 0..3 {
            assert!(cache.get(&key(b"popular", None)).is_some());
        }
        for i in 0..10_000u32 {
            cache.put(g, &key(&i.to_le_bytes(), None), &reply(b"once"));
        }
        assert_eq!(cache.get(&key(b"popular", None)).unwrap().body, "P");
    }

    #[test]
    fn big_requests_and_replies_are_not_kept() {
        let cache = ReplyCache::default();
        let g = cache.generation();
        let big_request = vec![0; MAX_REQUEST_BYTES + 1];
        cache.put(g, &key(&big_request, None), &reply(b"A"));
        let big_reply = Reply {
            headers: HeaderMap::new(),
            body: Bytes::from(vec![0; MAX_REPLY_BYTES + 1]),
        };
        cache.put(g, &key(b"a", None), &big_reply);
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn a_kept_reply_owns_a_copy_not_a_slice_of_the_buffer_it_came_in() {
        let cache = ReplyCache::default();
        let mut buffer = bytes::BytesMut::with_capacity(64 * 1024);
        buffer.extend_from_slice(b"a small reply");
        let body = buffer.split().freeze();
        let reply = Reply {
            headers: HeaderMap::new(),
            body: body.clone(),
        };
        cache.put(cache.generation(), &key(b"req", None), &reply);
        let kept = cache.get(&key(b"req", None)).expect("kept");
        assert_eq!(kept.body, body);
        assert_ne!(
            kept.body.as_ptr(),
            body.as_ptr(),
            "the kept body shares (and so keeps alive) the 64 KiB buffer"
        );
    }

    #[test]
    fn an_off_cache_keeps_nothing() {
        let cache = ReplyCache::off();
        cache.put(cache.generation(), &key(b"a", None), &reply(b"A"));
        assert!(cache.get(&key(b"a", None)).is_none());
        assert!(!cache.is_on());
    }
}
