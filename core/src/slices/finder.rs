//! The slice finder: SliceLine's score and lattice search (Sagadeeva & Boehm,
//! SIGMOD 2021) over per-predicate row bitsets, then what SliceLine lacks — a
//! Welch t-test of each candidate's loss against the rest, Benjamini–Hochberg over
//! every candidate evaluated, an effect size beside the score, and near-duplicates
//! folded into the higher-ranked slice.
//!
//! # Data flow
//!
//! ```text
//! table columns ──predicate::cut──▶ predicates (≤ 10 quantile bins, ≤ 20 values + other, null)
//!                                      │ one Bitset each
//! per-row loss ─────────────────────▶ level 1: size, loss sum (popcount / set bits)
//!                                      │ join pairs sharing L−2 predicates, all parents present,
//!                                      │ upper bound > K-th best score and > 0
//!                                      ▼
//!                                   level L ≤ max_level (AND of a parent and a predicate)
//!                                      │ every candidate with |S| ≥ σ
//!                                      ▼
//!        Welch (slice vs rest) → BH(q) → rank by score → fold Jaccard ≥ 0.9 → top K
//! ```
//!
//! # Defaults, and why
//!
//! * `alpha = 0.95` — SliceLine's default: the score weighs the slice's relative
//!   loss 19 : 1 against its size, so small but bad slices still rank.
//! * `min_support = max(32, n / 100)` — below ~30 rows a t-test's normal
//!   approximation is poor, and on large data a slice under 1 % of rows is rarely
//!   actionable; it is also SliceLine's main pruning lever.
//! * `top_k = 10` — what a person reads; the K-th score also prunes the lattice.
//! * `max_level = 3` — three-way interactions are still readable; each level
//!   multiplies the candidates.
//! * `fdr_q = 0.05` — the usual false-discovery rate: of the slices reported as
//!   significant, at most 5 % are expected to be noise.
//! * `max_bins = 10`, `max_categories = 20` (+ `other`) — enough resolution for a
//!   slice of ≥ 1 % of rows, few enough predicates that level 3 stays tractable.
//!
//! Nothing is random: for the same table, losses and settings the result is the same
//! on every run and platform (ties are broken by predicate order).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SliceError;
use super::bitset::{Bitset, Moments};
use super::predicate::{Buckets, Predicate, cut};
use super::stats::{benjamini_hochberg, effect_size, welch};
use crate::table::Table;

/// The finder's settings (`[finder]` in `slices.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FinderSettings {
    /// Columns to search; empty: every column but the label and prediction columns.
    pub columns: Vec<String>,
    /// Columns never searched (ids, timestamps).
    pub exclude: Vec<String>,
    /// SliceLine's α in (0, 1]: weight of the relative loss against the size.
    pub alpha: f64,
    /// σ, the smallest slice; `None`: max(32, n / 100).
    pub min_support: Option<usize>,
    pub top_k: usize,
    pub max_level: usize,
    /// Benjamini–Hochberg false-discovery rate.
    pub fdr_q: f64,
    /// A slice this similar (Jaccard) to a higher-ranked one is folded into it.
    pub fold_jaccard: f64,
    pub max_bins: usize,
    pub max_categories: usize,
    /// Stop after this many seconds (the levels finished so far are reported).
    pub max_seconds: Option<f64>,
}

impl Default for FinderSettings {
    fn default() -> Self {
        Self {
            columns: Vec::new(),
            exclude: Vec::new(),
            alpha: 0.95,
            min_support: None,
            top_k: 10,
            max_level: 3,
            fdr_q: 0.05,
            fold_jaccard: 0.9,
            max_bins: 10,
            max_categories: 20,
            max_seconds: None,
        }
    }
}

impl FinderSettings {
    /// σ for `rows` rows.
    pub fn support(&self, rows: usize) -> usize {
        self.min_support
            .unwrap_or_else(|| (rows / 100).max(32))
            .max(1)
    }

    fn check(&self) -> Result<(), SliceError> {
        let bad = |setting: &'static str, value: String, expected: &'static str| {
            Err(SliceError::InvalidSetting {
                setting,
                value,
                expected,
            })
        };
        if !(self.alpha > 0.0 && self.alpha <= 1.0) {
            return bad("finder.alpha", self.alpha.to_string(), "in (0, 1]");
        }
        if !(self.fdr_q > 0.0 && self.fdr_q < 1.0) {
            return bad("finder.fdr_q", self.fdr_q.to_string(), "in (0, 1)");
        }
        if !(self.fold_jaccard > 0.0 && self.fold_jaccard <= 1.0) {
            return bad(
                "finder.fold_jaccard",
                self.fold_jaccard.to_string(),
                "in (0, 1]",
            );
        }
        if self.top_k == 0 {
            return bad("finder.top_k", "0".into(), "at least 1");
        }
        if !(1..=5).contains(&self.max_level) {
            return bad(
                "finder.max_level",
                self.max_level.to_string(),
                "between 1 and 5",
            );
        }
        if !(2..=100).contains(&self.max_bins) {
            return bad(
                "finder.max_bins",
                self.max_bins.to_string(),
                "between 2 and 100",
            );
        }
        if !(1..=1000).contains(&self.max_categories) {
            return bad(
                "finder.max_categories",
                self.max_categories.to_string(),
                "between 1 and 1000",
            );
        }
        if let Some(s) = self.max_seconds
            && !(s.is_finite() && s > 0.0)
        {
            return bad("finder.max_seconds", s.to_string(), "a positive number");
        }
        Ok(())
    }
}

/// Where a search stands, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub level: usize,
    pub max_level: usize,
    /// Candidates evaluated so far, all levels.
    pub evaluated: usize,
    /// Candidates of this level evaluated, and how many the level has.
    pub level_done: usize,
    pub level_total: usize,
}

/// How a caller watches and stops a search. `now` reads a clock in milliseconds
/// (wasm32 has no `std::time::Instant`: the page passes `performance.now()`).
pub struct Control<'a> {
    pub now: &'a dyn Fn() -> f64,
    pub progress: &'a mut dyn FnMut(Progress),
    pub cancel: &'a AtomicBool,
}

/// Why the search stopped before `max_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// No candidate of the next level could beat the top K.
    Exhausted,
    TimeLimit,
    Cancelled,
}

/// One slice the finder reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FoundSlice {
    /// The predicates' names joined by `&` (`region=EU&age=[30,45)`).
    pub name: String,
    /// The same rows as a rule of the expression language.
    pub rule: String,
    pub predicates: Vec<String>,
    pub rows: u64,
    pub mean_loss: f64,
    pub rest_mean_loss: f64,
    /// SliceLine's score: α·(ē_S/ē − 1) − (1−α)·(n/|S| − 1).
    pub score: f64,
    /// (ē_S − ē_rest) / sqrt((s²_S + s²_rest) / 2).
    pub effect_size: f64,
    pub t: f64,
    pub df: f64,
    /// One-sided Welch p-value (slice loss higher than the rest's).
    pub p_value: f64,
    /// Lower-ranked slices folded into this one (Jaccard ≥ `fold_jaccard`).
    pub folded: Vec<String>,
}

/// What the finder found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FinderReport {
    /// `log_loss`, `zero_one` or `squared_error`.
    pub loss: String,
    pub rows: u64,
    pub mean_loss: f64,
    pub alpha: f64,
    pub min_support: u64,
    pub fdr_q: f64,
    pub max_level: u64,
    pub levels_searched: u64,
    pub columns: Vec<String>,
    pub predicates: u64,
    /// Every candidate whose loss was measured (|S| ≥ σ); BH runs over all of them.
    pub candidates_evaluated: u64,
    /// Candidates whose loss is significantly higher than the rest's (BH at `fdr_q`).
    pub discoveries: u64,
    pub stopped: Option<Stopped>,
    /// The top K discoveries by score, near-duplicates folded.
    pub slices: Vec<FoundSlice>,
}

/// A candidate that was measured.
#[derive(Debug, Clone)]
struct Candidate {
    /// Sorted global predicate ids.
    preds: Vec<u32>,
    moments: Moments,
    score: f64,
}

/// SliceLine's score.
fn score(alpha: f64, n: f64, mean: f64, m: &Moments) -> f64 {
    if m.count == 0 || mean <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let size = m.count as f64;
    alpha * (m.sum / size / mean - 1.0) - (1.0 - alpha) * (n / size - 1.0)
}

/// SliceLine's upper bound on the score of any slice with at most `size` rows, a
/// loss sum at most `sum` and no row loss above `max`, probed at σ, `sum / max` and `size`.
fn score_bound(alpha: f64, n: f64, mean: f64, sigma: f64, size: f64, sum: f64, max: f64) -> f64 {
    if max <= 0.0 || size < sigma {
        return f64::NEG_INFINITY;
    }
    [sigma, (sum / max).max(sigma).min(size), size]
        .into_iter()
        .map(|s| alpha * ((s * max).min(sum) / s / mean - 1.0) - (1.0 - alpha) * (n / s - 1.0))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Measures `set` against the losses; a 0/1 loss is a popcount.
fn measure(set: &Bitset, losses: &[f64], errors: Option<&Bitset>) -> Moments {
    match errors {
        Some(e) => {
            let count = set.count();
            let wrong = set.and_count(e) as f64;
            Moments {
                count,
                sum: wrong,
                sum_sq: wrong,
                max: if wrong > 0.0 { 1.0 } else { 0.0 },
            }
        }
        None => set.moments(losses),
    }
}

/// The lattice search's result: every candidate measured.
struct Search {
    predicates: Vec<Predicate>,
    numeric: Vec<bool>,
    rows: Vec<Bitset>,
    evaluated: Vec<Candidate>,
    total: Moments,
    level: usize,
    stopped: Option<Stopped>,
    sigma: usize,
}

impl Search {
    fn set_of(&self, c: &Candidate) -> Bitset {
        c.preds
            .iter()
            .skip(1)
            .fold(self.rows[c.preds[0] as usize].clone(), |acc, &p| {
                acc.and(&self.rows[p as usize])
            })
    }

    fn names(&self, c: &Candidate) -> Vec<String> {
        c.preds
            .iter()
            .map(|&p| self.predicates[p as usize].name())
            .collect()
    }
}

/// A slice ranked by SliceLine's score alone (no test, no folding).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredSlice {
    pub predicates: Vec<String>,
    pub rows: u64,
    pub loss_sum: f64,
    pub score: f64,
}

/// SliceLine's own answer: the top K slices by score (score > 0), best first — what
/// the `sliceline` package returns, for comparison.
pub fn top_by_score(
    table: &Table,
    columns: &[String],
    losses: &[f64],
    settings: &FinderSettings,
    control: &mut Control<'_>,
) -> Result<Vec<ScoredSlice>, SliceError> {
    let search = search(table, columns, losses, settings, control)?;
    let mut order: Vec<usize> = (0..search.evaluated.len())
        .filter(|&i| search.evaluated[i].score > 0.0)
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&search.evaluated[a], &search.evaluated[b]);
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.preds.cmp(&y.preds))
    });
    Ok(order
        .into_iter()
        .take(settings.top_k)
        .map(|i| {
            let c = &search.evaluated[i];
            ScoredSlice {
                predicates: search.names(c),
                rows: c.moments.count as u64,
                loss_sum: c.moments.sum,
                score: c.score,
            }
        })
        .collect())
}

/// Searches `columns` of `table` for slices where `losses` (one per row, ≥ 0) are high.
pub fn find(
    table: &Table,
    columns: &[String],
    losses: &[f64],
    loss_name: &str,
    settings: &FinderSettings,
    control: &mut Control<'_>,
) -> Result<FinderReport, SliceError> {
    let search = search(table, columns, losses, settings, control)?;
    let Search {
        predicates,
        numeric,
        evaluated,
        total,
        level,
        stopped,
        sigma,
        ..
    } = &search;
    let (level, stopped, sigma, total) = (*level, *stopped, *sigma, *total);
    let n = table.num_rows();
    let mean = total.mean();
    let alpha = settings.alpha;
    let k = settings.top_k;

    // Significance over every candidate evaluated.
    let tests: Vec<Option<super::stats::Welch>> = evaluated
        .iter()
        .map(|c| welch(&c.moments, &c.moments.complement(&total)))
        .collect();
    let p: Vec<f64> = tests
        .iter()
        .map(|t| t.map_or(f64::NAN, |t| t.p_value))
        .collect();
    let significant = benjamini_hochberg(&p, settings.fdr_q);
    let discoveries = significant.iter().filter(|s| **s).count();

    // Rank the discoveries with a positive score; fold near-duplicates.
    let mut ranked: Vec<usize> = (0..evaluated.len())
        .filter(|&i| significant[i] && evaluated[i].score > 0.0)
        .collect();
    ranked.sort_by(|&a, &b| {
        evaluated[b]
            .score
            .total_cmp(&evaluated[a].score)
            .then_with(|| evaluated[a].preds.cmp(&evaluated[b].preds))
    });
    let set_of = |c: &Candidate| search.set_of(c);
    let name_of = |c: &Candidate| search.names(c);
    let mut kept: Vec<(usize, Bitset, Vec<String>)> = Vec::new();
    for i in ranked {
        let c = &evaluated[i];
        let set = set_of(c);
        let name = name_of(c).join("&");
        if let Some(host) = kept
            .iter_mut()
            .find(|(_, s, _)| s.jaccard(&set) >= settings.fold_jaccard)
        {
            host.2.push(name);
            continue;
        }
        if kept.len() == k {
            // Only folds into the kept slices matter from here on.
            continue;
        }
        kept.push((i, set, Vec::new()));
    }
    let slices = kept
        .into_iter()
        .map(|(i, _, folded)| {
            let c = &evaluated[i];
            let rest = c.moments.complement(&total);
            let test = tests[i].unwrap_or(super::stats::Welch {
                t: f64::NAN,
                df: f64::NAN,
                p_value: f64::NAN,
            });
            let names = name_of(c);
            FoundSlice {
                name: names.join("&"),
                rule: c
                    .preds
                    .iter()
                    .map(|&p| format!("({})", predicates[p as usize].rule(numeric[p as usize])))
                    .collect::<Vec<_>>()
                    .join(" and "),
                predicates: names,
                rows: c.moments.count as u64,
                mean_loss: c.moments.mean(),
                rest_mean_loss: rest.mean(),
                score: c.score,
                effect_size: effect_size(&c.moments, &rest),
                t: test.t,
                df: test.df,
                p_value: test.p_value,
                folded,
            }
        })
        .collect();
    Ok(FinderReport {
        loss: loss_name.to_owned(),
        rows: n as u64,
        mean_loss: mean,
        alpha,
        min_support: sigma as u64,
        fdr_q: settings.fdr_q,
        max_level: settings.max_level as u64,
        levels_searched: level as u64,
        columns: columns.to_vec(),
        predicates: predicates.len() as u64,
        candidates_evaluated: evaluated.len() as u64,
        discoveries: discoveries as u64,
        stopped,
        slices,
    })
}

/// The lattice search (see the module docs).
fn search(
    table: &Table,
    columns: &[String],
    losses: &[f64],
    settings: &FinderSettings,
    control: &mut Control<'_>,
) -> Result<Search, SliceError> {
    settings.check()?;
    let n = table.num_rows();
    if losses.len() != n {
        return Err(SliceError::LossLength {
            losses: losses.len(),
            rows: n,
        });
    }
    if let Some((row, &v)) = losses
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(SliceError::BadLoss {
            row: row + 1,
            value: v,
        });
    }
    let started = (control.now)();
    let out_of_time = |now: f64| {
        settings
            .max_seconds
            .is_some_and(|s| now - started > s * 1000.0)
    };

    // Predicates: global ids, their column and rows.
    let mut predicates: Vec<Predicate> = Vec::new();
    let mut numeric: Vec<bool> = Vec::new();
    let mut feature: Vec<u32> = Vec::new();
    let mut rows: Vec<Bitset> = Vec::new();
    for (f, name) in columns.iter().enumerate() {
        let column = table.column(name).map_err(|_| SliceError::UnknownColumn {
            name: name.clone(),
            available: table.column_names().map(str::to_owned).collect(),
        })?;
        let cut = cut(
            column,
            &Buckets::Quantiles(settings.max_bins),
            settings.max_categories,
        )?;
        for (p, set) in cut.predicates.into_iter().zip(cut.rows) {
            predicates.push(p);
            numeric.push(cut.numeric);
            feature.push(f as u32);
            rows.push(set);
        }
    }

    let total = Bitset::full(n).moments(losses);
    let mean = total.mean();
    let alpha = settings.alpha;
    let sigma = settings.support(n);
    let nf = n as f64;
    let binary = losses.iter().all(|&v| v == 0.0 || v == 1.0);
    let errors = binary.then(|| {
        let mut e = Bitset::empty(n);
        for (r, _) in losses.iter().enumerate().filter(|(_, v)| **v == 1.0) {
            e.insert(r);
        }
        e
    });

    let mut evaluated: Vec<Candidate> = Vec::new();
    // Top-K scores (descending), for pruning.
    let mut top: Vec<f64> = Vec::new();
    let k = settings.top_k;
    let push_top = |top: &mut Vec<f64>, s: f64| {
        if s > 0.0 {
            let at = top.partition_point(|&x| x >= s);
            top.insert(at, s);
            top.truncate(k);
        }
    };
    let threshold = |top: &Vec<f64>| if top.len() >= k { top[k - 1] } else { 0.0 };

    // Level 1.
    let mut level_sets: Vec<(Vec<u32>, Bitset, Moments)> = Vec::new();
    let mut stopped = None;
    for (id, set) in rows.iter().enumerate() {
        let m = measure(set, losses, errors.as_ref());
        if m.count >= sigma {
            let s = score(alpha, nf, mean, &m);
            evaluated.push(Candidate {
                preds: vec![id as u32],
                moments: m,
                score: s,
            });
            push_top(&mut top, s);
            if m.sum > 0.0 {
                level_sets.push((vec![id as u32], set.clone(), m));
            }
        }
    }
    (control.progress)(Progress {
        level: 1,
        max_level: settings.max_level,
        evaluated: evaluated.len(),
        level_done: rows.len(),
        level_total: rows.len(),
    });
    let mut level = 1;
    while level < settings.max_level.min(columns.len()) && stopped.is_none() {
        if level_sets.is_empty() {
            stopped = Some(Stopped::Exhausted);
            break;
        }
        level += 1;
        // Parents by their predicate set.
        let parents: HashMap<&[u32], usize> = level_sets
            .iter()
            .enumerate()
            .map(|(i, (p, _, _))| (p.as_slice(), i))
            .collect();
        // Candidates: a parent plus one predicate of another column, every parent
        // present; bounds from the parents (min size, min loss sum, min max loss).
        let mut candidates: Vec<(Vec<u32>, usize, u32)> = Vec::new();
        let min_score = threshold(&top);
        // Predicates that survived level 1 (a level-L slice's predicates all did).
        let mut base: Vec<u32> = level_sets
            .iter()
            .flat_map(|(p, _, _)| p.iter().copied())
            .collect();
        base.sort_unstable();
        base.dedup();
        for (i, (preds, _, _)) in level_sets.iter().enumerate() {
            // Each candidate once: from the parent without its largest predicate (a
            // candidate needs every parent anyway, that one included).
            let last = preds.last().copied().unwrap_or(0);
            for &new in base.iter().filter(|&&q| q > last) {
                if preds
                    .iter()
                    .any(|&p| feature[p as usize] == feature[new as usize])
                {
                    continue;
                }
                let mut joined = preds.clone();
                joined.push(new);
                // Every parent (drop one predicate) must have survived; the bounds
                // are the parents' smallest size, loss sum and row loss.
                let mut bound_size = f64::INFINITY;
                let mut bound_sum = f64::INFINITY;
                let mut bound_max = f64::INFINITY;
                let mut complete = true;
                let mut parent: Vec<u32> = Vec::with_capacity(joined.len() - 1);
                for drop in 0..joined.len() {
                    parent.clear();
                    parent.extend(
                        joined
                            .iter()
                            .enumerate()
                            .filter(|(d, _)| *d != drop)
                            .map(|(_, p)| *p),
                    );
                    match parents.get(parent.as_slice()) {
                        Some(&pi) => {
                            let m = &level_sets[pi].2;
                            bound_size = bound_size.min(m.count as f64);
                            bound_sum = bound_sum.min(m.sum);
                            bound_max = bound_max.min(m.max);
                        }
                        None => {
                            complete = false;
                            break;
                        }
                    }
                }
                if !complete {
                    continue;
                }
                let bound = score_bound(
                    alpha,
                    nf,
                    mean,
                    sigma as f64,
                    bound_size,
                    bound_sum,
                    bound_max,
                );
                if bound > min_score && bound > 0.0 {
                    candidates.push((joined, i, new));
                }
            }
        }
        let total_candidates = candidates.len();
        let mut next: Vec<(Vec<u32>, Bitset, Moments)> = Vec::new();
        for (done, (preds, parent, new)) in candidates.into_iter().enumerate() {
            if done % 256 == 0 {
                if control.cancel.load(Ordering::Relaxed) {
                    stopped = Some(Stopped::Cancelled);
                    break;
                }
                if out_of_time((control.now)()) {
                    stopped = Some(Stopped::TimeLimit);
                    break;
                }
                (control.progress)(Progress {
                    level,
                    max_level: settings.max_level,
                    evaluated: evaluated.len(),
                    level_done: done,
                    level_total: total_candidates,
                });
            }
            // Count first: most candidates fall under σ and need no intersection built.
            if level_sets[parent].1.and_count(&rows[new as usize]) < sigma {
                continue;
            }
            let set = level_sets[parent].1.and(&rows[new as usize]);
            let m = measure(&set, losses, errors.as_ref());
            let s = score(alpha, nf, mean, &m);
            push_top(&mut top, s);
            evaluated.push(Candidate {
                preds: preds.clone(),
                moments: m,
                score: s,
            });
            if m.sum > 0.0 {
                next.push((preds, set, m));
            }
        }
        (control.progress)(Progress {
            level,
            max_level: settings.max_level,
            evaluated: evaluated.len(),
            level_done: total_candidates,
            level_total: total_candidates,
        });
        level_sets = next;
    }

    Ok(Search {
        predicates,
        numeric,
        rows,
        evaluated,
        total,
        level,
        stopped,
        sigma,
    })
}
