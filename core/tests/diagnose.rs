//! The diagnosis, learning curves and error analysis against constructed cases with
//! known answers. Interval figures come from scripts/fixtures/gen_gate.py (numpy,
//! scipy), which resamples the rows themselves with core's random stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lockstep_core::diagnose::curves::{CurvePoint, MoreData, learning_curves, parse_csv};
use lockstep_core::diagnose::errors::{parse_tags, sample_errors, tag_shares};
use lockstep_core::diagnose::{DiagnosisInput, Gap, Optimal, OptimalSource, SetError, diagnose};
use lockstep_core::metrics::bootstrap::BootstrapConfig;
use lockstep_core::metrics::normal::wilson_interval as wilson;
use lockstep_core::report::rows::{row_outcomes, split_rows};
use lockstep_core::report::{EvalConfig, Predictions};
use lockstep_core::{CsvOptions, Table};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/gate")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn rows(case: &Value, set: &str) -> SetError {
    SetError::Rows(
        case["rows"][set]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect(),
    )
}

fn gap_key(gap: Gap) -> &'static str {
    match gap {
        Gap::AvoidableBias => "avoidable_bias",
        Gap::Variance => "variance",
        Gap::DataMismatch => "data_mismatch",
        Gap::DevOverfitting => "dev_overfitting",
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-12, "{what}: {a} vs {b}");
}

#[test]
fn constructed_cases_match_numpy_intervals_and_known_answers() {
    for case in fixture("diagnosis.json").as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let b = &case["bootstrap"];
        let input = DiagnosisInput {
            metric: "error rate".to_owned(),
            higher_is_better: false,
            train: Some(rows(case, "train")),
            train_dev: Some(rows(case, "train_dev")),
            dev: Some(rows(case, "dev")),
            test: Some(rows(case, "test")),
            optimal: Some(Optimal {
                value: case["optimal"].as_f64().unwrap(),
                source: OptimalSource::HumanLevel,
            }),
            tolerance: case["tolerance"].as_f64().unwrap(),
            bootstrap: BootstrapConfig {
                replicates: b["replicates"].as_u64().unwrap() as u32,
                seed: b["seed"].as_u64().unwrap(),
                confidence: b["confidence"].as_f64().unwrap(),
            },
        };
        let d = diagnose(&input).unwrap();
        assert_eq!(d.gaps.len(), 4, "{name}");
        for g in &d.gaps {
            let expected = &case["gaps"][gap_key(g.gap)];
            close(g.estimate, expected["estimate"].as_f64().unwrap(), name);
            close(g.lower.unwrap(), expected["lower"].as_f64().unwrap(), name);
            close(g.upper.unwrap(), expected["upper"].as_f64().unwrap(), name);
        }
        let key = |g: Option<Gap>| g.map(gap_key);
        assert_eq!(
            key(d.dominant),
            case["dominant"].as_str(),
            "{name} dominant"
        );
        assert_eq!(key(d.focus), case["focus"].as_str(), "{name} focus");
        match d.focus {
            Some(Gap::AvoidableBias) => assert!(d.advice.contains("bigger model"), "{}", d.advice),
            Some(Gap::Variance) => assert!(d.advice.contains("more training data"), "{}", d.advice),
            Some(Gap::DataMismatch) => {
                assert!(d.advice.contains("like production"), "{}", d.advice)
            }
            Some(Gap::DevOverfitting) => assert!(d.advice.contains("bigger dev set")),
            None => assert!(d.advice.contains("deploy and monitor"), "{}", d.advice),
        }
    }
}

#[test]
fn given_figures_without_rows_are_constants_and_never_dominant() {
    let input = DiagnosisInput {
        metric: "accuracy".to_owned(),
        higher_is_better: true,
        train: Some(SetError::Given {
            value: 0.80,
            rows: None,
        }),
        train_dev: Some(SetError::Given {
            value: 0.79,
            rows: None,
        }),
        dev: None,
        test: None,
        optimal: Some(Optimal {
            value: 0.95,
            source: OptimalSource::BestBaseline {
                baseline: "zero rule".to_owned(),
            },
        }),
        tolerance: 0.01,
        bootstrap: BootstrapConfig::default(),
    };
    let d = diagnose(&input).unwrap();
    // Accuracy: bias = optimal − train, variance = train − train-dev.
    close(d.gaps[0].estimate, 0.15, "bias");
    close(d.gaps[1].estimate, 0.01, "variance");
    assert!(
        d.gaps
            .iter()
            .all(|g| g.lower.is_none() && !g.distinguishable)
    );
    assert_eq!(d.dominant, None);
    assert!(d.advice.contains("measure the others"), "{}", d.advice);
    assert!(
        d.notes.iter().any(|n| n.contains("understated")),
        "{:?}",
        d.notes
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("data mismatch not measured"))
    );
}

#[test]
fn given_proportions_with_rows_are_resampled() {
    let input = DiagnosisInput {
        metric: "error rate".to_owned(),
        higher_is_better: false,
        train: Some(SetError::Given {
            value: 0.02,
            rows: Some(1000),
        }),
        train_dev: Some(SetError::Given {
            value: 0.20,
            rows: Some(1000),
        }),
        dev: None,
        test: None,
        optimal: None,
        tolerance: 0.01,
        bootstrap: BootstrapConfig {
            replicates: 200,
            seed: 1,
            confidence: 0.95,
        },
    };
    let d = diagnose(&input).unwrap();
    assert_eq!(d.gaps.len(), 1);
    assert_eq!(d.dominant, Some(Gap::Variance));
    assert_eq!(d.focus, Some(Gap::Variance));
}

#[test]
fn bad_figures_are_named_errors() {
    let mut input = DiagnosisInput {
        metric: "error rate".to_owned(),
        higher_is_better: false,
        train: Some(SetError::Rows(vec![])),
        train_dev: None,
        dev: None,
        test: None,
        optimal: None,
        tolerance: 0.01,
        bootstrap: BootstrapConfig::default(),
    };
    assert_eq!(
        diagnose(&input).unwrap_err().to_string(),
        "the training set has no rows"
    );
    input.train = Some(SetError::Given {
        value: f64::NAN,
        rows: None,
    });
    assert!(
        diagnose(&input)
            .unwrap_err()
            .to_string()
            .contains("not a finite number")
    );
    input.train = None;
    input.tolerance = -1.0;
    assert!(
        diagnose(&input)
            .unwrap_err()
            .to_string()
            .contains("tolerance")
    );
}

#[test]
fn wilson_matches_scipy() {
    for case in fixture("wilson.json").as_array().unwrap() {
        let (lo, hi) = wilson(
            case["k"].as_u64().unwrap(),
            case["n"].as_u64().unwrap(),
            case["confidence"].as_f64().unwrap(),
        );
        assert!(
            (lo - case["lower"].as_f64().unwrap()).abs() < 1e-12,
            "{case}: {lo}"
        );
        assert!(
            (hi - case["upper"].as_f64().unwrap()).abs() < 1e-12,
            "{case}: {hi}"
        );
    }
}

#[test]
fn learning_curves_decide_with_numpy_slopes() {
    let expected = [
        ("more_data_helps", MoreData::Likely),
        ("curves_met", MoreData::Unlikely),
        ("flat_gap", MoreData::Unlikely),
    ];
    for (case, (name, verdict)) in fixture("curves.json")
        .as_array()
        .unwrap()
        .iter()
        .zip(expected)
    {
        assert_eq!(case["name"], name);
        let get = |k: &str| -> Vec<f64> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        // Given out of order: the curves sort them.
        let mut points: Vec<CurvePoint> = get("size")
            .into_iter()
            .zip(get("train_error"))
            .zip(get("dev_error"))
            .map(|((size, train_error), dev_error)| CurvePoint {
                size,
                train_error,
                dev_error,
            })
            .collect();
        points.reverse();
        let c = learning_curves(&points, 0.02, 0.01).unwrap();
        assert_eq!(c.more_data, verdict, "{name}: {}", c.reason);
        let slope = c.dev_slope_per_doubling.unwrap();
        assert!(
            (slope - case["slope_per_doubling"].as_f64().unwrap()).abs() < 1e-12,
            "{name}"
        );
        assert!(c.points.windows(2).all(|w| w[0].size < w[1].size));
    }
    let two = [
        CurvePoint {
            size: 10.0,
            train_error: 0.1,
            dev_error: 0.3,
        },
        CurvePoint {
            size: 20.0,
            train_error: 0.1,
            dev_error: 0.2,
        },
    ];
    assert_eq!(
        learning_curves(&two, 0.02, 0.01).unwrap().more_data,
        MoreData::Unclear
    );
    let parsed = parse_csv("size,train_error,dev_error\n100,0.1,0.3\n200,0.1,0.25\n").unwrap();
    assert_eq!(parsed.len(), 2);
    let err = parse_csv("size,train_error,dev_error\n100,x,0.3\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "learning-curve row 1: train_error `x` must be a finite number"
    );
    assert!(
        parse_csv("size,dev_error\n1,2\n")
            .unwrap_err()
            .to_string()
            .contains("train_error")
    );
}

/// A binary table whose errors are known: rows 1–10 keyed `r1`…`r10`.
fn error_table() -> Table {
    let mut csv = String::from("id,x,label,score\n");
    // Rows 3, 5, 8 are errors (label 1 with score < 0.5, or label 0 with score ≥ 0.5).
    let data = [
        (1, 0.9),
        (0, 0.1),
        (1, 0.2),
        (0, 0.3),
        (0, 0.95),
        (1, 0.8),
        (0, 0.4),
        (1, 0.45),
        (1, 0.7),
        (0, 0.05),
    ];
    for (i, (label, score)) in data.iter().enumerate() {
        csv.push_str(&format!("r{},{},{label},{score}\n", i + 1, i * 10));
    }
    Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap()
}

#[test]
fn error_analysis_lists_eyeball_errors_by_confidence_and_tags_them() {
    let table = error_table();
    let config = EvalConfig::new("label", Predictions::Score("score".to_owned()));
    let outcomes = row_outcomes(&table, &config).unwrap();
    let errors: Vec<usize> = (0..10).filter(|&r| outcomes.is_error(r)).collect();
    assert_eq!(errors, vec![2, 4, 7]);
    // Every row in the eyeball part, to see all three errors.
    let mut split = split_rows(&table, &config.split).unwrap();
    split.eyeball = (0..10).collect();
    let sample = sample_errors(&table, &outcomes, &split, Some("id"), 100, 7).unwrap();
    let ids: Vec<&str> = sample.errors.iter().map(|e| e.row_id.as_str()).collect();
    // Confidence in the wrong prediction: r5 0.95, r3 0.8, r8 0.55.
    assert_eq!(ids, vec!["r5", "r3", "r8"]);
    assert!((sample.errors[0].confidence - 0.95).abs() < 1e-12);
    assert_eq!(sample.errors[0].label, "0");
    assert_eq!(sample.errors[0].predicted, "1");
    assert!(
        sample.errors[0]
            .features
            .contains(&("x".to_owned(), "40".to_owned()))
    );
    // A limit of 2: a seeded sample of two of the three, the same for the same seed.
    let a = sample_errors(&table, &outcomes, &split, Some("id"), 2, 3).unwrap();
    let b = sample_errors(&table, &outcomes, &split, Some("id"), 2, 3).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.errors.len(), 2);

    let tags = parse_tags("row_id,tag\nr5,blurry\nr3,blurry\nr8,mislabelled\nr1,blurry\n").unwrap();
    let report = tag_shares(&sample, &tags, 0.95).unwrap();
    assert_eq!(report.errors, 3);
    assert_eq!(report.shares[0].tag, "blurry");
    assert_eq!(report.shares[0].count, 2);
    let (lo, hi) = wilson(2, 3, 0.95);
    assert_eq!((report.shares[0].lower, report.shares[0].upper), (lo, hi));
    assert_eq!(report.unknown_rows, vec!["r1".to_owned()]);
    let err = parse_tags("r1,a,b\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "tags CSV line 1: expected 2 fields (row_id,tag), found 3"
    );
}

/// Core's one diagnosis request: given figures need no model; a data set without an
/// evaluation request, or errors without a dev set, are named errors; the report's
/// HTML draws the gaps and the learning curves with `chart`.
#[test]
fn the_request_runs_given_figures_and_names_what_is_missing() {
    use lockstep_core::diagnose::export::{html, markdown};
    use lockstep_core::diagnose::{DiagnoseRequest, DiagnoseRequestError, SetData, SetInput};
    let given = |value: f64, rows: u64| {
        Some(SetInput::Given(SetError::Given {
            value,
            rows: Some(rows),
        }))
    };
    fn request(sets: [Option<SetInput<'_>>; 4], errors: Option<usize>) -> DiagnoseRequest<'_> {
        DiagnoseRequest {
            eval: None,
            sets,
            metric: "error rate".to_owned(),
            higher_is_better: false,
            // Training at human level: no avoidable bias, so variance comes first.
            optimal: Some(Optimal {
                value: 0.02,
                source: OptimalSource::HumanLevel,
            }),
            tolerance: 0.01,
            bootstrap: BootstrapConfig {
                replicates: 200,
                seed: 0,
                confidence: 0.95,
            },
            curves: Some((
                vec![
                    CurvePoint {
                        size: 100.0,
                        train_error: 0.02,
                        dev_error: 0.2,
                    },
                    CurvePoint {
                        size: 200.0,
                        train_error: 0.03,
                        dev_error: 0.15,
                    },
                    CurvePoint {
                        size: 400.0,
                        train_error: 0.04,
                        dev_error: 0.1,
                    },
                ],
                0.005,
            )),
            errors,
            tags: None,
        }
    }
    let report = lockstep_core::diagnose::request(
        request(
            [
                given(0.02, 2000),
                given(0.1, 2000),
                given(0.11, 1000),
                given(0.11, 1000),
            ],
            None,
        ),
        &|| 0.0,
    )
    .unwrap();
    let d = &report.diagnosis;
    assert_eq!(d.dominant, Some(Gap::Variance));
    assert_eq!(d.focus, Some(Gap::Variance));
    assert_eq!(
        report.learning_curves.as_ref().unwrap().more_data,
        MoreData::Likely
    );
    let page = html(&report);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("aria-label=\"Learning curves\""), "{page}");
    assert!(page.contains("variance (dominant)"));
    assert_eq!(page.matches("<svg").count(), 2, "the gaps and the curves");
    assert!(markdown(&report).contains("variance (dominant)"));

    let table = error_table();
    let err = lockstep_core::diagnose::request(
        request(
            [
                None,
                None,
                Some(SetInput::Data(SetData {
                    table: &table,
                    sha256: None,
                })),
                None,
            ],
            None,
        ),
        &|| 0.0,
    )
    .unwrap_err();
    assert_eq!(err, DiagnoseRequestError::NoModel { set: "dev" });
    let err = lockstep_core::diagnose::request(
        request([given(0.02, 100), None, None, None], Some(10)),
        &|| 0.0,
    )
    .unwrap_err();
    assert_eq!(err, DiagnoseRequestError::ErrorsNeedDev);
    assert!(err.to_string().contains("give the dev set as data"));
}

/// The learning-curve chart: one focusable marker per finite point and series, sizes
/// on a log2 axis named so; sizes that are not positive are left out; no point, no panic.
#[test]
fn the_learning_curve_chart_plots_both_errors_on_a_log_size_axis() {
    let chart = lockstep_core::chart::learning_curve(&[
        (400.0, 0.04, 0.1),
        (100.0, 0.02, 0.2),
        (0.0, 0.5, 0.5),
    ]);
    assert!(chart.svg.contains("training-set size (log2)"));
    assert_eq!(chart.svg.matches("tabindex=\"0\"").count(), 4);
    assert!(chart.svg.contains("size 100, error 0.2"));
    assert_eq!(
        chart.x.domain,
        (100f64.log2().floor(), 400f64.log2().ceil())
    );
    let empty = lockstep_core::chart::learning_curve(&[]);
    assert!(empty.svg.contains("Learning curves"));
    let one = lockstep_core::chart::learning_curve(&[(64.0, 0.1, f64::NAN)]);
    assert_eq!(one.svg.matches("tabindex=\"0\"").count(), 1);
}
