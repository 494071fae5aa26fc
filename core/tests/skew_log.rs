//! Prediction logs read into columns, and replayed: a real `lockstep serve` log
//! (tests/data/skew/log, made by scripts/fixtures/gen_skew_logs.sh) as JSON Lines and as
//! pyarrow's two Parquet conversions, and malformed records.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

mod skew_common;

use lockstep_core::onnx::Model;
use lockstep_core::parity::Tolerance;
use lockstep_core::skew::{LogBatch, LogError, Replayer, SkewThresholds, TrainingProfile};
use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::FittedPipeline;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(path)
}

fn pipeline() -> FittedPipeline {
    FittedPipeline::from_json(&std::fs::read_to_string(data("serving/pipeline.json")).unwrap())
        .unwrap()
}

fn model_bytes() -> Vec<u8> {
    std::fs::read(data("serving/model.onnx")).unwrap()
}

fn log_bytes() -> Vec<u8> {
    std::fs::read(data("skew/log/predictions.jsonl")).unwrap()
}

fn replayer<'a>(pipeline: &'a FittedPipeline, model: &'a Model, bytes: &[u8]) -> Replayer<'a> {
    Replayer {
        pipeline,
        model_fingerprint: lockstep_core::report::sha256_hex(bytes),
        engines: vec![model],
        tolerance: Tolerance::default(),
        thresholds: SkewThresholds::default(),
        profile: None,
        offline: None,
    }
}

fn read(bytes: &[u8]) -> Result<LogBatch, LogError> {
    LogBatch::from_jsonl(bytes, "log.jsonl", 1, pipeline().input_schema())
}

#[test]
fn the_served_log_replays_with_parity_and_batching_does_not_change_the_report() {
    let (pipeline, bytes) = (pipeline(), model_bytes());
    let model = Model::from_bytes(&bytes).unwrap();
    let replayer = replayer(&pipeline, &model, &bytes);
    let log = log_bytes();
    let whole = replayer
        .replay_log_files(&[("predictions.jsonl".into(), &log)], 100_000)
        .unwrap();
    // Parity holds everywhere. The rows come from the transforms fixtures' test split,
    // whose cities include two the training split (and so the vocabulary) never had:
    // the pipeline's unseen-category counters name them, alone and in the cross.
    let failing: Vec<(&str, &str)> = whole
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| (c.group.as_str(), c.subject.as_str()))
        .collect();
    assert_eq!(
        failing,
        [("vocabulary", "city"), ("vocabulary", "city_x_device")],
        "{}",
        whole.text()
    );
    let unseen_cities = ["Yerevan", "Zagreb"];
    let rows_with_unseen = String::from_utf8(log.clone())
        .unwrap()
        .lines()
        .filter(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            unseen_cities.contains(&r["inputs"]["city"].as_str().unwrap_or(""))
        })
        .count() as u64;
    let city = &whole.unseen_categories[0];
    assert_eq!(city.column, "city");
    assert_eq!(city.rows, rows_with_unseen);
    assert_eq!(city.examples, unseen_cities);
    assert_eq!(whole.rows, 150);
    assert_eq!(whole.transform_parity.rows, 150);
    assert_eq!(
        whole.transform_parity.features.len(),
        pipeline.feature_names().len()
    );
    let core = &whole.prediction_parity[0];
    assert_eq!(core.engine, "core");
    for output in &core.outputs {
        assert!(output.passed(), "{output:?}");
        assert!(output.values >= 150, "{output:?}");
    }
    for batch_rows in [1, 7, 64] {
        let chunked = replayer
            .replay_log_files(&[("predictions.jsonl".into(), &log)], batch_rows)
            .unwrap();
        assert_eq!(
            serde_json::to_value(&chunked).unwrap(),
            serde_json::to_value(&whole).unwrap(),
            "batch_rows {batch_rows}"
        );
    }
}

#[test]
fn a_tampered_feature_and_a_tampered_output_are_named_with_their_request() {
    let (pipeline, bytes) = (pipeline(), model_bytes());
    let model = Model::from_bytes(&bytes).unwrap();
    let replayer = replayer(&pipeline, &model, &bytes);
    let log = String::from_utf8(log_bytes()).unwrap();
    let mut lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Row 10: the third feature nudged; row 20: the first probability changed.
    let feature = pipeline.feature_names()[2].clone();
    let x = lines[10]["features"][2].as_f64().unwrap();
    lines[10]["features"][2] = serde_json::json!(x + 0.5);
    let p = lines[20]["outputs"]["probabilities"][0].as_f64().unwrap();
    lines[20]["outputs"]["probabilities"][0] = serde_json::json!(p + 0.01);
    let id = |i: usize| {
        format!(
            "{}#{}",
            lines[i]["request_id"].as_str().unwrap(),
            lines[i]["row"]
        )
    };
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let report = replayer
        .replay_log_files(&[("tampered.jsonl".into(), text.as_bytes())], 32)
        .unwrap();
    assert!(!report.passed);
    let bad: Vec<_> = report
        .transform_parity
        .features
        .iter()
        .filter(|f| f.mismatches > 0)
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].feature, feature);
    assert_eq!(bad[0].example_ids, [id(10)]);
    let probabilities = report.prediction_parity[0]
        .outputs
        .iter()
        .find(|o| o.output == "probabilities")
        .unwrap();
    assert_eq!(probabilities.mismatches, 1);
    assert_eq!(probabilities.worst_ids, [id(20)]);
    assert!((probabilities.max_abs_diff - 0.01).abs() < 1e-6);
}

#[test]
fn distribution_and_offline_predictions_join_through_the_replayer() {
    let (pipeline, bytes) = (pipeline(), model_bytes());
    let model = Model::from_bytes(&bytes).unwrap();
    let train = Table::from_csv(
        &std::fs::read(data("transforms/train.csv")).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap();
    let profile = TrainingProfile::new(&train);
    // Offline predictions keyed by request id: the logged labels, one of them flipped.
    let log = String::from_utf8(log_bytes()).unwrap();
    let offline = skew_common::logged_labels_with_one_flipped(&log, 5);
    let mut replayer = replayer(&pipeline, &model, &bytes);
    replayer.profile = Some(&profile);
    replayer.offline = Some(&offline);
    let report = replayer
        .replay_log_files(&[("predictions.jsonl".into(), log.as_bytes())], 40)
        .unwrap();
    let joined = report.offline.as_ref().unwrap();
    assert_eq!(joined.matched, 150);
    assert_eq!(joined.unmatched_log_rows, 0);
    let label = joined.outputs.iter().find(|o| o.output == "label").unwrap();
    assert_eq!((label.kind.as_str(), label.mismatches), ("labels", 1));
    let distribution = report.distribution.as_ref().unwrap();
    let columns: Vec<&str> = distribution.iter().map(|d| d.column.as_str()).collect();
    for input in pipeline.input_schema() {
        assert!(columns.contains(&input.name.as_str()), "{columns:?}");
    }
}

#[test]
fn malformed_records_are_named_by_line_field_and_value() {
    let log = String::from_utf8(log_bytes()).unwrap();
    let good = log.lines().next().unwrap();
    let record: serde_json::Value = serde_json::from_str(good).unwrap();
    // The widths in the messages below are the serving pipeline's.
    assert_eq!(pipeline().feature_names().len(), 29);
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut r = record.clone();
        edit(&mut r);
        format!("{good}\n\n{r}\n")
    };
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{good}\n{{\"log_format\": 1,\n"),
            "log.jsonl:2: not a prediction log record",
        ),
        (
            format!("{good}\n[1, 2]\n"),
            "log.jsonl:2: not a prediction log record",
        ),
        (
            with(&|r| r["log_format"] = serde_json::json!(3)),
            "log.jsonl:3: log_format 3 is not supported (this lockstep reads 1 and 2)",
        ),
        (
            with(&|r| {
                r.as_object_mut().unwrap().remove("features");
            }),
            "log.jsonl:3: the record has no `features`",
        ),
        (
            with(&|r| {
                r["features"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!(1.0))
            }),
            "log.jsonl:3: 30 features, but earlier rows have 29",
        ),
        (
            with(&|r| r["inputs"]["age"] = serde_json::json!("abc")),
            "log.jsonl:3: input `age` = abc cannot be read as a number",
        ),
        (
            with(&|r| r["inputs"]["member"] = serde_json::json!(3)),
            "log.jsonl:3: input `member` = 3 cannot be read as a boolean",
        ),
        (
            with(&|r| r["inputs"]["age"] = serde_json::json!([1, 2])),
            "input `age`",
        ),
        (
            with(&|r| r["features"] = serde_json::json!("1,2")),
            "log.jsonl:3: not a prediction log record",
        ),
        (
            with(&|r| r["request_id"] = serde_json::json!(17)),
            "log.jsonl:3: not a prediction log record",
        ),
    ];
    for (text, message) in cases {
        let err = read(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(message), "{err}\n  expected: {message}");
    }
}

#[test]
fn missing_and_inconsistent_outputs_make_the_output_incomparable_not_the_log_unreadable() {
    let (pipeline, bytes) = (pipeline(), model_bytes());
    let model = Model::from_bytes(&bytes).unwrap();
    let replayer = replayer(&pipeline, &model, &bytes);
    let log = String::from_utf8(log_bytes()).unwrap();
    let mut lines: Vec<serde_json::Value> = log
        .lines()
        .take(10)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines[3]["outputs"].as_object_mut().unwrap().remove("label");
    lines[4]["outputs"]["probabilities"] = serde_json::json!([0.5]);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let report = replayer
        .replay_log_files(&[("x.jsonl".into(), text.as_bytes())], 100)
        .unwrap();
    assert!(!report.passed);
    let outputs = &report.prediction_parity[0].outputs;
    let reason = |name: &str| {
        outputs
            .iter()
            .find(|o| o.output == name)
            .and_then(|o| o.incomparable.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("label").contains("x.jsonl:4: output `label` is not in the log"),
        "{}",
        reason("label")
    );
    assert!(
        reason("probabilities")
            .contains("x.jsonl:5: output `probabilities` has 1 values, earlier rows have 2"),
        "{}",
        reason("probabilities")
    );
}

#[test]
fn line_numbers_count_from_the_batch_start_and_blank_lines_are_skipped() {
    let log = String::from_utf8(log_bytes()).unwrap();
    let two: String = log.lines().take(2).map(|l| format!("{l}\r\n\n")).collect();
    let batch =
        LogBatch::from_jsonl(two.as_bytes(), "f.jsonl", 41, pipeline().input_schema()).unwrap();
    assert_eq!(batch.num_rows(), 2);
    assert_eq!(batch.place(1), "f.jsonl:43");
    let bad = format!("{two}{{}}\n");
    let err =
        LogBatch::from_jsonl(bad.as_bytes(), "f.jsonl", 41, pipeline().input_schema()).unwrap_err();
    assert_eq!(
        err,
        LogError::MissingField {
            place: "f.jsonl:45".into(),
            field: "log_format"
        }
    );
}

#[cfg(feature = "parquet")]
mod parquet_logs {
    use super::*;
    use ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// A Parquet file the `parquet` crate's page decoder panics on (found by the
    /// `table_parquet` fuzz target) is an unreadable log, named, not a crash: `open_parquet`
    /// refuses it before decoding.
    #[test]
    fn a_file_the_parquet_decoder_panics_on_is_a_named_error() {
        let bytes = std::fs::read(data("fuzz/table_parquet-decoder-panic.parquet")).unwrap();
        let pipeline = pipeline();
        let err =
            LogBatch::read_parquet(&bytes, "bad.parquet", pipeline.input_schema(), 64, |_| {
                Ok::<(), LogError>(())
            })
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "bad.parquet: not a readable Parquet log: the file is malformed: a page header of \
                 column `log_format` in row group 1 (at byte 10933) runs past the end of its \
                 column chunk"
            ),
            "{err}"
        );
    }

    /// The log reader opens Parquet as the table reader does: a page header whose list
    /// claims more elements than the chunk has bytes (the `table_parquet` fuzz target's
    /// hang) is an unreadable log at once, not minutes in the `parquet` crate.
    #[test]
    fn a_page_header_list_longer_than_its_chunk_is_a_named_error_not_a_hang() {
        let bytes = std::fs::read(data(
            "fuzz/table_parquet-page-header-bool-list-hang.parquet",
        ))
        .unwrap();
        let pipeline = pipeline();
        let start = std::time::Instant::now();
        let err =
            LogBatch::read_parquet(&bytes, "bad.parquet", pipeline.input_schema(), 64, |_| {
                Ok::<(), LogError>(())
            })
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "bad.parquet: not a readable Parquet log: the file is malformed: a page header of column `"
            ),
            "{err}"
        );
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    fn read_parquet(name: &str, batch_size: usize) -> Vec<LogBatch> {
        let bytes = bytes::Bytes::from(std::fs::read(data(&format!("skew/log/{name}"))).unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .with_batch_size(batch_size)
            .build()
            .unwrap();
        let pipeline = pipeline();
        let mut first = 1;
        reader
            .map(|b| {
                let b = b.unwrap();
                let batch = LogBatch::from_arrow(&b, name, first, pipeline.input_schema()).unwrap();
                first += b.num_rows() as u64;
                batch
            })
            .collect()
    }

    /// Everything but where the rows came from.
    fn contents(batch: &LogBatch) -> impl PartialEq + std::fmt::Debug {
        (
            (0..batch.num_rows())
                .map(|r| batch.row_id(r))
                .collect::<Vec<_>>(),
            batch.pipeline_fingerprints.clone(),
            batch.model_fingerprints.clone(),
            batch.input_keys.clone(),
            batch.inputs.clone(),
            batch
                .features
                .iter()
                .map(|f| f.to_bits())
                .collect::<Vec<_>>(),
            batch.outputs.clone(),
        )
    }

    #[test]
    fn both_parquet_layouts_read_exactly_as_the_json_lines_log() {
        let jsonl = read(&log_bytes()).unwrap();
        assert_eq!(jsonl.num_rows(), 150);
        for name in ["predictions_nested.parquet", "predictions_text.parquet"] {
            let batches = read_parquet(name, 1000);
            assert_eq!(batches.len(), 1);
            assert_eq!(contents(&batches[0]), contents(&jsonl), "{name}");
            assert_eq!(batches[0].place(7), format!("{name}: row 8"));
        }
    }

    #[test]
    fn parquet_batches_replay_to_the_json_lines_report() {
        let (pipeline, bytes) = (pipeline(), model_bytes());
        let model = Model::from_bytes(&bytes).unwrap();
        let replayer = replayer(&pipeline, &model, &bytes);
        let log = log_bytes();
        let want = replayer
            .replay_log_files(&[("log".into(), &log)], 1000)
            .unwrap();
        let mut total = None;
        for batch in read_parquet("predictions_nested.parquet", 23) {
            let findings = replayer.replay(&batch).unwrap();
            match &mut total {
                None => total = Some(findings),
                Some(t) => lockstep_core::skew::Findings::merge(t, findings),
            }
        }
        let got = replayer.report(total, vec!["log".into()]).unwrap();
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            serde_json::to_value(&want).unwrap()
        );
    }

    #[test]
    fn a_parquet_log_without_a_field_or_of_the_wrong_type_is_named() {
        use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
        use std::sync::Arc;
        let strings = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let base: Vec<(&str, ArrayRef)> = vec![
            (
                "log_format",
                Arc::new(Int64Array::from(vec![1])) as ArrayRef,
            ),
            ("request_id", strings("r1")),
            ("pipeline_fingerprint", strings("p")),
            ("model_fingerprint", strings("m")),
        ];
        let schema = pipeline();
        let read = |columns: Vec<(&str, ArrayRef)>| {
            let batch = RecordBatch::try_from_iter(columns).unwrap();
            LogBatch::from_arrow(&batch, "l.parquet", 1, schema.input_schema())
                .unwrap_err()
                .to_string()
        };
        let mut columns = base.clone();
        columns.push(("inputs", strings("{}")));
        let err = read(columns);
        assert!(
            err.contains(
                "l.parquet: column `features` is missing (columns: log_format, request_id"
            ),
            "{err}"
        );
        let mut columns = base.clone();
        columns.push(("inputs", Arc::new(Int64Array::from(vec![3])) as ArrayRef));
        columns.push(("features", strings("[1.0]")));
        columns.push(("outputs", strings("{}")));
        let err = read(columns);
        assert!(
            err.contains(
                "l.parquet: column `inputs` has type Int64, expected a struct or JSON text"
            ),
            "{err}"
        );
        // JSON text that is not a record's field: named with its row.
        let mut columns = base;
        columns.push(("inputs", strings("{\"age\": \"old\"}")));
        columns.push(("features", strings("[1.0]")));
        columns.push(("outputs", strings("{}")));
        let err = read(columns);
        assert!(
            err.contains("l.parquet: row 1: input `age` = old cannot be read as a number"),
            "{err}"
        );
    }
}

#[test]
fn features_read_exactly_whatever_the_spacing_and_null_is_nan() {
    let log = String::from_utf8(log_bytes()).unwrap();
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    let logged: Vec<f64> = first["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // The same numbers, spaced and with a null in the middle.
    let mut spaced: Vec<String> = logged.iter().map(|v| format!(" {v:e}\t ")).collect();
    spaced[1] = " null ".into();
    let mut record = first.clone();
    record["features"] = serde_json::Value::Null;
    let text = record.to_string().replace(
        "\"features\":null",
        &format!("\"features\":[{}]", spaced.join(",")),
    );
    let batch = read(text.as_bytes()).unwrap();
    let want: Vec<u32> = logged
        .iter()
        .enumerate()
        .map(|(j, &v)| if j == 1 { f32::NAN } else { v as f32 }.to_bits())
        .collect();
    assert_eq!(
        batch
            .features
            .iter()
            .map(|f| f.to_bits())
            .collect::<Vec<_>>(),
        want
    );
    let empty = record
        .to_string()
        .replace("\"features\":null", "\"features\":[ ]");
    assert_eq!(read(empty.as_bytes()).unwrap().feature_width, 0);
}

/// Issue 19, finding 5, in memory (the web app's path): a torn last line is listed in the
/// report and the rest replayed, whatever the batch size; a torn line in the middle of a
/// file is still an error naming its line.
#[test]
fn a_torn_last_line_is_set_aside_and_a_torn_middle_line_is_an_error() {
    let (pipeline, bytes) = (pipeline(), model_bytes());
    let model = Model::from_bytes(&bytes).unwrap();
    let replayer = replayer(&pipeline, &model, &bytes);
    let log = log_bytes();
    let records: Vec<&[u8]> = log.split_inclusive(|&b| b == b'\n').collect();
    let intact: Vec<u8> = records[..records.len() - 1].concat();
    let last = records[records.len() - 1];
    let want = replayer
        .replay_log_files(&[("p.jsonl".into(), &intact)], 100_000)
        .unwrap();
    let torn = [&intact[..], &last[..last.len() / 2]].concat();
    for batch_rows in [100_000, 7, records.len() - 1] {
        let report = replayer
            .replay_log_files(&[("p.jsonl".into(), &torn)], batch_rows)
            .unwrap();
        assert_eq!(
            report.torn_lines,
            [lockstep_core::skew::TornLine {
                file: "p.jsonl".into(),
                line: records.len() as u64,
                bytes: (last.len() / 2) as u64,
            }]
        );
        assert_eq!(report.rows, want.rows);
        assert_eq!(report.checks, want.checks);
    }
    let (batch, torn_line) =
        LogBatch::from_jsonl_at_end(&torn, "p.jsonl", 1, pipeline.input_schema()).unwrap();
    assert_eq!(batch.num_rows(), records.len() - 1);
    assert_eq!(
        torn_line.unwrap().to_string(),
        format!(
            "p.jsonl:{}: the last line is torn ({} bytes and no line end; a crash or a full disk cut it short) and was not read",
            records.len(),
            last.len() / 2
        )
    );
    // A whole last record without its line end is read, not torn.
    let unterminated = &log[..log.len() - 1];
    let (batch, torn_line) =
        LogBatch::from_jsonl_at_end(unterminated, "p.jsonl", 1, pipeline.input_schema()).unwrap();
    assert_eq!((batch.num_rows(), torn_line), (records.len(), None));

    let middle = [
        &records[0][..records[0].len() / 2],
        b"\n",
        &records[1..].concat(),
    ]
    .concat();
    let err = replayer
        .replay_log_files(&[("p.jsonl".into(), &middle)], 100_000)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("p.jsonl:1: not a prediction log record"),
        "{err}"
    );
}

/// The fixture log (format 1: every record carries the request's fields) rewritten as
/// format 2 (the request's fields once, in its first record), keys in the writer's order.
fn as_format_2(v1: &str) -> String {
    let mut out = String::new();
    let mut open: Option<String> = None;
    for line in v1.lines().filter(|l| !l.trim().is_empty()) {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = r["request_id"].as_str().unwrap().to_owned();
        let head = if open.as_deref() == Some(id.as_str()) {
            format!("\"request_id\":{}", r["request_id"])
        } else {
            let fields: Vec<String> = [
                "request_id",
                "client_id",
                "timestamp",
                "timestamp_ms",
                "endpoint",
                "model",
                "model_fingerprint",
                "pipeline_fingerprint",
            ]
            .iter()
            .filter(|k| r.get(**k).is_some())
            .map(|k| format!("\"{k}\":{}", r[*k]))
            .collect();
            open = Some(id);
            format!("\"request\":{{{}}}", fields.join(","))
        };
        out.push_str(&format!(
            "{{\"log_format\":2,{head},\"row\":{},\"inputs\":{},\"features\":{},\"outputs\":{}}}\n",
            r["row"], r["inputs"], r["features"], r["outputs"]
        ));
    }
    out
}

#[test]
fn format_1_and_format_2_logs_of_the_same_rows_read_the_same() {
    let v1 = String::from_utf8(log_bytes()).unwrap();
    let v2 = as_format_2(&v1);
    assert!(v2.len() < v1.len(), "the request's fields are written once");
    let continuation = v2
        .lines()
        .filter(|l| lockstep_core::skew::log::continues_request(l.as_bytes()))
        .count();
    assert!(continuation > 0, "the fixture has multi-row requests");
    assert_eq!(read(v1.as_bytes()).unwrap(), read(v2.as_bytes()).unwrap());
}

#[test]
fn a_format_2_row_without_its_requests_first_record_is_named() {
    let v2 = as_format_2(&String::from_utf8(log_bytes()).unwrap());
    let records: Vec<(&str, serde_json::Value)> = v2
        .lines()
        .map(|l| (l, serde_json::from_str(l).unwrap()))
        .collect();
    let (continuation, cont) = records
        .iter()
        .find(|(l, _)| lockstep_core::skew::log::continues_request(l.as_bytes()))
        .unwrap();
    let id = cont["request_id"].as_str().unwrap();
    let (other, first) = records
        .iter()
        .find(|(_, r)| r["request"]["request_id"].as_str().is_some_and(|i| i != id))
        .unwrap();
    // The continuation alone, and after another request's first record.
    for text in [
        format!("{continuation}\n"),
        format!("{other}\n{continuation}\n"),
    ] {
        let err = read(text.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "of request `{id}` comes without the request's first record"
            )),
            "{err}"
        );
    }
    // `request` beside a top-level `request_id`.
    let mut both = first.clone();
    both["request_id"] = serde_json::json!("x");
    let err = read(format!("{both}\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`request_id` appears twice"), "{err}");
}

#[test]
fn chunks_never_cut_a_format_2_request() {
    let v2 = as_format_2(&String::from_utf8(log_bytes()).unwrap());
    let whole = read(v2.as_bytes()).unwrap();
    for lines in [1, 2, 3, 5] {
        let mut rows = 0;
        let mut expected_first = 1;
        for (first, chunk) in lockstep_core::skew::line_chunks(v2.as_bytes(), lines) {
            assert_eq!(first, expected_first);
            let text = std::str::from_utf8(chunk).unwrap();
            assert!(!lockstep_core::skew::log::continues_request(
                text.as_bytes()
            ));
            expected_first += text.lines().count() as u64;
            rows += read(chunk).unwrap().num_rows();
        }
        assert_eq!(rows, whole.num_rows(), "chunks of {lines} lines");
    }
}
