//! What a reload changed: the resources added, removed and changed, by resource name, for the one
//! log line every accepted reload writes.

use std::{collections::BTreeMap, fmt};

/// How many names of each kind the log line spells out before it says how many more there are.
const SHOWN: usize = 20;

/// The resources a reload added, removed and changed, each list in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Names only the new data has.
    pub added: Vec<String>,
    /// Names only the old data had.
    pub removed: Vec<String>,
    /// Names in both whose contents differ.
    pub changed: Vec<String>,
}

impl Changes {
    /// Compares two keyed collections: `old` and `new` yield each resource's name and a value
    /// that is equal exactly when the resource did not change.
    pub fn between<T: PartialEq>(
        old: impl IntoIterator<Item = (String, T)>,
        new: impl IntoIterator<Item = (String, T)>,
    ) -> Self {
        let mut old: BTreeMap<String, T> = old.into_iter().collect();
        let mut changes = Self::default();
        for (name, value) in new {
            match old.remove(&name) {
                None => changes.added.push(name),
                Some(before) if before != value => changes.changed.push(name),
                Some(_) => {}
            }
        }
        changes.removed = old.into_keys().collect();
        changes.added.sort();
        changes.changed.sort();
        changes
    }

    /// Adds `other`'s names to these.
    pub fn extend(&mut self, other: Changes) {
        self.added.extend(other.added);
        self.removed.extend(other.removed);
        self.changed.extend(other.changed);
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// `added a, b; removed c; changed d (+3 more)`, or `no change`.
impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no change");
        }
        let mut first = true;
        for (word, names) in [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed", &self.changed),
        ] {
            if names.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{word} ")?;
            let shown = names.iter().take(SHOWN).map(String::as_str);
            f.write_str(&shown.collect::<Vec<_>>().join(", "))?;
            if names.len() > SHOWN {
                write!(f, " (+{} more)", names.len() - SHOWN)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(items: &[(&str, i32)]) -> Vec<(String, i32)> {
        items.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
    }

    #[test]
    fn names_what_was_added_removed_and_changed() {
        let changes = Changes::between(
            named(&[("a", 1), ("b", 2), ("c", 3)]),
            named(&[("a", 1), ("c", 4), ("d", 5)]),
        );
        assert_eq!(changes.added, ["d"]);
        assert_eq!(changes.removed, ["b"]);
        assert_eq!(changes.changed, ["c"]);
        assert_eq!(changes.to_string(), "added d; removed b; changed c");
    }

    #[test]
    fn says_no_change_and_cuts_long_lists() {
        assert_eq!(
            Changes::between(named(&[("a", 1)]), named(&[("a", 1)])).to_string(),
            "no change"
        );
        let many: Vec<(String, i32)> = (0..25).map(|i| (format!("s{i:02}"), i)).collect();
        let text = Changes::between(Vec::new(), many).to_string();
        assert!(text.starts_with("added s00, s01"), "{text}");
        assert!(text.ends_with("s19 (+5 more)"), "{text}");
    }
}
