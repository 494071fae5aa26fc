//! The log contract, both ways: records written by the server's writer
//! (`skew::log::write_request`, what `lockstep serve` calls) and read back by the skew
//! reader (`LogBatch::from_jsonl`, what `lockstep skew` and the page call) give back every
//! field — inputs of every type with nulls and awkward strings, features at the edges of
//! f32, outputs of every kind, ids, timestamps and fingerprints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_core::onnx::Tensor;
use lockstep_core::skew::log::{
    LOG_FORMAT, MAX_CLIENT_ID_BYTES, RecordError, RequestFields, write_request,
};
use lockstep_core::skew::{LogBatch, LoggedRequest};
use lockstep_core::table::{Column, ColumnData, DataType, StrColumn, Table, ValueAt};
use lockstep_core::transform::{FeatureMatrix, InputColumn};

const ROWS: usize = 6;

fn strings() -> Vec<Option<&'static str>> {
    vec![
        Some("plain"),
        Some("quote \" backslash \\ slash / tab\t newline\n cr\r"),
        Some("control \u{0} \u{7} \u{1b}[31mred\u{1b}[0m \u{1f} \u{7f} \u{9b}"),
        None,
        Some("unicode naïve 東京 🦀 \u{2028} \u{feff} \u{fffd}"),
        Some(""),
    ]
}

fn inputs() -> Table {
    let city = StrColumn::from_values(strings()).unwrap();
    Table::new(vec![
        Column::new(
            "member",
            ColumnData::Bool(
                vec![Some(true), Some(false), None, Some(true), None, Some(false)].into(),
            ),
        ),
        Column::new(
            "visits",
            ColumnData::Int64(
                vec![
                    Some(0),
                    Some(i64::MAX),
                    Some(i64::MIN),
                    None,
                    Some(-1),
                    Some(1 << 53),
                ]
                .into(),
            ),
        ),
        Column::new(
            "income",
            ColumnData::Float64(
                vec![
                    Some(f64::MAX),
                    Some(-f64::MAX),
                    Some(f64::MIN_POSITIVE),
                    Some(5e-324),
                    None,
                    Some(-0.0),
                ]
                .into(),
            ),
        ),
        Column::new("city \"quoted\" \u{1b}", ColumnData::Str(city)),
    ])
    .unwrap()
}

fn schema(table: &Table) -> Vec<InputColumn> {
    table
        .columns()
        .iter()
        .map(|c| InputColumn {
            name: c.name().to_owned(),
            data_type: match c.data() {
                ColumnData::Bool(_) => DataType::Bool,
                ColumnData::Int64(_) => DataType::Int64,
                ColumnData::Float64(_) => DataType::Float64,
                ColumnData::Str(_) => DataType::Str,
            },
            nullable: true,
            categories: None,
        })
        .collect()
}

/// Features at the edges of f32: the largest, the smallest normal and subnormal, -0.
fn features() -> (FeatureMatrix, Vec<f32>) {
    let row = [
        f32::MAX,
        -f32::MAX,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -0.0,
        0.1,
        1.0 / 3.0,
        16_777_217.0,
    ];
    let values: Vec<f32> = (0..ROWS)
        .flat_map(|r| {
            row.iter()
                .map(move |x| x * if r % 2 == 0 { 1.0 } else { -1.0 })
        })
        .collect();
    let names: Vec<String> = (0..row.len()).map(|j| format!("f{j}")).collect();
    let matrix: FeatureMatrix = serde_json::from_value(serde_json::json!({
        "feature_names": names,
        "num_rows": ROWS,
        "values": values,
        "oov": [],
    }))
    .unwrap();
    (matrix, values)
}

/// One output of every kind the server logs.
fn outputs() -> Vec<(String, Tensor)> {
    let probabilities: Vec<f32> = (0..ROWS)
        .flat_map(|r| {
            let p = (r as f32 + 0.5) / 7.0;
            [1.0 - p, p]
        })
        .collect();
    vec![
        (
            "label".into(),
            Tensor::i64(vec![ROWS], vec![0, 1, i64::MAX, i64::MIN, -7, 3]).unwrap(),
        ),
        (
            "probabilities".into(),
            Tensor::f32(vec![ROWS, 2], probabilities).unwrap(),
        ),
        (
            "score".into(),
            Tensor::f32(
                vec![ROWS, 1],
                vec![f32::MAX, f32::from_bits(1), -0.0, 1.0, 2.5, -1e-30],
            )
            .unwrap(),
        ),
        (
            "variance".into(),
            Tensor::f64(vec![ROWS], vec![f64::MAX, 5e-324, 0.1, 1e300, -2.0, 0.0]).unwrap(),
        ),
        (
            "class \"name\"".into(),
            Tensor::strings(
                vec![ROWS],
                strings()
                    .into_iter()
                    .map(|s| s.unwrap_or("null").to_owned())
                    .collect(),
            )
            .unwrap(),
        ),
        (
            "embedding".into(),
            Tensor::f64(
                vec![ROWS, 3],
                (0..ROWS * 3).map(|i| i as f64 * 1e-310).collect(),
            )
            .unwrap(),
        ),
    ]
}

fn request<'a>(id: &'a str, client: Option<&'a str>, ms: u64, ts: &'a str) -> RequestFields<'a> {
    RequestFields {
        request_id: id,
        client_id: client,
        timestamp: ts,
        timestamp_ms: ms,
        endpoint: "v2/infer",
        model: "model \"m\"",
        model_fingerprint: "d6b972dd0000000000000000000000000000000000000000000000000000beef",
        pipeline_fingerprint: "e8968801ffffffffffffffffffffffffffffffffffffffffffffffffffff0001",
    }
}

fn bits(t: &Tensor) -> Vec<u64> {
    match (t.as_f32(), t.as_f64()) {
        (Some(v), _) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
        (_, Some(v)) => v.iter().map(|x| x.to_bits()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn records_written_by_the_server_writer_read_back_field_for_field() {
    let table = inputs();
    let (matrix, values) = features();
    let outputs = outputs();
    let client = "client \"id\" \u{7} 東京";
    let first = request(
        "18f-1a-0",
        Some(client),
        1_795_410_335_934,
        "2026-11-23T05:05:35.934Z",
    );
    let second = request(
        "18f-1a-1",
        None,
        1_795_410_335_999,
        "2026-11-23T05:05:35.999Z",
    );
    let mut text = String::new();
    for fields in [&first, &second] {
        let lines = write_request(fields, &table, &matrix, &outputs, usize::MAX).unwrap();
        assert_eq!(lines.len(), ROWS);
        for (row, line) in lines.into_iter().enumerate() {
            assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
            let record: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(record["log_format"], LOG_FORMAT);
            // The request-level fields once per request (issue 19, finding 1): in the
            // first record's `request`; the others carry only the id, and start so that
            // a reader cutting the log keeps them with their request.
            let continues = lockstep_core::skew::log::continues_request(line.as_bytes());
            assert_eq!(continues, row > 0, "{line}");
            assert_eq!(record.get("request").is_some(), row == 0, "{line}");
            assert_eq!(line.contains("fingerprint"), row == 0, "{line}");
            if let Some(client) = fields.client_id {
                let quoted = serde_json::to_string(client).unwrap();
                assert_eq!(line.contains(&quoted), row == 0, "{line}");
            }
            text.push_str(&line);
        }
    }
    let schema = schema(&table);
    let batch = LogBatch::from_jsonl(text.as_bytes(), "log.jsonl", 1, &schema).unwrap();
    assert_eq!(batch.num_rows(), 2 * ROWS);

    // Ids, rows, request-level fields (each request once), fingerprints.
    fn expected_request<'a>(f: &RequestFields<'a>) -> LoggedRequest<'a> {
        LoggedRequest {
            request_id: f.request_id,
            client_id: f.client_id,
            timestamp: Some(f.timestamp),
            timestamp_ms: Some(f.timestamp_ms),
            endpoint: Some(f.endpoint),
            model: Some(f.model),
        }
    }
    assert_eq!(
        batch.requests().collect::<Vec<_>>(),
        [expected_request(&first), expected_request(&second)]
    );
    for row in 0..2 * ROWS {
        let fields = if row < ROWS { &first } else { &second };
        assert_eq!(batch.request_id(row), fields.request_id);
        assert_eq!(batch.request_row(row), (row % ROWS) as u64);
        assert_eq!(batch.request(row), Some(expected_request(fields)));
        assert_eq!(batch.place(row), format!("log.jsonl:{}", row + 1));
    }
    assert_eq!(
        batch.pipeline_fingerprints.iter().collect::<Vec<_>>(),
        [first.pipeline_fingerprint]
    );
    assert_eq!(
        batch.model_fingerprints.iter().collect::<Vec<_>>(),
        [first.model_fingerprint]
    );

    // Inputs: every column, every value, nulls included, bit for bit.
    assert_eq!(
        batch.input_keys.iter().collect::<Vec<_>>().len(),
        table.columns().len()
    );
    for (read, written) in batch.inputs.columns().iter().zip(table.columns()) {
        assert_eq!(read.name(), written.name());
        for row in 0..2 * ROWS {
            let w = row % ROWS;
            match (read.data(), written.data()) {
                (ColumnData::Bool(r), ColumnData::Bool(x)) => {
                    assert_eq!(r.value_at(row), x.value_at(w))
                }
                (ColumnData::Int64(r), ColumnData::Int64(x)) => {
                    assert_eq!(r.value_at(row), x.value_at(w))
                }
                (ColumnData::Float64(r), ColumnData::Float64(x)) => {
                    assert_eq!(
                        r.value_at(row).map(f64::to_bits),
                        x.value_at(w).map(f64::to_bits),
                        "row {row}"
                    );
                }
                (ColumnData::Str(r), ColumnData::Str(x)) => assert_eq!(r.get(row), x.get(w)),
                (r, x) => panic!("{} read as {r:?}, written as {x:?}", read.name()),
            }
        }
    }

    // Features: the f32 bits the model saw.
    assert_eq!(batch.feature_width, matrix.num_features());
    let read: Vec<u32> = batch.features.iter().map(|f| f.to_bits()).collect();
    let written: Vec<u32> = values.iter().chain(&values).map(|f| f.to_bits()).collect();
    assert_eq!(read, written);

    // Outputs: each read back in the type and shape of the model's output, bit for bit.
    assert_eq!(batch.outputs.len(), outputs.len());
    for (name, tensor) in &outputs {
        let twice = match tensor.data() {
            lockstep_core::onnx::TensorData::F32(v) => Tensor::f32(
                [vec![2 * ROWS], tensor.shape()[1..].to_vec()].concat(),
                [v.clone(), v.clone()].concat(),
            ),
            lockstep_core::onnx::TensorData::F64(v) => Tensor::f64(
                [vec![2 * ROWS], tensor.shape()[1..].to_vec()].concat(),
                [v.clone(), v.clone()].concat(),
            ),
            lockstep_core::onnx::TensorData::I64(v) => Tensor::i64(
                [vec![2 * ROWS], tensor.shape()[1..].to_vec()].concat(),
                [v.clone(), v.clone()].concat(),
            ),
            lockstep_core::onnx::TensorData::Str(v) => Tensor::strings(
                [vec![2 * ROWS], tensor.shape()[1..].to_vec()].concat(),
                [v.clone(), v.clone()].concat(),
            ),
        }
        .unwrap();
        let logged = batch.output(name).unwrap().to_tensor_like(&twice).unwrap();
        assert_eq!(logged.shape(), twice.shape(), "{name}");
        assert_eq!(logged.dtype(), twice.dtype(), "{name}");
        assert_eq!(bits(&logged), bits(&twice), "{name}");
        assert_eq!(logged.as_i64(), twice.as_i64(), "{name}");
        assert_eq!(logged.as_strings(), twice.as_strings(), "{name}");
    }
}

#[test]
fn amplification_a_long_client_id_is_refused_naming_the_field_length_and_limit() {
    let table = inputs();
    let (matrix, _) = features();
    let id = "x".repeat(2 << 20);
    let err = write_request(
        &request("r", Some(&id), 0, "t"),
        &table,
        &matrix,
        &outputs(),
        usize::MAX,
    )
    .unwrap_err();
    assert_eq!(
        err,
        RecordError::FieldTooLong {
            field: "id",
            bytes: 2 << 20,
            limit: MAX_CLIENT_ID_BYTES
        }
    );
    assert_eq!(
        err.to_string(),
        format!("`id` is 2097152 bytes long; the limit is {MAX_CLIENT_ID_BYTES} bytes")
    );
    // At the limit it is written.
    let id = "x".repeat(MAX_CLIENT_ID_BYTES);
    write_request(
        &request("r", Some(&id), 0, "t"),
        &table,
        &matrix,
        &outputs(),
        usize::MAX,
    )
    .unwrap();
}

#[test]
fn amplification_a_request_over_its_log_byte_budget_is_refused_before_it_grows() {
    let table = inputs();
    let (matrix, _) = features();
    let fields = request("r", None, 0, "t");
    let all: usize = write_request(&fields, &table, &matrix, &outputs(), usize::MAX)
        .unwrap()
        .iter()
        .map(String::len)
        .sum();
    assert_eq!(
        write_request(&fields, &table, &matrix, &outputs(), all)
            .unwrap()
            .len(),
        ROWS
    );
    match write_request(&fields, &table, &matrix, &outputs(), all - 1).unwrap_err() {
        RecordError::TooLarge {
            bytes,
            limit,
            rows_written,
            rows,
        } => {
            assert_eq!(
                (bytes, limit, rows_written, rows),
                (all, all - 1, ROWS, ROWS)
            );
        }
        other => panic!("{other}"),
    }
}
