//! The keys that gained an address since the sweep last asked, so that the
//! sweep counts the addresses of those keys only instead of aggregating
//! every address row of every key: at a million keys that aggregate took
//! ~0.8 s of PostgreSQL's time and wrote 25 MB of temporary files, every
//! five minutes on every replica (`docs/profile.md`, "Eighth round").
//!
//! Each replica remembers what its own flushes inserted; what a replica
//! that stopped did not get to check is checked by the next full pass,
//! which every replica runs at start-up and then hourly.

use std::collections::HashSet;

use uuid::Uuid;

/// Keys remembered at most (~0.5 MB with the set's own table). Beyond
/// them the set is dropped and the sweep counts every key's addresses:
/// when this many keys gained an address in one sweep's interval, a pass
/// over every row costs about what a search per key would.
pub const GROWN_KEYS: usize = 16_384;

/// Keys that gained an address, or "too many to list".
#[derive(Debug, Default)]
pub struct GrownKeys {
    keys: HashSet<Uuid>,
    overflowed: bool,
}

impl GrownKeys {
    /// Remembers `keys`, or forgets every key once there are too many.
    pub fn add(&mut self, keys: &[Uuid]) {
        if self.overflowed {
            return;
        }
        self.keys.extend(keys.iter().copied());
        if self.keys.len() > GROWN_KEYS {
            self.keys = HashSet::new();
            self.overflowed = true;
        }
    }

    /// The keys to check, sorted, and forgets them; `None`: check every key.
    pub fn take(&mut self) -> Option<Vec<Uuid>> {
        let keys = std::mem::take(&mut self.keys);
        if std::mem::take(&mut self.overflowed) {
            return None;
        }
        let mut keys: Vec<Uuid> = keys.into_iter().collect();
        keys.sort_unstable();
        Some(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_handed_over_once_each_then_forgotten() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut grown = GrownKeys::default();
        assert_eq!(grown.take(), Some(Vec::new()));
        grown.add(&[b, a]);
        grown.add(&[a]);
        assert_eq!(grown.take(), Some(vec![a, b]));
        assert_eq!(grown.take(), Some(Vec::new()));
    }

    #[test]
    fn too_many_keys_mean_every_key_once() {
        let mut grown = GrownKeys::default();
        let many: Vec<Uuid> = (0..=GROWN_KEYS).map(|_| Uuid::now_v7()).collect();
        grown.add(&many[..GROWN_KEYS]);
        assert_eq!(grown.take().map(|k| k.len()), Some(GROWN_KEYS));
        grown.add(&many);
        assert_eq!(grown.keys.capacity(), 0, "more than fit: none is held");
        grown.add(&[Uuid::now_v7()]);
        assert_eq!(grown.take(), None, "and every key is checked");
        assert_eq!(grown.take(), Some(Vec::new()), "then start again");
    }
}
