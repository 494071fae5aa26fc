//! Every metric of a binary score column in one pass per bootstrap replicate.
//!
//! The evaluation report's bootstrap computes, per replicate, the confusion matrix
//! (accuracy, precision, recall, F1), ROC-AUC and average precision, log loss, the
//! Brier score and the two reliability diagrams (ECE / MCE, equal width and equal
//! mass). Done one metric at a time that is eight passes over the rows, several of
//! them through the sort's index (a cache miss per row). [`ScoreOrdered`] holds the
//! rows once in descending score order (ties in row order, the order
//! [`super::bootstrap::descending_score_order`] numbers them in), so that:
//!
//! * the predicted class is a prefix (`score >= threshold` holds for the first
//!   `cut` rows) and each equal-width bin is a run of consecutive rows: the confusion
//!   matrix and the equal-width diagram are sums over a few ranges, with no per-row
//!   lookup;
//! * the ranking walk (ROC-AUC, AP) reads the weights front to back;
//! * a Poisson replicate's counts are drawn block by block inside the pass
//!   ([`Draw::Poisson`]: the same stream as [`super::bootstrap::poisson_counts`], so
//!   the same resample), never written and read back as a separate pass;
//! * the equal-mass edges (the resample's quantiles) are found from per-block
//!   totals, and their bins are again ranges: after the pass only the blocks that a
//!   quantile or an edge falls in are read again.
//!
//! The pass works in blocks of [`BLOCK`] rows: one loop draws (or gathers) the
//! counts, tight loops sum the per-row terms of each range, then the group walk
//! feeds the ranking areas. Sums of floating-point terms are plain within a block
//! and Neumaier-compensated across blocks, so they agree with the per-row
//! compensated sums of [`super::PreparedClassification::metrics`] and
//! [`super::calibration::reliability_diagram`] to about `BLOCK · ε` relative
//! (the unit tests compare the two paths on random and tied data).
//!
//! It ends where the per-metric functions end: [`ClassificationMetrics::from_parts`]
//! and [`diagram_from_bins`], so the undefined reasons and the ECE / MCE
//! definitions are theirs.

use super::bootstrap::{SplitMix64, poisson1, replicate_seed};
use super::calibration::{
    BinStrategy, ReliabilityDiagram, diagram_from_bins, equal_width_bin, lerp,
};
use super::classification::{ClassConfusion, ClassificationMetrics};
use super::metric_value::Sum;
use super::ranking::{AreaAccumulator, RankingAreas};
use super::{PreparedClassification, Weights};

/// Rows per block of the pass (a 4 KiB counts buffer).
pub const BLOCK: usize = 1024;

/// Where a pass's per-row counts come from.
pub enum Draw<'w> {
    /// Every row once.
    Unit,
    /// The row at score-order position `i` counts `counts[i]` times.
    InOrder(&'w [u32]),
    /// Row `r` of the original table counts `counts[r]` times (a comparison's shared
    /// resample); gathered through the sort.
    ByRow(&'w [u32]),
    /// Replicate `replicate`'s Poisson(1) counts, drawn in score order from
    /// `SplitMix64::new(replicate_seed(seed, replicate))`: exactly
    /// [`super::bootstrap::poisson_counts`] over the score-ordered rows. Never stored:
    /// the blocks that the equal-mass step reads again are drawn again
    /// ([`SplitMix64::at`]).
    Poisson { seed: u64, replicate: u32 },
}

impl<'w> Draw<'w> {
    /// Row weights in the original row order, as [`Weights`] gives them.
    pub fn of_weights(weights: Weights<'w>) -> Self {
        match weights {
            Weights::Unit => Self::Unit,
            Weights::Counts(counts) => Self::ByRow(counts),
        }
    }
}

/// A run of consecutive rows in one equal-width bin and on one side of the threshold.
#[derive(Debug, Clone, Copy)]
struct Segment {
    end: usize,
    bin: usize,
    predicted_positive: bool,
}

/// Per-segment sums of one pass.
#[derive(Debug, Clone, Copy, Default)]
struct SegmentSums {
    weight: u64,
    positive: u64,
    predicted: Sum,
}

/// Per-block totals of one pass (for the equal-mass step).
#[derive(Debug, Clone, Copy, Default)]
struct BlockTotals {
    weight: u64,
    positive: u64,
    predicted: f64,
}

/// What one pass computes.
#[derive(Debug, Clone, PartialEq)]
pub struct PassMetrics {
    pub metrics: ClassificationMetrics,
    /// `None` when the pass was built with 0 bins.
    pub equal_width: Option<ReliabilityDiagram>,
    /// `None` unless asked for (and for 0 bins).
    pub equal_mass: Option<ReliabilityDiagram>,
}

/// A binary score column with its labels and per-row loss terms, in descending
/// score order, prepared for repeated weighted passes.
///
/// Memory: 21 bytes per row (score, log-loss term, the original row index, the
/// label) plus 4 per group of tied scores. A replicate reads 17 of them per row.
#[derive(Debug, Clone)]
pub struct ScoreOrdered {
    scores: Vec<f64>,
    positive: Vec<u8>,
    /// Each row's log-loss term (its Brier term, `(y − p)²`, is recomputed in the
    /// pass: one array less to read).
    loss: Vec<f64>,
    /// The original row at each position.
    order: Vec<u32>,
    /// One past the last position of each group of tied scores.
    group_ends: Vec<u32>,
    segments: Vec<Segment>,
    bins: usize,
    equal_mass: bool,
}

impl ScoreOrdered {
    /// For a binary input (`None` otherwise): its rows in score order, the
    /// threshold's cut and the equal-width bins (`bins == 0`: no diagrams).
    pub fn new(
        prepared: &PreparedClassification<'_>,
        bins: usize,
        equal_mass: bool,
    ) -> Option<Self> {
        let (scores_by_row, threshold) = prepared.binary_scores()?;
        let ranked = prepared.ranked(1)?;
        let labels = prepared.labels();
        let losses = prepared.row_losses();
        let order = ranked.order().to_vec();
        let n = order.len();
        let mut scores = Vec::with_capacity(n);
        let mut positive = Vec::with_capacity(n);
        let mut loss = Vec::with_capacity(n);
        for &row in &order {
            let row = row as usize;
            scores.push(scores_by_row.get(row).copied().unwrap_or(0.0));
            positive.push(u8::from(labels.get(row) == Some(&1)));
            loss.push(losses.get(row).map_or(0.0, |l| l[0]));
        }
        // Descending scores: the rows predicted positive are a prefix.
        let cut = scores.partition_point(|&p| p >= threshold);
        let step = 1.0 / bins.max(1) as f64;
        let inner: Vec<f64> = (1..bins).map(|i| i as f64 * step).collect();
        let bin_of = |p: f64| {
            if bins == 0 {
                0
            } else {
                equal_width_bin(&inner, bins, p)
            }
        };
        let mut segments: Vec<Segment> = Vec::new();
        for (pos, &p) in scores.iter().enumerate() {
            let bin = bin_of(p);
            let predicted_positive = pos < cut;
            match segments.last_mut() {
                Some(s) if s.bin == bin && s.predicted_positive == predicted_positive => {
                    s.end = pos + 1;
                }
                _ => segments.push(Segment {
                    end: pos + 1,
                    bin,
                    predicted_positive,
                }),
            }
        }
        Some(Self {
            scores,
            positive,
            loss,
            order,
            group_ends: ranked.group_ends().to_vec(),
            segments,
            bins,
            equal_mass,
        })
    }

    pub fn rows(&self) -> usize {
        self.scores.len()
    }

    /// The scores in descending order.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Every metric and diagram of one weighting, in one pass.
    pub fn pass(&self, draw: Draw<'_>) -> PassMetrics {
        match draw {
            Draw::Unit => {
                let walked = self.walk(|_, out| out.fill(1));
                self.finish(walked, |_| 1)
            }
            Draw::InOrder(counts) => {
                let at = |pos: usize| counts.get(pos).copied().unwrap_or(0);
                let walked = self.walk(|start, out| {
                    for (i, c) in out.iter_mut().enumerate() {
                        *c = at(start + i);
                    }
                });
                self.finish(walked, at)
            }
            Draw::ByRow(counts) => {
                let order = &self.order;
                let at = |pos: usize| {
                    order
                        .get(pos)
                        .and_then(|&row| counts.get(row as usize))
                        .copied()
                        .unwrap_or(0)
                };
                let walked = self.walk(|start, out| {
                    for (i, c) in out.iter_mut().enumerate() {
                        *c = at(start + i);
                    }
                });
                self.finish(walked, at)
            }
            Draw::Poisson { seed, replicate } => {
                let stream = replicate_seed(seed, replicate);
                let walked = self.walk(|start, out| {
                    let mut rng = SplitMix64::new(stream);
                    rng.skip(start as u64);
                    for c in out.iter_mut() {
                        *c = poisson1(rng.next_u64());
                    }
                });
                self.finish(walked, |pos| poisson1(SplitMix64::at(stream, pos as u64)))
            }
        }
    }

    /// The pass proper: `fill(start, out)` writes the counts of the rows at positions
    /// `start..start + out.len()`.
    fn walk(&self, mut fill: impl FnMut(usize, &mut [u32])) -> Walked {
        let n = self.rows();
        let mut walked = Walked {
            segments: vec![SegmentSums::default(); self.segments.len()],
            blocks: Vec::with_capacity(n.div_ceil(BLOCK)),
            ..Walked::default()
        };
        let mut ranking = RankingWalk::default();
        let mut next_group = 0usize;
        let mut segment = 0usize;
        let mut counts = [0u32; BLOCK];
        let mut scratch = RankingScratch::default();
        let mut start = 0usize;
        while start < n {
            let end = (start + BLOCK).min(n);
            let w = &mut counts[..end - start];
            fill(start, w);
            let w: &[u32] = w;
            // Every per-row sum, one loop per range of the block that lies in one
            // segment (most blocks are one range).
            let mut block = BlockTotals::default();
            let mut a = start;
            while a < end {
                let Some(seg) = self.segments.get(segment) else {
                    break;
                };
                let b = seg.end.min(end);
                let sums = self.range_terms(&w[a - start..b - start], a);
                walked.log_loss.add(sums.loss);
                walked.brier.add(sums.squares);
                if let Some(acc) = walked.segments.get_mut(segment) {
                    acc.weight += sums.weight;
                    acc.positive += sums.positive;
                    acc.predicted.add(sums.predicted);
                }
                block.weight += sums.weight;
                block.positive += sums.positive;
                block.predicted += sums.predicted;
                if b == seg.end {
                    segment += 1;
                }
                a = b;
            }
            walked.blocks.push(block);
            // The ranking walk over this block's groups of tied scores.
            let positive = &self.positive[start..end];
            let ends_here = self.group_ends[next_group..].partition_point(|&e| (e as usize) <= end);
            let ends = &self.group_ends[next_group..next_group + ends_here];
            next_group += ends_here;
            ranking.block(w, positive, start, ends, &mut scratch);
            start = end;
        }
        walked.tp = ranking.tp;
        walked.fp = ranking.fp;
        walked.twice_area = ranking.twice_area;
        walked.ap = ranking.ap;
        walked
    }

    /// The per-row sums of the rows at `start..start + w.len()` (counts `w`), in four
    /// independent lanes so the loop vectorises.
    #[inline]
    fn range_terms(&self, w: &[u32], start: usize) -> RangeTerms {
        let range = start..start + w.len();
        let (scores, loss, positive) = (
            &self.scores[range.clone()],
            &self.loss[range.clone()],
            &self.positive[range],
        );
        let mut l = [0.0f64; 4];
        let mut q = [0.0f64; 4];
        let mut p = [0.0f64; 4];
        let mut weight = 0u64;
        let mut pos = 0u64;
        let lanes = w.len() / 4 * 4;
        for i in (0..lanes).step_by(4) {
            for k in 0..4 {
                let c = w[i + k];
                let y = positive[i + k];
                let cf = f64::from(c);
                let s = scores[i + k];
                // The Brier term as PreparedClassification computes it: (y − p)².
                let d = f64::from(y) - s;
                l[k] += cf * loss[i + k];
                q[k] += cf * (d * d);
                p[k] += cf * s;
                weight += u64::from(c);
                pos += u64::from(c * u32::from(y));
            }
        }
        for i in lanes..w.len() {
            let (c, y, s) = (w[i], positive[i], scores[i]);
            let cf = f64::from(c);
            let d = f64::from(y) - s;
            l[0] += cf * loss[i];
            q[0] += cf * (d * d);
            p[0] += cf * s;
            weight += u64::from(c);
            pos += u64::from(c * u32::from(y));
        }
        let lane_sum = |x: [f64; 4]| (x[0] + x[1]) + (x[2] + x[3]);
        RangeTerms {
            weight,
            positive: pos,
            predicted: lane_sum(p),
            loss: lane_sum(l),
            squares: lane_sum(q),
        }
    }

    /// Everything after the pass: the confusion matrix, the areas, the equal-width
    /// diagram from the segments and the equal-mass one from the block totals
    /// (`weight_at(pos)`: the count of the row at `pos`, for the blocks read again).
    fn finish(&self, walked: Walked, weight_at: impl Fn(usize) -> u32) -> PassMetrics {
        let mut counts = [0u64; 4];
        let mut width_count = vec![0u64; self.bins];
        let mut width_positive = vec![0u64; self.bins];
        let mut width_predicted = vec![Sum::default(); self.bins];
        for (seg, sums) in self.segments.iter().zip(&walked.segments) {
            let predicted = usize::from(seg.predicted_positive);
            // counts[label * 2 + predicted]
            counts[2 + predicted] += sums.positive;
            counts[predicted] += sums.weight - sums.positive;
            if let Some(c) = width_count.get_mut(seg.bin) {
                *c += sums.weight;
            }
            if let Some(c) = width_positive.get_mut(seg.bin) {
                *c += sums.positive;
            }
            if let Some(c) = width_predicted.get_mut(seg.bin) {
                c.add(sums.predicted.value());
            }
        }
        let areas: RankingAreas = AreaAccumulator::from_totals(
            walked.tp,
            walked.fp,
            walked.twice_area,
            walked.ap.value(),
        )
        .finish(1);
        let metrics = ClassificationMetrics::from_parts(
            ClassConfusion {
                classes: 2,
                counts: counts.to_vec(),
            },
            walked.log_loss.value(),
            walked.brier.value(),
            &[None, Some(areas)],
        );
        if self.bins == 0 {
            return PassMetrics {
                metrics,
                equal_width: None,
                equal_mass: None,
            };
        }
        let fractions = fractions(self.bins);
        let width_predicted: Vec<f64> = width_predicted.into_iter().map(Sum::value).collect();
        let equal_width = diagram_from_bins(
            BinStrategy::EqualWidth,
            &fractions,
            &width_count,
            &width_positive,
            &width_predicted,
        );
        let equal_mass = self
            .equal_mass
            .then(|| self.equal_mass_diagram(&walked.blocks, &fractions, &weight_at));
        PassMetrics {
            metrics,
            equal_width: Some(equal_width),
            equal_mass,
        }
    }

    /// The equal-mass diagram: edges at the weighted quantiles (numpy's "linear"
    /// `percentile`, as [`super::calibration::reliability_diagram`]), then each bin
    /// summed as a range of positions.
    fn equal_mass_diagram(
        &self,
        blocks: &[BlockTotals],
        fractions: &[f64],
        weight_at: &impl Fn(usize) -> u32,
    ) -> ReliabilityDiagram {
        let bins = self.bins;
        let total: u64 = blocks.iter().map(|b| b.weight).sum();
        // Cumulative weight before each block.
        let mut before = Vec::with_capacity(blocks.len());
        let mut acc = 0u64;
        for b in blocks {
            before.push(acc);
            acc += b.weight;
        }
        // The position whose rows hold descending rank `d` (0-based, weighted).
        let position_of = |d: u64| -> usize {
            let block = before.partition_point(|&c| c <= d).saturating_sub(1);
            let mut seen = before.get(block).copied().unwrap_or(0);
            let start = block * BLOCK;
            let end = (start + BLOCK).min(self.rows());
            for pos in start..end {
                seen += u64::from(weight_at(pos));
                if seen > d {
                    return pos;
                }
            }
            end.saturating_sub(1)
        };
        let edges: Vec<f64> = if total == 0 {
            fractions.to_vec()
        } else {
            fractions
                .iter()
                .map(|&q| {
                    let v = (total - 1) as f64 * ((q * 100.0) / 100.0);
                    let lo = (v.floor() as u64).min(total - 1);
                    let hi = (lo + 1).min(total - 1);
                    // Ascending rank r is descending rank total − 1 − r.
                    let value = |r: u64| {
                        self.scores
                            .get(position_of(total - 1 - r))
                            .copied()
                            .unwrap_or(0.0)
                    };
                    lerp(value(lo), value(hi), v - v.floor())
                })
                .collect()
        };
        // Bin b holds the scores with exactly b inner edges below them: positions
        // [P(b), P(b − 1)), where P(j) counts the scores above inner edge j.
        let inner = edges.get(1..bins).unwrap_or(&[]);
        let above = |j: usize| {
            inner
                .get(j)
                .map_or(0, |&e| self.scores.partition_point(|&p| p > e))
        };
        let mut count = vec![0u64; bins];
        let mut positive = vec![0u64; bins];
        let mut predicted = vec![0.0f64; bins];
        let mut upper = self.rows();
        for b in 0..bins {
            let lower = if b + 1 < bins { above(b) } else { 0 };
            let lower = lower.min(upper);
            let (w, p, s) = self.range_sums(blocks, lower, upper, weight_at);
            count[b] = w;
            positive[b] = p;
            predicted[b] = s;
            upper = lower;
        }
        diagram_from_bins(
            BinStrategy::EqualMass,
            &edges,
            &count,
            &positive,
            &predicted,
        )
    }

    /// Weight, positive weight and Σ count·score over positions `a..b`: whole blocks
    /// from their totals, the ends read again.
    fn range_sums(
        &self,
        blocks: &[BlockTotals],
        a: usize,
        b: usize,
        weight_at: &impl Fn(usize) -> u32,
    ) -> (u64, u64, f64) {
        let rows = |from: usize, to: usize| {
            let (mut w, mut p, mut s) = (0u64, 0u64, 0.0f64);
            for pos in from..to {
                let c = weight_at(pos);
                w += u64::from(c);
                p += u64::from(c) * u64::from(self.positive.get(pos).copied().unwrap_or(0));
                s += f64::from(c) * self.scores.get(pos).copied().unwrap_or(0.0);
            }
            (w, p, s)
        };
        let mut weight = 0u64;
        let mut positive = 0u64;
        let mut predicted = Sum::default();
        let mut pos = a;
        while pos < b {
            let block = pos / BLOCK;
            let block_end = ((block + 1) * BLOCK).min(self.rows());
            let (w, p, s) = match blocks.get(block) {
                Some(t) if pos == block * BLOCK && block_end <= b => {
                    (t.weight, t.positive, t.predicted)
                }
                _ => rows(pos, block_end.min(b)),
            };
            weight += w;
            positive += p;
            predicted.add(s);
            pos = block_end.min(b).max(pos + 1);
        }
        (weight, positive, predicted.value())
    }
}

/// One range's per-row sums.
struct RangeTerms {
    weight: u64,
    positive: u64,
    predicted: f64,
    loss: f64,
    squares: f64,
}

/// Per-block buffers of the ranking walk.
struct RankingScratch {
    /// Cumulative weighted positives / negatives after each row of the block.
    tp: [u64; BLOCK],
    fp: [u64; BLOCK],
    /// Groups that gained positives: (ΔTP, TP, TP + FP) at their end.
    gained: [(f64, f64, f64); BLOCK],
}

impl Default for RankingScratch {
    fn default() -> Self {
        Self {
            tp: [0; BLOCK],
            fp: [0; BLOCK],
            gained: [(0.0, 0.0, 0.0); BLOCK],
        }
    }
}

/// ROC-AUC and AP accumulated over groups of tied scores, highest first: the
/// arithmetic of `ranking::AreaAccumulator`, in three loops per block so that none
/// branches on the data (the weights are random): cumulative counts, one step per
/// group end (the area in integers; the groups that gained positives compacted),
/// then the precision terms of those groups.
#[derive(Default)]
struct RankingWalk {
    tp: u64,
    fp: u64,
    /// TP and FP at the end of the last group.
    tp0: u64,
    fp0: u64,
    twice_area: u128,
    ap: Sum,
}

impl RankingWalk {
    /// The rows at positions `start..start + w.len()`; `ends` are the group ends
    /// (one past a group's last position) inside it.
    #[inline]
    fn block(
        &mut self,
        w: &[u32],
        positive: &[u8],
        start: usize,
        ends: &[u32],
        scratch: &mut RankingScratch,
    ) {
        let (mut tp, mut fp) = (self.tp, self.fp);
        for ((&c, &y), (t, f)) in w
            .iter()
            .zip(positive)
            .zip(scratch.tp.iter_mut().zip(scratch.fp.iter_mut()))
        {
            let c = u64::from(c);
            let p = c * u64::from(y);
            tp += p;
            fp += c - p;
            *t = tp;
            *f = fp;
        }
        self.tp = tp;
        self.fp = fp;
        let (mut tp0, mut fp0) = (self.tp0, self.fp0);
        let mut area = 0u64;
        let mut gained = 0usize;
        for &end in ends {
            let j = (end as usize).saturating_sub(start + 1);
            let (tp, fp) = (
                scratch.tp.get(j).copied().unwrap_or(tp0),
                scratch.fp.get(j).copied().unwrap_or(fp0),
            );
            let (dp, dn) = (tp - tp0, fp - fp0);
            match dn.checked_mul(tp0 + tp).and_then(|t| area.checked_add(t)) {
                Some(sum) => area = sum,
                None => {
                    self.twice_area += u128::from(area) + u128::from(dn) * u128::from(tp0 + tp);
                    area = 0;
                }
            }
            if let Some(g) = scratch.gained.get_mut(gained) {
                *g = (dp as f64, tp as f64, (tp + fp).max(1) as f64);
            }
            gained += usize::from(dp > 0);
            (tp0, fp0) = (tp, fp);
        }
        self.twice_area += u128::from(area);
        self.tp0 = tp0;
        self.fp0 = fp0;
        let mut ap = [0.0f64; 2];
        let terms = &scratch.gained[..gained.min(BLOCK)];
        let pairs = terms.len() / 2 * 2;
        for i in (0..pairs).step_by(2) {
            for k in 0..2 {
                let (dp, tp, all) = terms[i + k];
                ap[k] += dp * (tp / all);
            }
        }
        if let Some(&(dp, tp, all)) = terms.get(pairs) {
            ap[0] += dp * (tp / all);
        }
        self.ap.add(ap[0] + ap[1]);
    }
}

/// What [`ScoreOrdered::walk`] gathers.
#[derive(Debug, Default)]
struct Walked {
    segments: Vec<SegmentSums>,
    blocks: Vec<BlockTotals>,
    log_loss: Sum,
    brier: Sum,
    tp: u64,
    fp: u64,
    twice_area: u128,
    ap: Sum,
}

/// `linspace(0, 1, bins + 1)` as the reliability diagram computes it.
fn fractions(bins: usize) -> Vec<f64> {
    let step = 1.0 / bins as f64;
    (0..=bins)
        .map(|i| if i == bins { 1.0 } else { i as f64 * step })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::bootstrap::{poisson_counts, resample_counts};
    use crate::metrics::calibration::reliability_diagram;
    use crate::metrics::{ClassScores, ClassificationInput, Metric};

    fn close(what: &str, a: Metric, b: Metric) {
        match (a, b) {
            (Metric::Value(x), Metric::Value(y)) => assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                "{what}: fused {x} vs per-metric {y}"
            ),
            _ => assert_eq!(a, b, "{what}"),
        }
    }

    fn same_diagram(what: &str, a: &ReliabilityDiagram, b: &ReliabilityDiagram) {
        assert_eq!(a.bins.len(), b.bins.len(), "{what}");
        for (i, (x, y)) in a.bins.iter().zip(&b.bins).enumerate() {
            assert_eq!(x.count, y.count, "{what} bin {i} count");
            close(
                &format!("{what} bin {i} lower"),
                Metric::Value(x.lower),
                Metric::Value(y.lower),
            );
            close(
                &format!("{what} bin {i} upper"),
                Metric::Value(x.upper),
                Metric::Value(y.upper),
            );
            close(
                &format!("{what} bin {i} mean"),
                x.mean_predicted,
                y.mean_predicted,
            );
            close(
                &format!("{what} bin {i} freq"),
                x.observed_frequency,
                y.observed_frequency,
            );
        }
        close(
            &format!("{what} ece"),
            a.expected_calibration_error,
            b.expected_calibration_error,
        );
        close(
            &format!("{what} mce"),
            a.maximum_calibration_error,
            b.maximum_calibration_error,
        );
    }

    /// The per-metric functions on the same weights (rows in their original order).
    fn per_metric(
        prepared: &PreparedClassification<'_>,
        scores: &[f64],
        labels: &[u32],
        bins: usize,
        weights: Weights<'_>,
    ) -> PassMetrics {
        let ranked = prepared.ranked(1).unwrap();
        let diagram = |strategy| {
            reliability_diagram(scores, ranked, |r| labels[r] == 1, bins, strategy, weights)
                .unwrap()
        };
        PassMetrics {
            metrics: prepared.metrics(weights),
            equal_width: Some(diagram(BinStrategy::EqualWidth)),
            equal_mass: Some(diagram(BinStrategy::EqualMass)),
        }
    }

    fn same(what: &str, fused: &PassMetrics, reference: &PassMetrics) {
        let (a, b) = (&fused.metrics, &reference.metrics);
        assert_eq!(a.confusion, b.confusion, "{what}: confusion");
        for ((name, x), (_, y)) in a.named_values().into_iter().zip(b.named_values()) {
            close(&format!("{what}: {name}"), x, y);
        }
        same_diagram(
            &format!("{what}: equal width"),
            fused.equal_width.as_ref().unwrap(),
            reference.equal_width.as_ref().unwrap(),
        );
        same_diagram(
            &format!("{what}: equal mass"),
            fused.equal_mass.as_ref().unwrap(),
            reference.equal_mass.as_ref().unwrap(),
        );
    }

    /// Random scores (coarse ones: many ties, and values on the bin edges), labels
    /// drawn from the scores, more rows than a block.
    fn data(rows: usize, levels: u64, seed: u64) -> (Vec<u32>, Vec<f64>) {
        let mut rng = SplitMix64::new(seed);
        let scores: Vec<f64> = (0..rows)
            .map(|_| rng.below(levels + 1) as f64 / levels as f64)
            .collect();
        let labels = scores
            .iter()
            .map(|&p| u32::from(rng.next_f64() < p))
            .collect();
        (labels, scores)
    }

    #[test]
    fn the_fused_pass_equals_the_per_metric_functions() {
        for (rows, levels, threshold, bins) in [
            (3 * BLOCK + 17, 1 << 40, 0.5, 10),
            (2 * BLOCK + 5, 20, 0.35, 10),
            (BLOCK / 2, 7, 0.5, 4),
            (5 * BLOCK, 2, 0.5, 10),
            (1, 3, 0.5, 3),
        ] {
            let (labels, scores) = data(rows, levels, rows as u64);
            let prepared = PreparedClassification::new(ClassificationInput {
                labels: &labels,
                scores: ClassScores::Binary {
                    positive: &scores,
                    threshold,
                },
            })
            .unwrap();
            let ordered = ScoreOrdered::new(&prepared, bins, true).unwrap();
            let what = format!("{rows} rows, {levels} levels");
            let unit = per_metric(&prepared, &scores, &labels, bins, Weights::Unit);
            same(&format!("{what}, unit"), &ordered.pass(Draw::Unit), &unit);
            let mut counts = vec![0u32; rows];
            for replicate in 0..4 {
                poisson_counts(5, replicate, &mut counts);
                let by_row = Weights::Counts(&counts);
                same(
                    &format!("{what}, replicate {replicate} by row"),
                    &ordered.pass(Draw::ByRow(&counts)),
                    &per_metric(&prepared, &scores, &labels, bins, by_row),
                );
                // In score order: the counts of position i belong to row order[i].
                let mut by_row_counts = vec![0u32; rows];
                for (pos, &row) in ordered.order.iter().enumerate() {
                    by_row_counts[row as usize] = counts[pos];
                }
                let reference = per_metric(
                    &prepared,
                    &scores,
                    &labels,
                    bins,
                    Weights::Counts(&by_row_counts),
                );
                same(
                    &format!("{what}, replicate {replicate} in order"),
                    &ordered.pass(Draw::InOrder(&counts)),
                    &reference,
                );
                // Drawn inside the pass: the same resample, so the same numbers.
                let drawn = ordered.pass(Draw::Poisson { seed: 5, replicate });
                assert_eq!(drawn, ordered.pass(Draw::InOrder(&counts)));
                let stream = replicate_seed(5, replicate);
                assert!(
                    counts
                        .iter()
                        .enumerate()
                        .all(|(i, &c)| poisson1(SplitMix64::at(stream, i as u64)) == c)
                );
            }
            // A resample that leaves out most rows (empty bins, one class).
            resample_counts(9, 0, &mut counts[..rows.min(3)]);
            for c in counts.iter_mut().skip(3) {
                *c = 0;
            }
            same(
                &format!("{what}, sparse"),
                &ordered.pass(Draw::ByRow(&counts)),
                &per_metric(&prepared, &scores, &labels, bins, Weights::Counts(&counts)),
            );
            counts.fill(0);
            same(
                &format!("{what}, empty"),
                &ordered.pass(Draw::ByRow(&counts)),
                &per_metric(&prepared, &scores, &labels, bins, Weights::Counts(&counts)),
            );
        }
    }

    #[test]
    fn no_bins_no_diagrams_and_multiclass_is_not_score_ordered() {
        let prepared = PreparedClassification::new(ClassificationInput {
            labels: &[0, 1, 1],
            scores: ClassScores::Binary {
                positive: &[0.2, 0.7, 0.4],
                threshold: 0.5,
            },
        })
        .unwrap();
        let pass = ScoreOrdered::new(&prepared, 0, true)
            .unwrap()
            .pass(Draw::Unit);
        assert!(pass.equal_width.is_none() && pass.equal_mass.is_none());
        let reference = prepared.metrics(Weights::Unit);
        assert_eq!(pass.metrics.confusion, reference.confusion);
        for ((name, a), (_, b)) in pass
            .metrics
            .named_values()
            .into_iter()
            .zip(reference.named_values())
        {
            close(&name, a, b);
        }
        let c0: &[f64] = &[0.5, 0.5];
        let columns = [c0, c0];
        let prepared = PreparedClassification::new(ClassificationInput {
            labels: &[0, 1],
            scores: ClassScores::PerClass(&columns),
        })
        .unwrap();
        assert!(ScoreOrdered::new(&prepared, 10, true).is_none());
    }
}
