//! What to evaluate: [`EvalConfig`], deserialisable from JSON or TOML so a CLI
//! flag set, a config file and the web app all describe an evaluation the same way.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::bootstrap::BootstrapMethod;

use super::contract::MetricContract;
use super::fingerprint::Fingerprints;

/// Classification or regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Classification,
    Regression,
}

/// A probability column and the class it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassProbabilityColumn {
    /// The class name as it appears in the label column.
    pub class: String,
    pub column: String,
}

/// Where the model's predictions are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predictions {
    /// Predicted classes (same vocabulary as the labels) or, for regression,
    /// predicted values.
    Column(String),
    /// Binary: the probability of the positive class; `score >= threshold`
    /// predicts positive.
    Score(String),
    /// One probability column per class.
    Probabilities(Vec<ClassProbabilityColumn>),
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapSettings {
    pub replicates: u32,
    pub seed: u64,
    pub confidence: f64,
    /// `poisson` (default) or `multinomial`; see [`crate::metrics::bootstrap`].
    pub method: BootstrapMethod,
    /// Threads for the replicates (natively; `None`: every available core). Not a
    /// setting of the evaluation: the intervals are the same for any count.
    #[serde(skip)]
    pub threads: Option<usize>,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self {
            replicates: 1000,
            seed: 0,
            confidence: 0.95,
            method: BootstrapMethod::Poisson,
            threads: None,
        }
    }
}

/// The eyeball / blackbox split (see [`crate::metrics::split`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SplitSettings {
    /// Column whose cell text keys each row; `None` keys rows by their 1-based
    /// number (stable only while row order is).
    pub key_column: Option<String>,
    /// Share of rows in the eyeball part, on which recalibrators are fitted.
    pub eyeball_fraction: f64,
    pub seed: u64,
}

impl Default for SplitSettings {
    fn default() -> Self {
        Self {
            key_column: None,
            eyeball_fraction: 0.5,
            seed: 0,
        }
    }
}

/// A human-level figure the user types in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanFigure {
    pub metric: String,
    pub value: f64,
    /// Where the figure comes from (e.g. "two annotators, 2024 audit").
    #[serde(default)]
    pub source: Option<String>,
}

/// One case of a [`Heuristic::Cases`] baseline: where `when` holds, predict `label`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeuristicCase {
    /// A rule over the table's columns (see [`super::rule`]).
    pub when: String,
    /// The class predicted where the rule holds, as it appears in the label column.
    pub label: String,
}

/// Ordered cases and the class of the rows no case takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeuristicCases {
    pub cases: Vec<HeuristicCase>,
    pub default: String,
}

/// A heuristic baseline: rules over the table's columns (see [`super::rule`]).
///
/// In TOML either a string (`heuristic = "income > 50000"`) or a table of cases:
///
/// ```toml
/// [baselines.heuristic]
/// cases = [
///     { when = "petal_length < 2.5", label = "setosa" },
///     { when = "petal_width >= 1.75", label = "virginica" },
/// ]
/// default = "versicolor"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Heuristic {
    /// Binary tasks: the positive class where the rule holds, the negative one
    /// elsewhere.
    Rule(String),
    /// Any number of classes: each row gets the label of the first case whose rule
    /// holds, and `default` when none does. A rule that is false or unknown (a
    /// comparison with a null) does not hold, as in [`Heuristic::Rule`].
    Cases(HeuristicCases),
}

impl<'de> Deserialize<'de> for Heuristic {
    // By hand rather than `untagged`, so that a malformed table of cases is reported
    // by its field ("missing field `default`") instead of "no variant matched".
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeuristicVisitor;
        impl<'de> serde::de::Visitor<'de> for HeuristicVisitor {
            type Value = Heuristic;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a rule (a string) or a table with `cases` and `default`")
            }

            fn visit_str<E: serde::de::Error>(self, rule: &str) -> Result<Heuristic, E> {
                Ok(Heuristic::Rule(rule.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Heuristic, A::Error> {
                HeuristicCases::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Heuristic::Cases)
            }
        }
        deserializer.deserialize_any(HeuristicVisitor)
    }
}

impl From<&str> for Heuristic {
    fn from(rule: &str) -> Self {
        Self::Rule(rule.to_owned())
    }
}

/// Optional baselines next to the analytic ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BaselineSettings {
    /// Rules over the table's columns: one rule for a binary task, or cases for any
    /// number of classes (see [`Heuristic`]).
    pub heuristic: Option<Heuristic>,
    /// A column with an existing solution's predictions (classes, or values for
    /// regression).
    pub existing_column: Option<String>,
    pub human: Vec<HumanFigure>,
}

/// Targets for choosing a threshold from the sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdTargets {
    /// Lowest threshold whose precision (accuracy on answered rows) reaches this.
    pub precision: Option<f64>,
    /// Highest threshold whose coverage reaches this.
    pub coverage: Option<f64>,
}

/// Facts measured by the caller (the CLI times the model; the report cannot).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct MeasuredFacts {
    pub latency_ms_per_row: Option<f64>,
    pub model_size_mb: Option<f64>,
}

/// Everything [`super::evaluate`] needs besides the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// The column holding the true class or target.
    pub label: String,
    pub predictions: Predictions,
    /// `None` infers it: per-class probabilities and scores are classification; a
    /// prediction column is regression when the label or the prediction column
    /// holds a non-integral number, classification otherwise.
    #[serde(default)]
    pub task: Option<TaskKind>,
    /// Binary tasks: the positive class; inferred for 0/1, false/true and -1/1.
    #[serde(default)]
    pub positive_label: Option<String>,
    /// Decision threshold of a binary task's positive-class probability (a score
    /// column, or the positive class's column of two probability columns).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    #[serde(default)]
    pub bootstrap: BootstrapSettings,
    #[serde(default)]
    pub split: SplitSettings,
    /// Bins of the reliability diagrams.
    #[serde(default = "default_bins")]
    pub calibration_bins: usize,
    /// Also bin the reliability diagram of all rows by equal mass (each bin holds the
    /// same number of rows): `reliability_equal_mass`, and the metrics
    /// `ece_equal_mass` / `mce_equal_mass` with intervals. The equal-width diagram
    /// (`ece`, `mce`, and calibration before / after) is always computed.
    #[serde(default = "default_true")]
    pub equal_mass_bins: bool,
    #[serde(default)]
    pub targets: ThresholdTargets,
    #[serde(default)]
    pub baselines: BaselineSettings,
    #[serde(default)]
    pub contract: Option<MetricContract>,
    #[serde(default)]
    pub facts: MeasuredFacts,
    #[serde(default)]
    pub fingerprints: Fingerprints,
    /// Most points kept in each curve and in the threshold sweep.
    #[serde(default = "default_max_points")]
    pub max_curve_points: usize,
}

fn default_threshold() -> f64 {
    0.5
}

fn default_bins() -> usize {
    10
}

fn default_true() -> bool {
    true
}

fn default_max_points() -> usize {
    101
}

/// The keys of a bare metric contract, hoisted into `contract` by
/// [`EvalConfig::from_settings`].
const CONTRACT_KEYS: [&str; 2] = ["optimizing", "satisficing"];
const CONTRACT_TWICE: &str = "the contract is given twice: use top-level `optimizing` / \
     `satisficing` or a `contract` table, not both";

/// The language of a settings text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsFormat {
    Toml,
    Json,
}

impl SettingsFormat {
    /// JSON for a `.json` file, TOML otherwise.
    pub fn from_extension(extension: &str) -> Self {
        if extension.eq_ignore_ascii_case("json") {
            Self::Json
        } else {
            Self::Toml
        }
    }

    /// JSON when the text starts with `{`, TOML otherwise (a settings box).
    pub fn guess(text: &str) -> Self {
        if text.trim_start().starts_with('{') {
            Self::Json
        } else {
            Self::Toml
        }
    }

    /// `text` in this format as a JSON value: a syntax error names its line and column.
    /// A TOML value has a JSON twin but for dates and non-finite floats (`nan`, `inf`),
    /// which no setting takes: each is an error naming its path and value.
    pub fn value(self, text: &str) -> Result<serde_json::Value, String> {
        match self {
            Self::Toml => {
                let table: toml::Table = text
                    .parse()
                    .map_err(|e: toml::de::Error| e.to_string().trim_end().to_owned())?;
                toml_to_json(toml::Value::Table(table), &mut String::new())
            }
            Self::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
        }
    }

    /// Reads settings of type `T` from `text` in this format. Both formats go through
    /// one deserializer ([`settings_from_value`]), so the page compiles each settings
    /// type's deserializer once, not once per format (≈ 10 KB of its gzip'd bundle for
    /// the evaluation config alone).
    pub fn read<T: serde::de::DeserializeOwned>(self, text: &str) -> Result<T, String> {
        settings_from_value(self.value(text)?)
    }
}

/// A TOML value as JSON; `path` is where it sits (`a.b[2]`), for the errors.
fn toml_to_json(value: toml::Value, path: &mut String) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    let at = |path: &str| {
        if path.is_empty() {
            "the top level"
        } else {
            path
        }
        .to_owned()
    };
    Ok(match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(n) => J::Number(n),
            None => {
                return Err(format!(
                    "`{}` = {f}: settings take finite numbers only",
                    at(path)
                ));
            }
        },
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => {
            return Err(format!("`{}` = {d}: no setting takes a date", at(path)));
        }
        toml::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(toml_to_json(item, path)?);
                path.truncate(len);
            }
            J::Array(out)
        }
        toml::Value::Table(table) => {
            let mut out = serde_json::Map::new();
            for (key, item) in table {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
                let item = toml_to_json(item, path)?;
                path.truncate(len);
                out.insert(key, item);
            }
            J::Object(out)
        }
    })
}

/// `T` from a JSON value; a bad value is named by its path
/// (`bootstrap.replicates: invalid type: string "many", expected u32`).
pub fn settings_from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("{path}: {}", e.into_inner())
        }
    })
}

/// A JSON value's type with its article, for errors (`an array`, `a string`).
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "a null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "a table",
    }
}

/// Why a configuration could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("the evaluation config is not valid TOML: {message}")]
    Toml { message: String },
    #[error("the evaluation config is not valid JSON: {message}")]
    Json { message: String },
    #[error("the settings give no `predictions`, and none were picked")]
    MissingPredictions,
}

impl EvalConfig {
    /// Reads a TOML configuration (every field but `label` and `predictions` is
    /// optional). Settings are checked by [`super::evaluate`].
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        SettingsFormat::Toml
            .read(text)
            .map_err(|message| ConfigError::Toml { message })
    }

    /// Reads evaluation settings, TOML or JSON — the one parser behind `lockstep eval
    /// --config`, the web app's settings box and [`super::request`]: a whole config, or
    /// only a metric contract (top-level `optimizing` / `satisficing`), or both.
    /// `label` replaces any label the text gives; `predictions`, when given, replaces
    /// the text's (which is then optional).
    pub fn from_settings(
        text: &str,
        format: SettingsFormat,
        label: &str,
        predictions: Option<&Predictions>,
    ) -> Result<Self, ConfigError> {
        // Both formats become one JSON object, read by one deserializer
        // (`SettingsFormat::read`); errors keep the format's name.
        let error = |message: String| match format {
            SettingsFormat::Toml => ConfigError::Toml { message },
            SettingsFormat::Json => ConfigError::Json { message },
        };
        // A TOML document is always a table.
        let serde_json::Value::Object(mut map) = format.value(text).map_err(error)? else {
            return Err(error("the settings must be a JSON object".to_owned()));
        };
        if CONTRACT_KEYS.iter().any(|k| map.contains_key(*k)) {
            if map.contains_key("contract") {
                return Err(error(CONTRACT_TWICE.to_owned()));
            }
            let contract: serde_json::Map<String, serde_json::Value> = CONTRACT_KEYS
                .iter()
                .filter_map(|k| map.remove(*k).map(|v| ((*k).to_owned(), v)))
                .collect();
            map.insert("contract".to_owned(), serde_json::Value::Object(contract));
        }
        map.insert(
            "label".to_owned(),
            serde_json::Value::String(label.to_owned()),
        );
        match predictions {
            Some(predictions) => {
                let predictions =
                    serde_json::to_value(predictions).map_err(|e| error(e.to_string()))?;
                map.insert("predictions".to_owned(), predictions);
            }
            None if !map.contains_key("predictions") => {
                return Err(ConfigError::MissingPredictions);
            }
            None => {}
        }
        settings_from_value(serde_json::Value::Object(map)).map_err(error)
    }

    /// [`EvalConfig::from_settings`] for TOML, the columns picked by the caller.
    pub fn from_toml_settings(
        text: &str,
        label: &str,
        predictions: &Predictions,
    ) -> Result<Self, ConfigError> {
        Self::from_settings(text, SettingsFormat::Toml, label, Some(predictions))
    }

    /// Reads a JSON configuration.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError::Json {
            message: e.to_string(),
        })
    }

    /// A configuration with every default: `label` against `predictions`.
    pub fn new(label: impl Into<String>, predictions: Predictions) -> Self {
        Self {
            label: label.into(),
            predictions,
            task: None,
            positive_label: None,
            threshold: default_threshold(),
            bootstrap: BootstrapSettings::default(),
            split: SplitSettings::default(),
            calibration_bins: default_bins(),
            equal_mass_bins: true,
            targets: ThresholdTargets::default(),
            baselines: BaselineSettings::default(),
            contract: None,
            facts: MeasuredFacts::default(),
            fingerprints: Fingerprints::default(),
            max_curve_points: default_max_points(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_config_fills_defaults_and_reads_the_contract() {
        let config = EvalConfig::from_toml(
            r#"
label = "churned"
positive_label = "yes"
predictions = { score = "p_yes" }

[bootstrap]
replicates = 500

[baselines]
heuristic = "tenure < 12"
human = [{ metric = "f1", value = 0.7 }]

[contract]
optimizing = "f1"
satisficing = ["ece <= 0.05"]
"#,
        )
        .unwrap();
        assert_eq!(config.predictions, Predictions::Score("p_yes".into()));
        assert_eq!(config.bootstrap.replicates, 500);
        assert_eq!(config.bootstrap.confidence, 0.95);
        assert_eq!(config.threshold, 0.5);
        assert_eq!(config.split, SplitSettings::default());
        assert_eq!(config.baselines.human[0].source, None);
        assert_eq!(
            config.contract.unwrap().satisficing[0].to_string(),
            "ece <= 0.05"
        );
    }

    #[test]
    fn a_heuristic_is_a_rule_or_cases_with_a_default() {
        let config = EvalConfig::from_toml(
            r#"
label = "species"
predictions = { column = "predicted" }

[baselines.heuristic]
cases = [
    { when = "petal_length < 2.5", label = "setosa" },
    { when = "petal_width >= 1.75", label = "virginica" },
]
default = "versicolor"
"#,
        )
        .unwrap();
        let Some(Heuristic::Cases(cases)) = &config.baselines.heuristic else {
            panic!("{:?}", config.baselines.heuristic);
        };
        assert_eq!(cases.cases[1].when, "petal_width >= 1.75");
        assert_eq!(cases.default, "versicolor");
        // Round trip through JSON keeps the form.
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(EvalConfig::from_json(&json).unwrap(), config);

        let rule = EvalConfig::from_toml(
            "label = \"y\"\npredictions = { score = \"p\" }\n[baselines]\nheuristic = \"age < 30\"\n",
        )
        .unwrap();
        assert_eq!(rule.baselines.heuristic, Some(Heuristic::from("age < 30")));

        let err = EvalConfig::from_toml(
            "label = \"y\"\npredictions = { score = \"p\" }\n[baselines.heuristic]\ncases = []\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing field `default`"), "{err}");
        let err = EvalConfig::from_toml(
            "label = \"y\"\npredictions = { score = \"p\" }\n[baselines]\nheuristic = 3\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("a rule (a string) or a table with `cases` and `default`"),
            "{err}"
        );
    }

    #[test]
    fn settings_take_a_config_or_a_bare_contract_and_the_callers_columns() {
        let score = Predictions::Score("score".into());
        let config = EvalConfig::from_toml_settings(
            "optimizing = \"roc_auc\"\nsatisficing = [\"f1 >= 0.8\"]\n[bootstrap]\nreplicates = 50\n",
            "malignant",
            &score,
        )
        .unwrap();
        assert_eq!(config.label, "malignant");
        assert_eq!(config.predictions, score);
        assert_eq!(config.bootstrap.replicates, 50);
        let contract = config.contract.unwrap();
        assert_eq!(contract.optimizing, "roc_auc");
        assert_eq!(contract.satisficing[0].to_string(), "f1 >= 0.8");

        // A whole config's own label and predictions give way to the caller's.
        let example = include_str!("../../../docs/examples/eval.toml");
        let config = EvalConfig::from_toml_settings(example, "y", &score).unwrap();
        assert_eq!(config.label, "y");
        assert_eq!(config.predictions, score);
        assert_eq!(config, {
            let mut from_file = EvalConfig::from_toml(example).unwrap();
            from_file.label = "y".into();
            from_file.predictions = score.clone();
            from_file
        });
        // Empty settings are the defaults.
        assert_eq!(
            EvalConfig::from_toml_settings("", "y", &score).unwrap(),
            EvalConfig::new("y", score.clone())
        );

        for (text, expected) in [
            ("[bootstrap\n", "line 1, column 11"),
            (
                "[bootstrap]\nreplicates = \"many\"\n",
                "bootstrap.replicates: invalid type: string \"many\"",
            ),
            (
                "optimizing = \"f1\"\n[contract]\noptimizing = \"f1\"\n",
                "the contract is given twice",
            ),
        ] {
            let err = EvalConfig::from_toml_settings(text, "y", &score).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn json_configs_name_probability_columns_per_class() {
        let config = EvalConfig::from_json(
            r#"{"label": "animal", "task": "classification",
                "predictions": {"probabilities": [{"class": "cat", "column": "p_cat"},
                                                  {"class": "dog", "column": "p_dog"}]}}"#,
        )
        .unwrap();
        let Predictions::Probabilities(pairs) = &config.predictions else {
            panic!("{:?}", config.predictions);
        };
        assert_eq!(pairs[1].column, "p_dog");
        assert_eq!(config.task, Some(TaskKind::Classification));
        let err = EvalConfig::from_json(r#"{"label": "a"}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `predictions`"),
            "{err}"
        );
    }
}
