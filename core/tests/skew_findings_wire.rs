//! Issue 20: skew findings as versioned bytes (`skew::wire`), so batches can be replayed
//! in other processes (a distributed engine's workers) and merged by a driver. Replayed
//! on the committed `lockstep serve` log (tests/data/skew/log) with every check on —
//! transform and prediction parity with a tampered feature and output, distribution
//! counts against the training data, offline predictions — the findings of each batch
//! sent through bytes and merged give the report of the findings merged in memory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

mod skew_common;

use lockstep_core::onnx::Model;
use lockstep_core::parity::Tolerance;
use lockstep_core::skew::{
    FINDINGS_VERSION, Findings, FindingsError, LogBatch, OfflinePredictions, Replayer,
    SkewThresholds, TrainingProfile, line_chunks,
};
use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::FittedPipeline;
use serde_json::Value;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(path)
}

struct Artefacts {
    pipeline: FittedPipeline,
    model: Model,
    model_bytes: Vec<u8>,
    profile: TrainingProfile,
    offline: OfflinePredictions,
    log: String,
}

fn artefacts() -> Artefacts {
    let pipeline =
        FittedPipeline::from_json(&std::fs::read_to_string(data("serving/pipeline.json")).unwrap())
            .unwrap();
    let model_bytes = std::fs::read(data("serving/model.onnx")).unwrap();
    let model = Model::from_bytes(&model_bytes).unwrap();
    let train = Table::from_csv(
        &std::fs::read(data("transforms/train.csv")).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap();
    // The log with row 10's third feature nudged and row 20's first probability
    // changed; offline predictions = the logged labels with row 5's flipped.
    let text = std::fs::read_to_string(data("skew/log/predictions.jsonl")).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let x = lines[10]["features"][2].as_f64().unwrap();
    lines[10]["features"][2] = serde_json::json!(x + 0.5);
    let p = lines[20]["outputs"]["probabilities"][0].as_f64().unwrap();
    lines[20]["outputs"]["probabilities"][0] = serde_json::json!(p + 0.01);
    let log: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let offline = skew_common::logged_labels_with_one_flipped(&log, 5);
    Artefacts {
        pipeline,
        model,
        model_bytes,
        profile: TrainingProfile::new(&train),
        offline,
        log,
    }
}

fn replayer(a: &Artefacts) -> Replayer<'_> {
    Replayer {
        pipeline: &a.pipeline,
        model_fingerprint: lockstep_core::report::sha256_hex(&a.model_bytes),
        engines: vec![&a.model],
        tolerance: Tolerance::default(),
        thresholds: SkewThresholds::default(),
        profile: Some(&a.profile),
        offline: Some(&a.offline),
    }
}

/// The findings of each batch of `rows` log lines, in log order.
fn batches<'a>(replayer: &Replayer<'a>, log: &str, rows: usize) -> Vec<Findings<'a>> {
    line_chunks(log.as_bytes(), rows)
        .map(|(first, chunk)| {
            let batch =
                LogBatch::from_jsonl(chunk, "log.jsonl", first, replayer.pipeline.input_schema())
                    .unwrap();
            replayer.replay(&batch).unwrap()
        })
        .collect()
}

fn merged<'a>(findings: impl IntoIterator<Item = Findings<'a>>) -> Findings<'a> {
    let mut all = findings.into_iter();
    let mut total = all.next().unwrap();
    for f in all {
        total.merge(f);
    }
    total
}

#[test]
fn findings_sent_through_bytes_merge_to_the_same_report() {
    let a = artefacts();
    let replayer = replayer(&a);
    let files = vec!["log.jsonl".to_owned()];
    let whole = replayer
        .replay_log_files(&[("log.jsonl".into(), a.log.as_bytes())], 100_000)
        .unwrap();
    assert!(!whole.passed, "the tampered rows are found");
    assert!(whole.distribution.is_some() && whole.offline.is_some());
    for rows in [1, 7, 37, 150] {
        let in_memory = batches(&replayer, &a.log, rows);
        let shipped: Vec<Vec<u8>> = in_memory
            .iter()
            .map(|f| replayer.findings_to_bytes(f))
            .collect();
        let received: Vec<Findings<'_>> = shipped
            .iter()
            .map(|b| replayer.findings_from_bytes(b).unwrap())
            .collect();
        // Bytes → findings → bytes is the identity.
        for (bytes, f) in shipped.iter().zip(&received) {
            assert!(
                &replayer.findings_to_bytes(f) == bytes,
                "bytes → findings → bytes is not the identity"
            );
        }
        let from_bytes = replayer
            .report(Some(merged(received)), files.clone())
            .unwrap();
        let from_memory = replayer
            .report(Some(merged(in_memory)), files.clone())
            .unwrap();
        assert_eq!(from_bytes, from_memory, "{rows} rows a batch");
        assert_eq!(from_bytes, whole, "{rows} rows a batch");
    }
}

#[test]
fn partial_merges_shipped_again_still_merge() {
    // A tree of merges (workers merge their partitions, the driver merges the workers),
    // each level sent through bytes, equals the flat merge.
    let a = artefacts();
    let replayer = replayer(&a);
    let parts = batches(&replayer, &a.log, 10);
    let flat = replayer
        .report(Some(merged(parts.clone())), vec![])
        .unwrap();
    let level1: Vec<Vec<u8>> = parts
        .chunks(4)
        .map(|c| replayer.findings_to_bytes(&merged(c.to_vec())))
        .collect();
    let tree = merged(
        level1
            .iter()
            .map(|b| replayer.findings_from_bytes(b).unwrap()),
    );
    assert_eq!(replayer.report(Some(tree), vec![]).unwrap(), flat);
}

#[test]
fn floats_travel_as_bit_patterns_so_non_finite_differences_come_back_exactly() {
    let a = artefacts();
    let replayer = replayer(&a);
    let f = merged(batches(&replayer, &a.log, 150));
    let mut wire: Value = serde_json::from_slice(&replayer.findings_to_bytes(&f)).unwrap();
    let nan_with_payload = f64::from_bits(0x7ff8_0000_dead_beef);
    let specials = [
        f64::INFINITY,
        nan_with_payload,
        -0.0,
        f64::from_bits(1), // the smallest subnormal
    ];
    for (i, v) in specials.iter().enumerate() {
        wire["transform"]["features"][i]["max_abs_diff_bits"] = v.to_bits().into();
    }
    let bytes = serde_json::to_vec(&wire).unwrap();
    let back = replayer.findings_from_bytes(&bytes).unwrap();
    let again: Value = serde_json::from_slice(&replayer.findings_to_bytes(&back)).unwrap();
    assert!(again == wire, "bytes → findings → bytes changed a value");
    let report = replayer.report(Some(back), vec![]).unwrap();
    for (i, v) in specials.iter().enumerate() {
        assert_eq!(
            report.transform_parity.features[i].max_abs_diff.to_bits(),
            v.to_bits()
        );
    }
}

#[test]
fn other_versions_formats_and_artefacts_are_named_errors() {
    let a = artefacts();
    let replayer = replayer(&a);
    let f = merged(batches(&replayer, &a.log, 150));
    let bytes = replayer.findings_to_bytes(&f);
    let edit = |key: &str, value: Value| {
        let mut wire: Value = serde_json::from_slice(&bytes).unwrap();
        wire[key] = value;
        serde_json::to_vec(&wire).unwrap()
    };
    assert_eq!(
        replayer
            .findings_from_bytes(&edit("version", (FINDINGS_VERSION + 1).into()))
            .unwrap_err(),
        FindingsError::Version {
            found: FINDINGS_VERSION + 1
        }
    );
    assert!(matches!(
        replayer.findings_from_bytes(&edit("format", "something-else".into())),
        Err(FindingsError::Malformed(m)) if m.contains("something-else")
    ));
    assert!(matches!(
        replayer.findings_from_bytes(&bytes[..bytes.len() / 2]),
        Err(FindingsError::Malformed(_))
    ));
    assert!(matches!(
        replayer.findings_from_bytes(b"\x00\xff not json"),
        Err(FindingsError::Malformed(_))
    ));
    // Replayers of other artefacts refuse them, naming what differs.
    let mut other_model = self::replayer(&a);
    other_model.model_fingerprint = "0".repeat(64);
    assert!(matches!(
        other_model.findings_from_bytes(&bytes),
        Err(FindingsError::OtherArtefacts {
            what: "model fingerprint",
            ..
        })
    ));
    let mut no_profile = self::replayer(&a);
    no_profile.profile = None;
    let err = no_profile.findings_from_bytes(&bytes).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "these findings were replayed with other artefacts: their training profile"
        ),
        "{err}"
    );
    let mut other_settings = self::replayer(&a);
    other_settings.tolerance.atol *= 2.0;
    assert!(matches!(
        other_settings.findings_from_bytes(&bytes),
        Err(FindingsError::OtherArtefacts {
            what: "settings",
            ..
        })
    ));
}
