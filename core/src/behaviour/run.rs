//! Running a [`BehaviourSpec`]: sample the rows, score them once unperturbed, then
//! once per perturbation, and compare.

use super::perturb::{
    NoiseDomain, distinct, numbers, permutation, sample_rows, shifted, std_dev, swap_donors,
    take_column, with_noise, with_nulls,
};
use super::scoring::{LabelColumn, OutputKind, Outputs, Scorer};
use super::spec::{
    BehaviourSettings, BehaviourSpec, DEFAULT_LEVELS, DEFAULT_MISSING_CELLS, DirectionalSpec,
    Expectation, InvarianceMode, InvarianceSpec, PerturbationKind, PerturbationSpec,
};
use super::types::{
    BehaviourKind, BehaviourReport, BehaviourStatus, BehaviourTest, CurvePoint, FeatureImpact,
    WorstRow,
};
use super::{BehaviourError, MAX_INVARIANCE_VALUES};
use crate::engine::Engine;
use crate::metrics::bootstrap::{BootstrapConfig, SplitMix64, bootstrap, mix64};
use crate::metrics::normal::wilson_interval;
use crate::metrics::{Metric, Undefined};
use crate::report::model_run::ModelRunError;
use crate::table::{Column, ColumnData, DataType, Table};
use crate::transform::FittedPipeline;

/// Runs every test of `spec` (the default suite when it declares none) on `table`,
/// scoring rows with `engine` through `pipeline` when given (see the module docs).
/// `class_labels` are the classifier's labels ([`crate::onnx::class_labels`]).
pub fn run_behaviour(
    engine: &dyn Engine,
    class_labels: Option<&[String]>,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    label: &str,
    spec: &BehaviourSpec,
) -> Result<BehaviourReport, BehaviourError> {
    spec.validate()?;
    let mut notes = Vec::new();
    let default_suite;
    let spec = if spec.is_empty() {
        default_suite = BehaviourSpec {
            settings: spec.settings.clone(),
            ..BehaviourSpec::default_suite()
        };
        notes.push(
            "no test was declared: the default suite ran (noise, missing values, category swaps)"
                .to_owned(),
        );
        &default_suite
    } else {
        spec
    };
    let settings = &spec.settings;
    if table.num_rows() == 0 {
        return Err(BehaviourError::NoRows);
    }
    let label_column = table.column(label)?;
    let features = features(table, pipeline, label, settings)?;

    let sampled = table.num_rows() > settings.sample_rows;
    let row_ids: Vec<usize> = if sampled {
        let mut rng = SplitMix64::new(stream(settings.seed, 0, 0, 0));
        sample_rows(table.num_rows(), settings.sample_rows, &mut rng)
    } else {
        (0..table.num_rows()).collect()
    };
    let rows = if sampled {
        table.take(&row_ids)?
    } else {
        table.clone()
    };
    if sampled {
        notes.push(format!(
            "{} of {} rows were drawn at random (seed {}) for the tests",
            rows.num_rows(),
            table.num_rows(),
            settings.seed
        ));
    }

    let scorer = Scorer::new(
        engine,
        class_labels,
        pipeline,
        label,
        settings.threshold.unwrap_or(0.5),
        table,
    );
    let label_is_fractional = matches!(label_column.data(), ColumnData::Float64(v)
        if v.iter().flatten().any(|x| x.fract() != 0.0));
    let mut base = scorer.run(&rows, label_is_fractional)?;
    if base.kind == OutputKind::Labels && base.predicted.iter().any(|p| p.fract() != 0.0) {
        base = scorer.run(&rows, true)?;
    }
    let regression = base.kind == OutputKind::Regression;
    let runner = Runner {
        scorer: &scorer,
        labels: LabelColumn::new(rows.column(label)?),
        rows,
        row_ids,
        base,
        regression,
        settings,
        features,
        pipeline,
        label,
    };

    let mut tests = Vec::new();
    for (i, p) in spec.perturbation.iter().enumerate() {
        tests.push(runner.perturbation(i as u64, p, &mut notes)?);
    }
    for (i, t) in spec.invariance.iter().enumerate() {
        tests.push(runner.invariance(i as u64, t)?);
    }
    for t in &spec.directional {
        tests.push(runner.directional(t)?);
    }
    Ok(BehaviourReport {
        rows_total: table.num_rows() as u64,
        rows_used: runner.rows.num_rows() as u64,
        sampled,
        seed: settings.seed,
        engine: engine.name().to_owned(),
        pipeline: pipeline.is_some(),
        metric: runner.metric_name().to_owned(),
        bootstrap_replicates: settings.bootstrap_replicates,
        confidence: settings.confidence,
        passed: tests.iter().all(|t| t.status != BehaviourStatus::Fail),
        tests,
        notes,
    })
}

/// The seed of one random stream: test type `kind`, test `test`, part `part`.
fn stream(seed: u64, kind: u64, test: u64, part: u64) -> u64 {
    mix64(seed ^ mix64((kind << 56) ^ (test << 32) ^ part).wrapping_add(1))
}

/// The raw columns perturbations cover: the settings' list, else the pipeline's
/// input columns, else every column but the label.
fn features(
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    label: &str,
    settings: &BehaviourSettings,
) -> Result<Vec<String>, BehaviourError> {
    let names: Vec<String> = match (&settings.features, pipeline) {
        (Some(list), _) => list.clone(),
        (None, Some(p)) => p.input_schema().iter().map(|c| c.name.clone()).collect(),
        (None, None) => table.column_names().map(str::to_owned).collect(),
    };
    let mut out = Vec::new();
    for name in names {
        if name == label {
            if settings.features.is_some() {
                return Err(BehaviourError::LabelColumn {
                    test: "settings.features".to_owned(),
                    column: name,
                });
            }
            continue;
        }
        check_column(table, "settings.features", &name)?;
        out.push(name);
    }
    Ok(out)
}

fn check_column<'t>(
    table: &'t Table,
    test: &str,
    name: &str,
) -> Result<&'t Column, BehaviourError> {
    table
        .column(name)
        .map_err(|_| BehaviourError::UnknownColumn {
            test: test.to_owned(),
            column: name.to_owned(),
            available: table.column_names().map(str::to_owned).collect(),
        })
}

fn is_numeric(column: &Column) -> bool {
    matches!(column.data_type(), DataType::Int64 | DataType::Float64)
}

struct Runner<'a> {
    scorer: &'a Scorer<'a>,
    rows: Table,
    /// The data's row (0-based) of each tested row.
    row_ids: Vec<usize>,
    labels: LabelColumn,
    base: Outputs,
    regression: bool,
    settings: &'a BehaviourSettings,
    features: Vec<String>,
    pipeline: Option<&'a FittedPipeline>,
    label: &'a str,
}

/// One perturbed run compared with the unperturbed one.
struct Compared {
    metric: (Metric, Metric, Metric),
    changed_rows: u64,
    mean_abs_change: f64,
    outputs: Outputs,
}

impl Runner<'_> {
    fn metric_name(&self) -> &'static str {
        if self.regression { "mae" } else { "accuracy" }
    }

    fn n(&self) -> usize {
        self.rows.num_rows()
    }

    fn score(&self, table: &Table) -> Result<Outputs, BehaviourError> {
        self.scorer.run(table, self.regression)
    }

    /// The metric with its percentile-bootstrap interval (same resamples for every run).
    fn metric(&self, outputs: &Outputs) -> (Metric, Metric, Metric) {
        let losses = outputs.losses(&self.labels, &self.scorer.binary_classes);
        let config = BootstrapConfig {
            replicates: self.settings.bootstrap_replicates,
            seed: self.settings.seed,
            confidence: self.settings.confidence,
        };
        let name = self.metric_name();
        let intervals = bootstrap(losses.len(), &config, |w| {
            let (mut sum, mut count) = (0.0, 0u64);
            for (i, loss) in losses.iter().enumerate() {
                if let Some(l) = loss {
                    let weight = w.get(i);
                    sum += l * weight as f64;
                    count += weight;
                }
            }
            let value = if count == 0 {
                Metric::Undefined(Undefined::EmptyInput)
            } else {
                Metric::Value(sum / count as f64)
            };
            vec![(name.to_owned(), value)]
        });
        match intervals.ok().and_then(|mut v| v.pop()) {
            Some(i) => (i.estimate, i.lower, i.upper),
            None => {
                let u = Metric::Undefined(Undefined::EmptyInput);
                (u, u, u)
            }
        }
    }

    fn compare(&self, table: &Table, tolerance: f64) -> Result<Compared, BehaviourError> {
        let outputs = self.score(table)?;
        let n = self.n();
        let changed_rows = (0..n)
            .filter(|&r| self.base.changed(&outputs, r, tolerance))
            .count() as u64;
        let total: f64 = (0..n)
            .map(|r| self.base.max_score_change(&outputs, r))
            .filter(|c| c.is_finite())
            .sum();
        Ok(Compared {
            metric: self.metric(&outputs),
            changed_rows,
            mean_abs_change: total / n.max(1) as f64,
            outputs,
        })
    }

    fn point(&self, level: f64, c: &Compared) -> CurvePoint {
        let n = self.n() as u64;
        let (lo, hi) = wilson_interval(c.changed_rows, n, self.settings.confidence);
        CurvePoint {
            level,
            metric: c.metric.0,
            lower: c.metric.1,
            upper: c.metric.2,
            changed: c.changed_rows as f64 / n.max(1) as f64,
            changed_lower: lo,
            changed_upper: hi,
        }
    }

    fn impact(&self, feature: &str, c: &Compared) -> FeatureImpact {
        FeatureImpact {
            feature: feature.to_owned(),
            changed: c.changed_rows as f64 / self.n().max(1) as f64,
            mean_abs_score_change: c.mean_abs_change,
            metric: c.metric.0,
        }
    }

    /// The rows whose scores moved most in `c`.
    fn worst_moved(&self, c: &Compared, change: &str, tolerance: f64) -> Vec<WorstRow> {
        let shown = |r: usize| self.base.shown_index(self.base.predicted[r]);
        let candidates = (0..self.n()).map(|r| {
            let moved = self.base.max_score_change(&c.outputs, r);
            (
                moved,
                WorstRow {
                    row: self.row_ids[r] as u64 + 1,
                    change: change.to_owned(),
                    score_before: self.base.score(r, shown(r)),
                    score_after: c.outputs.score(r, shown(r)),
                    failed: self.base.changed(&c.outputs, r, tolerance),
                },
            )
        });
        worst(candidates, self.settings.worst_rows)
    }

    fn perturbation(
        &self,
        index: u64,
        p: &PerturbationSpec,
        notes: &mut Vec<String>,
    ) -> Result<BehaviourTest, BehaviourError> {
        let tolerance = p.tolerance.unwrap_or(self.settings.tolerance);
        let seed = self.settings.seed;
        let name_of = |default: &str| p.name.clone().unwrap_or_else(|| default.to_owned());
        let test_name = name_of(match p.kind {
            PerturbationKind::Noise => "gaussian noise",
            PerturbationKind::Missing => "missing values",
            PerturbationKind::Swap => "category swap",
        });
        let columns: Vec<&Column> = match &p.columns {
            Some(list) => list
                .iter()
                .map(|c| check_column(&self.rows, &test_name, c))
                .collect::<Result<_, _>>()?,
            None => self
                .features
                .iter()
                .map(|c| check_column(&self.rows, &test_name, c))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|c| match p.kind {
                    PerturbationKind::Noise => is_numeric(c),
                    PerturbationKind::Missing => true,
                    PerturbationKind::Swap => self.is_categorical(c),
                })
                .collect(),
        };
        for c in &columns {
            if c.name() == self.label {
                return Err(BehaviourError::LabelColumn {
                    test: test_name,
                    column: c.name().to_owned(),
                });
            }
        }
        let base_point = CurvePoint {
            level: 0.0,
            changed: 0.0,
            changed_lower: 0.0,
            changed_upper: wilson_interval(0, self.n() as u64, self.settings.confidence).1,
            ..self.point(0.0, &self.compare_base())
        };
        let mut curve = vec![base_point];
        let mut features = Vec::new();
        let (strongest, description) = match p.kind {
            PerturbationKind::Noise => {
                let mut numeric = Vec::new();
                for c in &columns {
                    let values = numbers(c).ok_or_else(|| BehaviourError::NotNumeric {
                        test: test_name.clone(),
                        column: c.name().to_owned(),
                        data_type: c.data_type().name(),
                    })?;
                    let sd = std_dev(&values);
                    if sd == 0.0 {
                        notes.push(format!(
                            "{test_name}: `{}` is constant on the tested rows; noise leaves it unchanged",
                            c.name()
                        ));
                    }
                    let domain = self.noise_domain(c.name(), &values);
                    numeric.push((c.name(), values, sd, domain));
                }
                let levels = p.levels.clone().unwrap_or_else(|| DEFAULT_LEVELS.to_vec());
                let mut strongest: Option<(f64, Compared)> = None;
                for (li, &level) in levels.iter().enumerate() {
                    let mut t = self.rows.clone();
                    for (ci, (name, values, sd, domain)) in numeric.iter().enumerate() {
                        let mut rng = SplitMix64::new(stream(
                            seed,
                            1,
                            index,
                            ((li as u64) << 20) | ci as u64,
                        ));
                        t =
                            t.with_column(with_noise(name, values, level * sd, &mut rng, *domain))?;
                    }
                    let c = self.compare(&t, tolerance)?;
                    curve.push(self.point(level, &c));
                    if strongest.as_ref().is_none_or(|(l, _)| level >= *l) {
                        strongest = Some((level, c));
                    }
                }
                let top = strongest.as_ref().map_or(0.0, |(l, _)| *l);
                for (ci, (name, values, sd, domain)) in numeric.iter().enumerate() {
                    let mut rng = SplitMix64::new(stream(seed, 2, index, ci as u64));
                    let t = self.rows.with_column(with_noise(
                        name,
                        values,
                        top * sd,
                        &mut rng,
                        *domain,
                    ))?;
                    features.push(self.impact(name, &self.compare(&t, tolerance)?));
                }
                (
                    strongest.map(|(_, c)| c),
                    format!(
                        "Gaussian noise of {} × each feature's standard deviation on {} numeric features; a row fails when its label flips or a score moves by more than {tolerance} at the strongest level ({top} × std)",
                        join_levels(&levels),
                        numeric.len()
                    ),
                )
            }
            PerturbationKind::Missing => {
                let cells = p.cells.unwrap_or(DEFAULT_MISSING_CELLS);
                // A pipeline that refuses a null in a column (no imputation before a
                // step that needs a value) cannot score it missing: the column is left
                // out of this test, and a note says why.
                let mut accepted = Vec::new();
                for c in &columns {
                    let t = self.rows.with_column(with_nulls(c, None)?)?;
                    match self.compare(&t, tolerance) {
                        Ok(compared) => {
                            features.push(self.impact(c.name(), &compared));
                            accepted.push(c);
                        }
                        Err(BehaviourError::Model(ModelRunError::Inputs(e)))
                            if self.pipeline.is_some() =>
                        {
                            notes.push(format!(
                                "{test_name}: the pipeline cannot take a missing `{}` ({e}); the column is left out of this test",
                                c.name()
                            ));
                        }
                        Err(e) => return Err(e),
                    }
                }
                let mut t = self.rows.clone();
                for (ci, c) in columns.iter().enumerate() {
                    if !accepted.iter().any(|a| a.name() == c.name()) {
                        continue;
                    }
                    let mut rng = SplitMix64::new(stream(seed, 3, index, ci as u64));
                    let mask: Vec<bool> = (0..self.n()).map(|_| rng.next_f64() < cells).collect();
                    t = t.with_column(with_nulls(c, Some(&mask))?)?;
                }
                let c = self.compare(&t, tolerance)?;
                curve.push(self.point(cells, &c));
                (
                    Some(c),
                    format!(
                        "each of {} features set to null in turn, and {} of all their cells at random; a row fails when its label flips or a score moves by more than {tolerance} with {} of cells missing",
                        accepted.len(),
                        percent(cells),
                        percent(cells)
                    ),
                )
            }
            PerturbationKind::Swap => {
                let mut t = self.rows.clone();
                let mut swapped = 0;
                for (ci, c) in columns.iter().enumerate() {
                    let d = distinct(c);
                    if d.values.len() < 2 {
                        notes.push(format!(
                            "{test_name}: `{}` has fewer than two values on the tested rows; not swapped",
                            c.name()
                        ));
                        continue;
                    }
                    let mut rng = SplitMix64::new(stream(seed, 4, index, ci as u64));
                    let donors: Vec<usize> = swap_donors(&d, &mut rng)
                        .into_iter()
                        .enumerate()
                        .map(|(r, d)| d.unwrap_or(r))
                        .collect();
                    let column = take_column(c, &donors)?;
                    let alone = self.rows.with_column(column.clone())?;
                    features.push(self.impact(c.name(), &self.compare(&alone, tolerance)?));
                    t = t.with_column(column)?;
                    swapped += 1;
                }
                let c = (swapped > 0)
                    .then(|| self.compare(&t, tolerance))
                    .transpose()?;
                if let Some(c) = &c {
                    curve.push(self.point(1.0, c));
                }
                (
                    c,
                    format!(
                        "each value of {swapped} categorical features replaced by another value observed in the column (drawn uniformly), alone and all at once; a row fails when its label flips or a score moves by more than {tolerance} with all swapped"
                    ),
                )
            }
        };
        features.sort_by(|a, b| {
            b.mean_abs_score_change
                .total_cmp(&a.mean_abs_score_change)
                .then(b.changed.total_cmp(&a.changed))
        });
        let (failed, tested, worst_rows) = match &strongest {
            Some(c) => (
                c.changed_rows,
                self.n() as u64,
                self.worst_moved(c, &test_name, tolerance),
            ),
            None => (0, 0, Vec::new()),
        };
        Ok(self.finish(
            test_name,
            BehaviourKind::Perturbation,
            description,
            tolerance,
            (tested, failed, 0),
            p.max_fail_rate,
            curve,
            features,
            worst_rows,
        ))
    }

    /// The unperturbed run against itself (the curve's first point).
    fn compare_base(&self) -> Compared {
        Compared {
            metric: self.metric(&self.base),
            changed_rows: 0,
            mean_abs_change: 0.0,
            outputs: self.base.clone(),
        }
    }

    /// Where noise on `name` must stay: through a pipeline, within the tested rows'
    /// observed values (its steps, e.g. a log, may refuse values beyond them) and, on a
    /// column it was fitted on as integers, integers (it refuses floats there).
    fn noise_domain(&self, name: &str, values: &[Option<f64>]) -> NoiseDomain {
        let Some(p) = self.pipeline else {
            return NoiseDomain::default();
        };
        let range = values
            .iter()
            .flatten()
            .fold(None, |r: Option<(f64, f64)>, &v| {
                Some(r.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
            });
        NoiseDomain {
            integers: p
                .input_schema()
                .iter()
                .any(|c| c.name == name && c.data_type == DataType::Int64),
            range,
        }
    }

    /// Strings and booleans, and columns the pipeline encodes as categories.
    fn is_categorical(&self, column: &Column) -> bool {
        matches!(column.data_type(), DataType::Str | DataType::Bool)
            || self.pipeline.is_some_and(|p| {
                p.input_schema()
                    .iter()
                    .any(|c| c.name == column.name() && c.categories.is_some())
            })
    }

    fn invariance(&self, index: u64, t: &InvarianceSpec) -> Result<BehaviourTest, BehaviourError> {
        let name = t
            .name
            .clone()
            .unwrap_or_else(|| format!("invariance: {}", t.column));
        let tolerance = t.tolerance.unwrap_or(self.settings.tolerance);
        let column = check_column(&self.rows, &name, &t.column)?;
        if t.column == self.label {
            return Err(BehaviourError::LabelColumn {
                test: name,
                column: t.column.clone(),
            });
        }
        let d = distinct(column);
        let n = self.n();
        let text = |r: usize| column.value_text(r).unwrap_or_else(|| "null".to_owned());
        // Per row: tested?, failed?, the largest move and its change.
        let mut tested = vec![false; n];
        let mut failed = vec![false; n];
        let mut worst_move: Vec<Option<(f64, String, f64)>> = vec![None; n];
        let shown = |r: usize| self.base.shown_index(self.base.predicted[r]);
        let mut record = |r: usize, out: &Outputs, to: &str| {
            tested[r] = true;
            failed[r] |= self.base.changed(out, r, tolerance);
            let moved = self.base.max_score_change(out, r);
            let moved = if moved.is_nan() { f64::INFINITY } else { moved };
            if worst_move[r].as_ref().is_none_or(|(m, _, _)| moved > *m) {
                worst_move[r] = Some((
                    moved,
                    format!("{}: {} → {to}", t.column, text(r)),
                    out.score(r, shown(r)),
                ));
            }
        };
        let description = match t.mode {
            InvarianceMode::Values => {
                if d.values.len() > MAX_INVARIANCE_VALUES {
                    return Err(BehaviourError::TooManyValues {
                        test: name,
                        column: t.column.clone(),
                        values: d.values.len(),
                        max: MAX_INVARIANCE_VALUES,
                    });
                }
                for (vi, &donor) in d.first_row.iter().enumerate() {
                    let changed = take_column(column, &vec![donor; n])?;
                    let out = self.score(&self.rows.with_column(changed)?)?;
                    for r in (0..n).filter(|&r| d.of_row[r] != Some(vi)) {
                        record(r, &out, &d.values[vi]);
                    }
                }
                format!(
                    "every row re-scored with each of the {} other values observed in `{}`; a row fails when its label flips or a score moves by more than {tolerance} for any of them",
                    d.values.len().saturating_sub(1),
                    t.column
                )
            }
            InvarianceMode::Permutation => {
                let mut rng = SplitMix64::new(stream(self.settings.seed, 5, index, 0));
                let perm = permutation(n, &mut rng);
                let changed = take_column(column, &perm)?;
                let out = self.score(&self.rows.with_column(changed.clone())?)?;
                for r in 0..n {
                    if changed.value_text(r) != column.value_text(r) {
                        let to = changed.value_text(r).unwrap_or_else(|| "null".to_owned());
                        record(r, &out, &to);
                    }
                }
                format!(
                    "`{}` permuted across rows (seeded); a row fails when its label flips or a score moves by more than {tolerance}; rows that kept their value are left out",
                    t.column
                )
            }
        };
        let tested_rows = tested.iter().filter(|&&x| x).count() as u64;
        let failed_rows = failed.iter().filter(|&&x| x).count() as u64;
        let candidates = (0..n).filter_map(|r| {
            let (moved, change, after) = worst_move[r].clone()?;
            Some((
                moved,
                WorstRow {
                    row: self.row_ids[r] as u64 + 1,
                    change,
                    score_before: self.base.score(r, shown(r)),
                    score_after: after,
                    failed: failed[r],
                },
            ))
        });
        let worst_rows = worst(candidates, self.settings.worst_rows);
        Ok(self.finish(
            name,
            BehaviourKind::Invariance,
            description,
            tolerance,
            (tested_rows, failed_rows, n as u64 - tested_rows),
            t.max_fail_rate,
            Vec::new(),
            Vec::new(),
            worst_rows,
        ))
    }

    fn directional(&self, t: &DirectionalSpec) -> Result<BehaviourTest, BehaviourError> {
        let sign = if t.delta > 0.0 { "+" } else { "" };
        let name = t
            .name
            .clone()
            .unwrap_or_else(|| format!("directional: {} {sign}{}", t.column, t.delta));
        let tolerance = t.tolerance.unwrap_or(self.settings.tolerance);
        let column = check_column(&self.rows, &name, &t.column)?;
        if t.column == self.label {
            return Err(BehaviourError::LabelColumn {
                test: name,
                column: t.column.clone(),
            });
        }
        if !is_numeric(column) {
            return Err(BehaviourError::NotNumeric {
                test: name,
                column: t.column.clone(),
                data_type: column.data_type().name(),
            });
        }
        let (index, score_name, bounded) = match &self.base.kind {
            OutputKind::Binary => (
                0,
                format!("the probability of `{}`", self.scorer.binary_classes[1]),
                true,
            ),
            OutputKind::Regression => (0, "the predicted value".to_owned(), false),
            OutputKind::Labels => return Err(BehaviourError::NeedsScore { test: name }),
            OutputKind::Probabilities(classes) => {
                let Some(class) = &t.class else {
                    return Err(BehaviourError::NeedsClass {
                        test: name,
                        classes: classes.clone(),
                    });
                };
                let Some(j) = classes.iter().position(|c| c == class) else {
                    return Err(BehaviourError::UnknownClass {
                        test: name,
                        class: class.clone(),
                        classes: classes.clone(),
                    });
                };
                (j, format!("the probability of `{class}`"), true)
            }
        };
        let out = self.score(&self.rows.with_column(shifted(column, t.delta))?)?;
        let n = self.n();
        let (mut tested, mut failed, mut skipped) = (0u64, 0u64, 0u64);
        let mut candidates = Vec::new();
        for r in 0..n {
            if column.data().is_null(r) {
                skipped += 1;
                continue;
            }
            let before = self.base.score(r, index);
            let after = out.score(r, index);
            let (saturated, against) = match t.expect {
                Expectation::Increase => (bounded && before <= tolerance, before - after),
                Expectation::Decrease => (bounded && before >= 1.0 - tolerance, after - before),
            };
            if saturated {
                skipped += 1;
                continue;
            }
            tested += 1;
            let fails = against.is_nan() || against > tolerance;
            failed += u64::from(fails);
            let value = column.value_text(r).unwrap_or_default();
            candidates.push((
                if against.is_nan() {
                    f64::INFINITY
                } else {
                    against
                },
                WorstRow {
                    row: self.row_ids[r] as u64 + 1,
                    change: format!("{}: {value} {sign}{}", t.column, t.delta),
                    score_before: before,
                    score_after: after,
                    failed: fails,
                },
            ));
        }
        let verb = match t.expect {
            Expectation::Increase => "go down",
            Expectation::Decrease => "go up",
        };
        let description = format!(
            "`{}` changed by {sign}{}: {score_name} must not {verb} by more than {tolerance}; rows where it cannot (already within {tolerance} of its bound) and null values are counted apart",
            t.column, t.delta
        );
        let worst_rows = worst(candidates.into_iter(), self.settings.worst_rows);
        Ok(self.finish(
            name,
            BehaviourKind::Directional,
            description,
            tolerance,
            (tested, failed, skipped),
            t.max_fail_rate,
            Vec::new(),
            Vec::new(),
            worst_rows,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        name: String,
        kind: BehaviourKind,
        description: String,
        tolerance: f64,
        (tested_rows, failed_rows, skipped_rows): (u64, u64, u64),
        max_fail_rate: Option<f64>,
        curve: Vec<CurvePoint>,
        features: Vec<FeatureImpact>,
        worst_rows: Vec<WorstRow>,
    ) -> BehaviourTest {
        let fail_rate = if tested_rows == 0 {
            0.0
        } else {
            failed_rows as f64 / tested_rows as f64
        };
        let (lower, upper) = wilson_interval(failed_rows, tested_rows, self.settings.confidence);
        let status = match max_fail_rate {
            None => BehaviourStatus::NotJudged,
            Some(max) if fail_rate <= max => BehaviourStatus::Pass,
            Some(_) => BehaviourStatus::Fail,
        };
        BehaviourTest {
            name,
            kind,
            description,
            tolerance,
            tested_rows,
            failed_rows,
            skipped_rows,
            fail_rate,
            fail_rate_lower: lower,
            fail_rate_upper: upper,
            max_fail_rate,
            status,
            curve,
            features,
            worst_rows,
        }
    }
}

/// The `n` candidates with the largest positive key (rows that moved, or moved against
/// the expectation), largest first (ties: earlier rows first).
fn worst(candidates: impl Iterator<Item = (f64, WorstRow)>, n: usize) -> Vec<WorstRow> {
    let mut all: Vec<(f64, WorstRow)> = candidates.filter(|(key, _)| *key > 0.0).collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.row.cmp(&b.1.row)));
    all.into_iter().take(n).map(|(_, w)| w).collect()
}

fn join_levels(levels: &[f64]) -> String {
    levels
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent(share: f64) -> String {
    format!("{}%", (share * 1e4).round() / 1e2)
}
