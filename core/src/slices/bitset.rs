//! Row sets as bits: one `u64` word per 64 rows. A slice's rows are the AND of its
//! predicates' sets, its size a popcount — no dense row × slice matrix is ever built.

/// A set of row indices below `len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitset {
    words: Vec<u64>,
    len: usize,
}

impl Bitset {
    /// The empty set over `len` rows.
    pub fn empty(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Every row of `len`.
    pub fn full(len: usize) -> Self {
        let mut set = Self::empty(len);
        set.words.iter_mut().for_each(|w| *w = u64::MAX);
        set.clear_tail();
        set
    }

    /// The rows where `mask` is true.
    pub fn from_bools(mask: &[bool]) -> Self {
        let mut set = Self::empty(mask.len());
        for (i, _) in mask.iter().enumerate().filter(|(_, b)| **b) {
            set.insert(i);
        }
        set
    }

    fn clear_tail(&mut self) {
        let extra = self.words.len() * 64 - self.len;
        if extra > 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= u64::MAX >> extra;
        }
    }

    /// Rows the set ranges over (not its size: see [`Bitset::count`]).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn insert(&mut self, row: usize) {
        if row < self.len {
            self.words[row / 64] |= 1 << (row % 64);
        }
    }

    pub fn contains(&self, row: usize) -> bool {
        row < self.len && self.words[row / 64] & (1 << (row % 64)) != 0
    }

    /// The number of rows in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// `self ∩ other`.
    pub fn and(&self, other: &Self) -> Self {
        Self {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(a, b)| a & b)
                .collect(),
            len: self.len.min(other.len),
        }
    }

    /// `|self ∩ other|` without building the intersection.
    pub fn and_count(&self, other: &Self) -> usize {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| (a & b).count_ones() as usize)
            .sum()
    }

    /// `|self ∪ other|`.
    pub fn or_count(&self, other: &Self) -> usize {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| (a | b).count_ones() as usize)
            .sum()
    }

    /// Rows outside the set.
    pub fn not(&self) -> Self {
        let mut set = Self {
            words: self.words.iter().map(|w| !w).collect(),
            len: self.len,
        };
        set.clear_tail();
        set
    }

    /// The rows in the set, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + bit)
            })
        })
    }

    /// The rows as a `bool` mask (for [`crate::table::Table::filter`]).
    pub fn to_bools(&self) -> Vec<bool> {
        (0..self.len).map(|r| self.contains(r)).collect()
    }

    /// Jaccard similarity `|A ∩ B| / |A ∪ B|` (1 for two empty sets).
    pub fn jaccard(&self, other: &Self) -> f64 {
        let union = self.or_count(other);
        if union == 0 {
            1.0
        } else {
            self.and_count(other) as f64 / union as f64
        }
    }

    /// Count, sum and sum of squares of `values` over the set, and the largest value.
    pub fn moments(&self, values: &[f64]) -> Moments {
        let mut m = Moments::default();
        for row in self.ones() {
            let v = values.get(row).copied().unwrap_or(0.0);
            m.count += 1;
            m.sum += v;
            m.sum_sq += v * v;
            m.max = m.max.max(v);
        }
        m
    }
}

/// A sample's count, sum, sum of squares and maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub count: usize,
    pub sum: f64,
    pub sum_sq: f64,
    pub max: f64,
}

impl Moments {
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// The unbiased sample variance (0 below two rows; never negative).
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let n = self.count as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }

    /// The rows of `total` not in `self` (`self` a subset of `total`).
    pub fn complement(&self, total: &Moments) -> Moments {
        Moments {
            count: total.count - self.count.min(total.count),
            sum: total.sum - self.sum,
            sum_sq: total.sum_sq - self.sum_sq,
            max: total.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_count_ones_and_complement_agree_with_bools() {
        let a: Vec<bool> = (0..130).map(|i| i % 3 == 0).collect();
        let b: Vec<bool> = (0..130).map(|i| i % 5 == 0).collect();
        let (sa, sb) = (Bitset::from_bools(&a), Bitset::from_bools(&b));
        let both = (0..130).filter(|&i| a[i] && b[i]).count();
        assert_eq!(sa.and(&sb).count(), both);
        assert_eq!(sa.and_count(&sb), both);
        assert_eq!(sa.count(), 44);
        assert_eq!(sa.not().count(), 130 - 44);
        assert_eq!(
            sa.ones().collect::<Vec<_>>(),
            (0..130).step_by(3).collect::<Vec<_>>()
        );
        assert_eq!(Bitset::full(130).count(), 130);
        assert_eq!(sa.to_bools(), a);
        let union = (0..130).filter(|&i| a[i] || b[i]).count();
        assert!((sa.jaccard(&sb) - both as f64 / union as f64).abs() < 1e-15);
    }

    #[test]
    fn moments_give_mean_and_unbiased_variance() {
        let set = Bitset::from_bools(&[true, false, true, true]);
        let m = set.moments(&[1.0, 100.0, 2.0, 3.0]);
        assert_eq!(m.count, 3);
        assert!((m.mean() - 2.0).abs() < 1e-15);
        assert!((m.variance() - 1.0).abs() < 1e-15);
        assert_eq!(m.max, 3.0);
    }
}
