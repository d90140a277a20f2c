//! NOT_FOUND with the nearest names, for both services: which existing names are nearest to a
//! missing one (edit distance, then containment), and the status that names them in its
//! message and as `google.rpc.ResourceInfo` and `google.rpc.ErrorInfo` details.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

/// Most names a NOT_FOUND suggests.
pub const MAX_NEAREST: usize = 3;
/// `google.rpc.ErrorInfo.reason` of a resource that does not exist.
pub const REASON: &str = "RESOURCE_NOT_FOUND";
/// The `google.rpc.ErrorInfo.metadata` key of the nearest names, comma-separated.
pub const NEAREST_KEY: &str = "nearest";

/// A missing resource and the existing names nearest to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// Its type, e.g. `llmarket.taxonomy.v1.Concept`.
    pub kind: &'static str,
    /// Its resource name.
    pub name: String,
    /// `google.rpc.ErrorInfo.domain`, e.g. `llmarket.taxonomy.v1`.
    pub domain: &'static str,
    /// The nearest existing names, nearest first.
    pub nearest: Vec<String>,
}

impl NotFound {
    /// NOT_FOUND with `message`, the nearest names after it, and the details.
    pub fn status(self, message: &str) -> Status {
        let message = if self.nearest.is_empty() {
            message.to_owned()
        } else {
            format!("{message}; the nearest names: {}", self.nearest.join(", "))
        };
        let mut details = ErrorDetails::new();
        details.set_resource_info(self.kind, self.name, "", "not found");
        details.set_error_info(
            REASON,
            self.domain,
            HashMap::from([(NEAREST_KEY.to_owned(), self.nearest.join(","))]),
        );
        Status::with_error_details(Code::NotFound, message, details)
    }
}

/// The names of `candidates` (each a name and its keys with a penalty) nearest `typed`, at most
/// [`MAX_NEAREST`], nearest first; ties in candidate order. `typed` and the keys come
/// normalised alike by the caller. A key counts when its edit distance
/// is within a third of the typed text (at least 1), or when one contains the other.
pub fn nearest(
    typed: &str,
    candidates: impl Iterator<Item = (String, Vec<(String, usize)>)>,
) -> Vec<String> {
    // The tolerance comes from the last part (a concept id without its scheme).
    let length = typed.rsplit('/').next().unwrap_or(typed).chars().count();
    let limit = (length / 3).max(1);
    let mut scored: Vec<(usize, usize, String)> = candidates
        .enumerate()
        .filter_map(|(order, (name, keys))| {
            keys.iter()
                .filter_map(|(key, penalty)| {
                    let distance = distance(typed, key);
                    if distance <= limit {
                        Some(distance + penalty)
                    } else if length >= 3 && (key.contains(typed) || typed.contains(key.as_str())) {
                        Some(limit + 1 + penalty)
                    } else {
                        None
                    }
                })
                .min()
                .map(|score| (score, order, name))
        })
        .collect();
    scored.sort();
    let mut names: Vec<String> = Vec::new();
    for (_, _, name) in scored {
        if !names.contains(&name) {
            names.push(name);
        }
        if names.len() == MAX_NEAREST {
            break;
        }
    }
    names
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(distance("l9", "l1"), 1);
        assert_eq!(distance("市场", "市场规模"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn the_nearest_come_first_and_at_most_three() {
        let candidates = ["ab", "abc", "abcd", "abd", "xyz"]
            .map(|key| (key.to_owned(), vec![(key.to_owned(), 0)]));
        assert_eq!(
            nearest("abc", candidates.into_iter()),
            ["abc", "ab", "abcd"]
        );
    }

    #[test]
    fn the_status_names_them_and_carries_them_as_details() {
        let status = NotFound {
            kind: "k",
            name: "x/y".into(),
            domain: "d",
            nearest: vec!["x/z".into(), "x/w".into()],
        }
        .status("x/y not found");
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(
            status.message(),
            "x/y not found; the nearest names: x/z, x/w"
        );
        let details = status.get_error_details();
        assert_eq!(
            details.error_info().unwrap().metadata[NEAREST_KEY],
            "x/z,x/w"
        );
        assert_eq!(details.resource_info().unwrap().resource_name, "x/y");
    }
}
