//! The behavioural tests as declared: a TOML file (`lockstep eval --behaviour`).
//!
//! ```toml
//! [settings]                 # all optional
//! sample_rows = 1000         # rows drawn (with `seed`) when the data has more
//! seed = 0
//! bootstrap_replicates = 200 # the metric-vs-noise curve's intervals
//! confidence = 0.95          # of every interval (bootstrap and Wilson)
//! threshold = 0.5            # binary decision threshold (default: the report's, else 0.5)
//! tolerance = 0.01           # default score tolerance of every test
//! worst_rows = 5             # rows listed per test
//! features = ["age", "income"] # the columns perturbations cover (default: all but the label)
//!
//! [[perturbation]]
//! kind = "noise"             # noise | missing | swap
//! levels = [0.01, 0.05, 0.1, 0.25]  # noise: × each feature's standard deviation
//! max_fail_rate = 0.1
//!
//! [[invariance]]
//! column = "sex"
//! mode = "values"            # values (each other observed value) | permutation
//! max_fail_rate = 0.0
//!
//! [[directional]]
//! column = "income"
//! delta = 1000               # added to the column
//! expect = "increase"        # the score must not go down (by more than the tolerance)
//! max_fail_rate = 0.02
//! ```
//!
//! A file that declares no test runs the default suite ([`BehaviourSpec::default_suite`]).
//! Column names are checked against the data when the tests run
//! ([`super::BehaviourError`]); the numbers here are checked on reading.

use serde::{Deserialize, Serialize};

use super::BehaviourError;

/// The default noise levels, in standard deviations of each feature.
pub const DEFAULT_LEVELS: [f64; 4] = [0.01, 0.05, 0.1, 0.25];
/// Rows drawn when the data has more.
pub const DEFAULT_SAMPLE_ROWS: usize = 1000;
/// The share of all feature cells a `missing` perturbation sets to null.
pub const DEFAULT_MISSING_CELLS: f64 = 0.05;
/// The score tolerance of a test that does not set one.
pub const DEFAULT_TOLERANCE: f64 = 0.01;

/// Settings shared by every test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviourSettings {
    pub sample_rows: usize,
    pub seed: u64,
    pub bootstrap_replicates: u32,
    pub confidence: f64,
    /// The binary decision threshold; `None`: the evaluation's, else 0.5.
    pub threshold: Option<f64>,
    pub tolerance: f64,
    pub worst_rows: usize,
    /// The raw columns perturbations cover; `None`: every column but the label.
    pub features: Option<Vec<String>>,
}

impl Default for BehaviourSettings {
    fn default() -> Self {
        Self {
            sample_rows: DEFAULT_SAMPLE_ROWS,
            seed: 0,
            bootstrap_replicates: 200,
            confidence: 0.95,
            threshold: None,
            tolerance: DEFAULT_TOLERANCE,
            worst_rows: 5,
            features: None,
        }
    }
}

/// What a perturbation does to the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerturbationKind {
    /// Gaussian noise of `level × std` on every numeric feature.
    Noise,
    /// Each feature set to null in turn, and `cells` of all feature cells at random.
    Missing,
    /// Each categorical value replaced by another value observed in the column.
    Swap,
}

/// One perturbation test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerturbationSpec {
    pub name: Option<String>,
    pub kind: PerturbationKind,
    /// Noise: levels in standard deviations (default [`DEFAULT_LEVELS`]).
    pub levels: Option<Vec<f64>>,
    /// Missing: the share of all cells set to null (default [`DEFAULT_MISSING_CELLS`]).
    pub cells: Option<f64>,
    /// The columns perturbed (default: the settings' features of the right type).
    pub columns: Option<Vec<String>>,
    pub tolerance: Option<f64>,
    pub max_fail_rate: Option<f64>,
}

/// How an invariance test changes its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvarianceMode {
    /// Every row re-scored with each other value observed in the column.
    #[default]
    Values,
    /// The column's values shuffled across rows (seeded).
    Permutation,
}

/// A column that must not matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvarianceSpec {
    pub name: Option<String>,
    pub column: String,
    #[serde(default)]
    pub mode: InvarianceMode,
    pub tolerance: Option<f64>,
    pub max_fail_rate: Option<f64>,
}

/// Which way the score is expected to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// The score must not go down by more than the tolerance.
    Increase,
    /// The score must not go up by more than the tolerance.
    Decrease,
}

/// Raise (or lower) a column by `delta`; the score must not move against `expect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionalSpec {
    pub name: Option<String>,
    pub column: String,
    pub delta: f64,
    pub expect: Expectation,
    /// Multiclass: the class whose probability is the score.
    pub class: Option<String>,
    pub tolerance: Option<f64>,
    pub max_fail_rate: Option<f64>,
}

/// A whole behavioural test file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviourSpec {
    #[serde(default)]
    pub settings: BehaviourSettings,
    #[serde(default)]
    pub perturbation: Vec<PerturbationSpec>,
    #[serde(default)]
    pub invariance: Vec<InvarianceSpec>,
    #[serde(default)]
    pub directional: Vec<DirectionalSpec>,
}

impl PerturbationSpec {
    /// A perturbation of `kind` with every default.
    pub fn of(kind: PerturbationKind) -> Self {
        Self {
            name: None,
            kind,
            levels: None,
            cells: None,
            columns: None,
            tolerance: None,
            max_fail_rate: None,
        }
    }
}

impl BehaviourSpec {
    /// Reads and checks a TOML test file. An empty file is the default suite.
    pub fn from_toml(text: &str) -> Result<Self, BehaviourError> {
        let spec: Self = crate::report::SettingsFormat::Toml
            .read(text)
            .map_err(|message| BehaviourError::Toml { message })?;
        spec.validate()?;
        Ok(spec)
    }

    /// The default suite: Gaussian noise at [`DEFAULT_LEVELS`], missing values (each
    /// feature in turn and [`DEFAULT_MISSING_CELLS`] of all cells) and category swaps,
    /// over every feature, judged on nothing (no maximum fail rate).
    pub fn default_suite() -> Self {
        Self {
            settings: BehaviourSettings::default(),
            perturbation: vec![
                PerturbationSpec::of(PerturbationKind::Noise),
                PerturbationSpec::of(PerturbationKind::Missing),
                PerturbationSpec::of(PerturbationKind::Swap),
            ],
            invariance: Vec::new(),
            directional: Vec::new(),
        }
    }

    /// Whether the file declares no test (the default suite then runs).
    pub fn is_empty(&self) -> bool {
        self.perturbation.is_empty() && self.invariance.is_empty() && self.directional.is_empty()
    }

    /// Checks every number: shares in [0, 1], finite deltas and levels, positive counts.
    pub fn validate(&self) -> Result<(), BehaviourError> {
        let s = &self.settings;
        let bad = |setting: String, value: f64, expected: &'static str| {
            Err(BehaviourError::InvalidSetting {
                setting,
                value: value.to_string(),
                expected,
            })
        };
        if s.sample_rows == 0 {
            return bad("settings.sample_rows".into(), 0.0, "at least 1");
        }
        if s.bootstrap_replicates == 0 {
            return bad("settings.bootstrap_replicates".into(), 0.0, "at least 1");
        }
        if !(s.confidence > 0.0 && s.confidence < 1.0) {
            return bad(
                "settings.confidence".into(),
                s.confidence,
                "strictly between 0 and 1",
            );
        }
        if let Some(t) = s.threshold
            && !t.is_finite()
        {
            return bad("settings.threshold".into(), t, "a finite number");
        }
        check_tolerance("settings.tolerance".into(), Some(s.tolerance))?;
        let share = |setting: String, v: Option<f64>| match v {
            Some(v) if !(0.0..=1.0).contains(&v) => bad(setting, v, "a share in [0, 1]"),
            _ => Ok(()),
        };
        for (i, p) in self.perturbation.iter().enumerate() {
            let at = format!("perturbation[{i}]");
            if let Some(levels) = &p.levels {
                if levels.is_empty() {
                    return bad(format!("{at}.levels"), 0.0, "at least one level");
                }
                for &l in levels {
                    if !(l.is_finite() && l >= 0.0) {
                        return bad(format!("{at}.levels"), l, "finite levels ≥ 0");
                    }
                }
            }
            share(format!("{at}.cells"), p.cells)?;
            check_tolerance(format!("{at}.tolerance"), p.tolerance)?;
            share(format!("{at}.max_fail_rate"), p.max_fail_rate)?;
        }
        for (i, t) in self.invariance.iter().enumerate() {
            check_tolerance(format!("invariance[{i}].tolerance"), t.tolerance)?;
            share(format!("invariance[{i}].max_fail_rate"), t.max_fail_rate)?;
        }
        for (i, t) in self.directional.iter().enumerate() {
            if !t.delta.is_finite() || t.delta == 0.0 {
                return bad(
                    format!("directional[{i}].delta"),
                    t.delta,
                    "a finite number other than 0",
                );
            }
            check_tolerance(format!("directional[{i}].tolerance"), t.tolerance)?;
            share(format!("directional[{i}].max_fail_rate"), t.max_fail_rate)?;
        }
        Ok(())
    }
}

fn check_tolerance(setting: String, value: Option<f64>) -> Result<(), BehaviourError> {
    match value {
        Some(v) if !(v.is_finite() && v >= 0.0) => Err(BehaviourError::InvalidSetting {
            setting,
            value: v.to_string(),
            expected: "a finite number ≥ 0",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_with_defaults_and_an_empty_one_is_the_default_suite() {
        let spec = BehaviourSpec::from_toml(
            r#"
[settings]
seed = 7
[[perturbation]]
kind = "noise"
levels = [0.1]
max_fail_rate = 0.2
[[invariance]]
column = "sex"
[[directional]]
column = "income"
delta = -5
expect = "decrease"
"#,
        )
        .unwrap();
        assert_eq!(spec.settings.seed, 7);
        assert_eq!(spec.settings.sample_rows, 1000);
        assert_eq!(spec.invariance[0].mode, InvarianceMode::Values);
        assert_eq!(spec.directional[0].expect, Expectation::Decrease);
        assert!(BehaviourSpec::from_toml("").unwrap().is_empty());
        assert_eq!(BehaviourSpec::default_suite().perturbation.len(), 3);
    }

    #[test]
    fn bad_numbers_and_fields_are_named_errors() {
        let err = BehaviourSpec::from_toml(
            "[[directional]]\ncolumn = \"x\"\ndelta = nan\nexpect = \"increase\"",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("`directional[0].delta` = NaN: settings take finite numbers only"),
            "{err}"
        );
        let err = BehaviourSpec::from_toml("[[perturbation]]\nkind = \"noise\"\nlevels = [-1]")
            .unwrap_err();
        assert!(err.to_string().contains("perturbation[0].levels"), "{err}");
        let err = BehaviourSpec::from_toml("[[invariance]]\ncolumn = \"x\"\nmax_fail_rate = 2")
            .unwrap_err();
        assert!(err.to_string().contains("a share in [0, 1]"), "{err}");
        let err = BehaviourSpec::from_toml("[[perturbation]]\nkind = \"blur\"").unwrap_err();
        assert!(matches!(err, BehaviourError::Toml { .. }), "{err}");
    }
}
