//! The skew report: every check's outcome, one verdict, and renderings for a terminal,
//! a CI job summary (Markdown) and CI test reports (JUnit XML). JSON is its serde form.
//!
//! Reports quote values that clients sent (categories, column names, ids), so every
//! rendering goes through the evaluation report's export toolkit
//! ([`crate::report::export::format`]): control characters shown escaped on a terminal,
//! XML escaping with the control-character filter, Markdown text and code spans that a
//! value cannot break out of, and the same number formatting.

use std::fmt::Write as _;

use serde::Serialize;

use super::distribution::{DistributionSkew, FeatureDistance};
use super::log::TornLine;
use super::transform_parity::TransformParity;
use crate::report::export::format::{
    Align, Cell, ExportTable, difference, md_code, md_text, terminal_text, xml_escape,
};

/// The report format's version; changes when fields change meaning. Its JSON Schema is
/// committed at `docs/schema/skew-report.schema.json` ([`skew_report_schema`]).
pub const SKEW_REPORT_VERSION: &str = "1.2.0";

/// The `$id` of the skew report's schema of this version.
pub fn skew_schema_id() -> String {
    format!("https://lockstep.invalid/schema/skew-report/{SKEW_REPORT_VERSION}.json")
}

/// The JSON Schema (draft 2020-12) of [`SkewReport`], pretty-printed with a trailing
/// newline. A test keeps the committed copy equal to it.
pub fn skew_report_schema() -> Result<String, serde_json::Error> {
    let mut schema = schemars::schema_for!(SkewReport);
    schema.insert(
        "$id".to_owned(),
        serde_json::Value::String(skew_schema_id()),
    );
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String(format!(
            "Lockstep skew report, schema {SKEW_REPORT_VERSION}"
        )),
    );
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}

/// Logged fingerprints against the artefacts given to the checker.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FingerprintCheck {
    pub pipeline_expected: String,
    /// Distinct pipeline fingerprints found in the log.
    pub pipeline_logged: Vec<String>,
    pub model_expected: String,
    pub model_logged: Vec<String>,
}

impl FingerprintCheck {
    pub fn pipeline_matches(&self) -> bool {
        self.pipeline_logged
            .iter()
            .all(|f| *f == self.pipeline_expected)
    }

    pub fn model_matches(&self) -> bool {
        self.model_logged.iter().all(|f| *f == self.model_expected)
    }
}

/// One model output compared over all rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OutputParity {
    pub output: String,
    /// `float` or `labels`.
    pub kind: String,
    pub values: u64,
    /// Values outside the tolerance (floats) or differing labels.
    pub mismatches: u64,
    pub max_abs_diff: f64,
    /// Request ids of rows that differ most (floats) or first (labels).
    pub worst_ids: Vec<String>,
    /// Why the output could not be compared, if it could not.
    pub incomparable: Option<String>,
}

impl OutputParity {
    pub fn passed(&self) -> bool {
        self.mismatches == 0 && self.incomparable.is_none()
    }
}

/// Predictions recomputed by one engine against the logged outputs.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngineParity {
    pub engine: String,
    pub atol: f64,
    pub rtol: f64,
    pub outputs: Vec<OutputParity>,
}

/// A user's offline predictions joined to the log on a key.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OfflineComparison {
    pub key: String,
    pub matched: u64,
    /// Logged rows with no offline prediction, and offline rows with no logged row.
    pub unmatched_log_rows: u64,
    pub unmatched_offline_rows: u64,
    pub outputs: Vec<OutputParity>,
}

/// Logged rows holding categories the pipeline's fitted vocabulary lacks, per encoded
/// column — the pipeline's own unseen-category counters, summed over the log.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UnseenCategories {
    /// The encoded column (or cross), as the pipeline names it.
    pub column: String,
    pub rows: u64,
    /// `rows` over the rows replayed.
    pub rate: f64,
    /// The rate above which the check fails (`thresholds.unseen_rate`).
    pub threshold: f64,
    /// Up to 10 unseen categories, sorted.
    pub examples: Vec<String>,
}

/// One line of the verdict: what was checked and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// `fingerprint`, `schema`, `transform`, `vocabulary`, `prediction`, `offline` or
    /// `distribution`.
    pub group: String,
    /// The feature, column, output or artefact the check is about.
    pub subject: String,
    pub passed: bool,
    pub message: String,
}

/// Everything `lockstep skew` found.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SkewReport {
    pub report_version: String,
    pub rows: u64,
    pub files: Vec<String>,
    pub fingerprints: FingerprintCheck,
    /// Pipeline input columns absent from the logged inputs, and logged inputs the
    /// pipeline does not know.
    pub missing_columns: Vec<String>,
    pub extra_columns: Vec<String>,
    pub transform_parity: TransformParity,
    /// Per encoded column with any: rows whose category the pipeline never saw (added in
    /// 1.1.0).
    #[serde(default)]
    pub unseen_categories: Vec<UnseenCategories>,
    pub prediction_parity: Vec<EngineParity>,
    pub offline: Option<OfflineComparison>,
    pub distribution: Option<Vec<DistributionSkew>>,
    /// Last lines of log files that a crash or a full disk cut short: reported and
    /// skipped, the rest of each file was checked (added in 1.2.0).
    #[serde(default)]
    pub torn_lines: Vec<TornLine>,
    /// Every check, failing ones first.
    pub checks: Vec<Check>,
    pub passed: bool,
}

impl SkewReport {
    /// Fills `checks` and `passed` from the sections.
    pub fn conclude(&mut self) {
        let mut checks = Vec::new();
        let fp = &self.fingerprints;
        checks.push(Check {
            group: "fingerprint".into(),
            subject: "pipeline".into(),
            passed: fp.pipeline_matches(),
            message: if fp.pipeline_matches() {
                format!("the log was served with pipeline {}", fp.pipeline_expected)
            } else {
                format!(
                    "the log was served with pipeline {} but the given pipeline is {}",
                    fp.pipeline_logged.join(", "),
                    fp.pipeline_expected
                )
            },
        });
        checks.push(Check {
            group: "fingerprint".into(),
            subject: "model".into(),
            passed: fp.model_matches(),
            message: if fp.model_matches() {
                format!("the log was served with model {}", fp.model_expected)
            } else {
                format!(
                    "the log was served with model {} but the given model is {}",
                    fp.model_logged.join(", "),
                    fp.model_expected
                )
            },
        });
        for column in &self.missing_columns {
            checks.push(Check {
                group: "schema".into(),
                subject: column.clone(),
                passed: false,
                message: format!("pipeline input `{column}` is missing from the logged inputs"),
            });
        }
        for column in &self.extra_columns {
            checks.push(Check {
                group: "schema".into(),
                subject: column.clone(),
                passed: false,
                message: format!("logged input `{column}` is not a pipeline input"),
            });
        }
        let tp = &self.transform_parity;
        for feature in &tp.missing_in_log {
            checks.push(Check {
                group: "transform".into(),
                subject: feature.clone(),
                passed: false,
                message: format!(
                    "feature `{feature}` is produced offline but absent from the served features"
                ),
            });
        }
        for feature in &tp.extra_in_log {
            checks.push(Check {
                group: "transform".into(),
                subject: feature.clone(),
                passed: false,
                message: format!("served feature `{feature}` is not produced offline"),
            });
        }
        for f in &tp.features {
            checks.push(Check {
                group: "transform".into(),
                subject: f.feature.clone(),
                passed: f.mismatches == 0,
                message: if f.mismatches == 0 {
                    format!("identical on all {} rows", tp.rows)
                } else {
                    format!(
                        "{} of {} rows differ (largest difference {}), e.g. request {}",
                        f.mismatches,
                        tp.rows,
                        difference(f.max_abs_diff),
                        f.example_ids.join(", ")
                    )
                },
            });
        }
        for u in &self.unseen_categories {
            checks.push(Check {
                group: "vocabulary".into(),
                subject: u.column.clone(),
                passed: u.rate <= u.threshold,
                message: format!(
                    "{} of {} rows ({:.2} %) held categories the pipeline's vocabulary lacks (threshold {:.2} %), e.g. {}",
                    u.rows,
                    self.rows,
                    100.0 * u.rate,
                    100.0 * u.threshold,
                    u.examples.join(", ")
                ),
            });
        }
        for engine in &self.prediction_parity {
            for o in &engine.outputs {
                checks.push(output_check(
                    "prediction",
                    &format!("{}/{}", engine.engine, o.output),
                    o,
                ));
            }
        }
        if let Some(offline) = &self.offline {
            for o in &offline.outputs {
                checks.push(output_check("offline", &o.output, o));
            }
            if offline.unmatched_log_rows > 0 || offline.unmatched_offline_rows > 0 {
                checks.push(Check {
                    group: "offline".into(),
                    subject: offline.key.clone(),
                    passed: false,
                    message: format!(
                        "{} logged rows had no offline prediction and {} offline rows no logged row (joined on `{}`)",
                        offline.unmatched_log_rows, offline.unmatched_offline_rows, offline.key
                    ),
                });
            }
        }
        for d in self.distribution.iter().flatten() {
            let measure = match &d.distance {
                FeatureDistance::Linf { value, .. } => format!("L∞ {value:.4}"),
                FeatureDistance::JensenShannon { value, .. } => format!("JS {value:.4}"),
                FeatureDistance::Undefined { reason } => format!("no distance: {reason}"),
            };
            checks.push(Check {
                group: "distribution".into(),
                subject: d.column.clone(),
                passed: !d.skewed,
                message: if d.skewed {
                    d.reasons.join("; ")
                } else {
                    format!("{measure} ≤ {}", d.threshold)
                },
            });
        }
        checks.sort_by_key(|c| c.passed);
        self.passed = checks.iter().all(|c| c.passed);
        self.checks = checks;
    }

    /// A terminal summary: the verdict, every failing check, then every torn line.
    /// Quoted values are shown with their control characters escaped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let failing: Vec<&Check> = self.checks.iter().filter(|c| !c.passed).collect();
        let _ = writeln!(
            out,
            "lockstep skew: {} — {} rows from {} file(s), {} checks, {} failing",
            if self.passed { "PASS" } else { "SKEW FOUND" },
            self.rows,
            self.files.len(),
            self.checks.len(),
            failing.len()
        );
        for c in failing {
            let _ = writeln!(
                out,
                "  FAIL {}/{}: {}",
                terminal_text(&c.group),
                terminal_text(&c.subject),
                terminal_text(&c.message)
            );
        }
        for torn in &self.torn_lines {
            let _ = writeln!(out, "  WARN log: {}", terminal_text(&torn.to_string()));
        }
        out
    }

    /// Markdown for a CI job summary.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## Lockstep skew: {}\n\n{} logged rows · pipeline {} · model {}\n",
            if self.passed {
                "✅ pass"
            } else {
                "❌ skew found"
            },
            self.rows,
            md_code(short(&self.fingerprints.pipeline_expected)),
            md_code(short(&self.fingerprints.model_expected))
        );
        for torn in &self.torn_lines {
            let _ = writeln!(out, "> ⚠️ {}\n", md_text(&torn.to_string()));
        }
        let mut table = ExportTable::new([
            ("check", Align::Left),
            ("subject", Align::Left),
            ("result", Align::Left),
            ("detail", Align::Left),
        ]);
        for c in &self.checks {
            table.row([
                Cell::Quoted(c.group.clone()),
                Cell::Code(c.subject.clone()),
                Cell::text(if c.passed { "✅" } else { "❌" }),
                Cell::Quoted(c.message.clone()),
            ]);
        }
        table.markdown(&mut out);
        out
    }

    /// JUnit XML: one test case per check, grouped by check kind.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.checks.iter().filter(|c| !c.passed).count();
        let _ = writeln!(
            out,
            "<testsuites name=\"lockstep skew\" tests=\"{}\" failures=\"{failures}\">",
            self.checks.len()
        );
        let mut groups: Vec<&str> = self.checks.iter().map(|c| c.group.as_str()).collect();
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            let cases: Vec<&Check> = self.checks.iter().filter(|c| c.group == group).collect();
            let failed = cases.iter().filter(|c| !c.passed).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
                xml_escape(group),
                cases.len()
            );
            for c in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"skew.{}\" name=\"{}\"",
                    xml_escape(group),
                    xml_escape(&c.subject)
                );
                if c.passed {
                    let _ = writeln!(out, " />");
                } else {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" />\n    </testcase>",
                        xml_escape(&c.message)
                    );
                }
            }
            let _ = writeln!(out, "  </testsuite>");
        }
        if !self.torn_lines.is_empty() {
            let _ = writeln!(
                out,
                "  <testsuite name=\"log\" tests=\"{0}\" failures=\"0\" skipped=\"{0}\">",
                self.torn_lines.len()
            );
            for torn in &self.torn_lines {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"skew.log\" name=\"torn line {}:{}\">\n      <skipped message=\"{}\" />\n    </testcase>",
                    xml_escape(&torn.file),
                    torn.line,
                    xml_escape(&torn.to_string())
                );
            }
            let _ = writeln!(out, "  </testsuite>");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

fn output_check(group: &str, subject: &str, o: &OutputParity) -> Check {
    let message = if let Some(reason) = &o.incomparable {
        reason.clone()
    } else if o.mismatches == 0 {
        format!("{} values agree", o.values)
    } else if o.kind == "labels" {
        format!(
            "{} of {} labels flipped, e.g. request {}",
            o.mismatches,
            o.values,
            o.worst_ids.join(", ")
        )
    } else {
        format!(
            "{} of {} values outside tolerance (largest difference {}, request {})",
            o.mismatches,
            o.values,
            difference(o.max_abs_diff),
            o.worst_ids.join(", ")
        )
    };
    Check {
        group: group.into(),
        subject: subject.into(),
        passed: o.passed(),
        message,
    }
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}
