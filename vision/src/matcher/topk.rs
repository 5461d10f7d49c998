//! Streaming top-k selection over ranking keys (higher is better).
//!
//! Invariants:
//! - `items` is sorted by key descending; among equal keys the earlier-offered
//!   (lower) row comes first, and an equal key never displaces a kept one, so
//!   with rows offered in ascending order ties resolve to the lower row.
//! - `floor` is the key a candidate must strictly exceed to enter: `-inf` until
//!   `k` items are held, then the k-th key. NaN keys never enter (every
//!   comparison with NaN is false).
//! - `TopPersons` holds at most one entry per person slot, carrying that
//!   person's best key seen so far and the row it came from.

/// A candidate row and its ranking key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cand {
    pub(super) key: f32,
    pub(super) row: u32,
    pub(super) slot: u32,
}

/// Best `k` rows.
#[derive(Debug)]
pub(super) struct TopRows {
    k: usize,
    floor: f32,
    items: Vec<Cand>,
}

impl TopRows {
    pub(super) fn new(k: usize) -> Self {
        let floor = if k == 0 {
            f32::INFINITY
        } else {
            f32::NEG_INFINITY
        };
        Self {
            k,
            floor,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// Offers `keys[i]` for rows `base + i`.
    pub(super) fn offer_block(&mut self, keys: &[f32], base: u32) {
        for (c, chunk) in keys.chunks(CHECK).enumerate() {
            if !any_above(chunk, self.floor) {
                continue;
            }
            let first = base + (c * CHECK) as u32;
            for (i, &key) in chunk.iter().enumerate() {
                if key > self.floor {
                    self.insert(Cand {
                        key,
                        row: first + i as u32,
                        slot: 0,
                    });
                }
            }
        }
    }

    fn insert(&mut self, cand: Cand) {
        insert_sorted(&mut self.items, cand, self.k);
        if self.items.len() == self.k {
            self.floor = self.items[self.k - 1].key;
        }
    }

    pub(super) fn into_sorted(self) -> Vec<Cand> {
        self.items
    }
}

/// Best `k` distinct persons, each by its best row.
#[derive(Debug)]
pub(super) struct TopPersons {
    k: usize,
    floor: f32,
    items: Vec<Cand>,
}

impl TopPersons {
    pub(super) fn new(k: usize) -> Self {
        let floor = if k == 0 {
            f32::INFINITY
        } else {
            f32::NEG_INFINITY
        };
        Self {
            k,
            floor,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// Offers `keys[i]` for rows `base + i`, owned by `row_slot[base + i]`.
    pub(super) fn offer_block(&mut self, keys: &[f32], base: u32, row_slot: &[u32]) {
        for (c, chunk) in keys.chunks(CHECK).enumerate() {
            if !any_above(chunk, self.floor) {
                continue;
            }
            let first = base + (c * CHECK) as u32;
            for (i, &key) in chunk.iter().enumerate() {
                // A key at or below the floor cannot improve a kept person
                // either: every kept person's key is >= floor.
                if key > self.floor {
                    let row = first + i as u32;
                    self.offer(Cand {
                        key,
                        row,
                        slot: row_slot[row as usize],
                    });
                }
            }
        }
    }

    fn offer(&mut self, cand: Cand) {
        if let Some(pos) = self.items.iter().position(|c| c.slot == cand.slot) {
            if cand.key <= self.items[pos].key {
                return;
            }
            self.items.remove(pos);
        }
        insert_sorted(&mut self.items, cand, self.k);
        if self.items.len() == self.k {
            self.floor = self.items[self.k - 1].key;
        }
    }

    pub(super) fn into_sorted(self) -> Vec<Cand> {
        self.items
    }
}

/// Keys per branch-free pre-check: once the top-k has filled up, most chunks
/// have nothing to admit and cost a fraction of a cycle per key.
const CHECK: usize = 64;

/// Whether any key beats `floor`; written without early exit so it vectorises.
#[expect(
    clippy::needless_bitwise_bool,
    reason = "`||` would short-circuit and not vectorise"
)]
fn any_above(keys: &[f32], floor: f32) -> bool {
    keys.iter().fold(false, |any, &k| any | (k > floor))
}

/// Inserts after all items with a key >= `cand.key`, then trims to `k`.
fn insert_sorted(items: &mut Vec<Cand>, cand: Cand, k: usize) {
    let pos = items.partition_point(|c| c.key >= cand.key);
    if pos < k {
        items.insert(pos, cand);
        items.truncate(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn top_rows_equals_sorting(keys in prop::collection::vec(-4i8..4, 0..300), k in 0..20usize, block in 1..64usize) {
            // Small integer keys force many ties.
            let keys: Vec<f32> = keys.into_iter().map(f32::from).collect();
            let mut top = TopRows::new(k);
            for (b, chunk) in keys.chunks(block).enumerate() {
                top.offer_block(chunk, (b * block) as u32);
            }
            let got: Vec<u32> = top.into_sorted().iter().map(|c| c.row).collect();
            let mut want: Vec<u32> = (0..keys.len() as u32).collect();
            want.sort_by(|&a, &b| keys[b as usize].total_cmp(&keys[a as usize]).then(a.cmp(&b)));
            want.truncate(k);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn top_persons_equals_per_person_max(
            rows in prop::collection::vec((-6i8..6, 0u32..8), 0..300), k in 1..6usize, block in 1..64usize,
        ) {
            let keys: Vec<f32> = rows.iter().map(|&(key, _)| f32::from(key)).collect();
            let slots: Vec<u32> = rows.iter().map(|&(_, s)| s).collect();
            let mut top = TopPersons::new(k);
            for (b, chunk) in keys.chunks(block).enumerate() {
                top.offer_block(chunk, (b * block) as u32, &slots);
            }
            let got: Vec<(u32, u32)> = top.into_sorted().iter().map(|c| (c.slot, c.row)).collect();
            // Reference: each person's best row (lowest row on ties), then rank persons.
            let mut best: Vec<(u32, u32)> = Vec::new();
            for s in 0..8u32 {
                let mine = (0..keys.len() as u32).filter(|&r| slots[r as usize] == s);
                if let Some(r) = mine.reduce(|a, b| if keys[b as usize] > keys[a as usize] { b } else { a }) {
                    best.push((s, r));
                }
            }
            best.sort_by(|a, b| keys[b.1 as usize].total_cmp(&keys[a.1 as usize]).then(a.1.cmp(&b.1)));
            best.truncate(k);
            prop_assert_eq!(got, best);
        }
    }

    #[test]
    fn nan_never_enters_and_zero_k_keeps_nothing() {
        let mut top = TopRows::new(2);
        top.offer_block(&[f32::NAN, 1.0, f32::NAN, 0.5], 0);
        assert_eq!(
            top.into_sorted().iter().map(|c| c.row).collect::<Vec<_>>(),
            [1, 3]
        );
        let mut none = TopRows::new(0);
        none.offer_block(&[1.0, f32::INFINITY], 0);
        assert!(none.into_sorted().is_empty());
    }
}
