//! Bad requests to `lockstep serve`: each gets a 4xx with `{"error": ...}` naming
//! the field and the value, never a panic or a 500. Router called with `oneshot`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::{MAX_BODY, MAX_ROWS, app, call, rows, tensors};
use serde_json::{Value, json};

/// One valid row (tests/data/transforms/test.jsonl line 1) with `field` set to `value`,
/// or removed when `value` is `None`.
fn row_with(field: &str, value: Option<Value>) -> Value {
    let mut row = rows(1).remove(0);
    let object = row.as_object_mut().unwrap();
    match value {
        Some(v) => object.insert(field.to_owned(), v),
        None => object.remove(field),
    };
    row
}

fn v1(rows: Vec<Value>) -> String {
    json!({ "rows": rows }).to_string()
}

/// Two valid rows as OIP tensors, then `edit` applied to the request.
fn oip(edit: impl Fn(&mut Value)) -> String {
    let mut request = json!({ "inputs": tensors(&rows(2)) });
    edit(&mut request);
    request.to_string()
}

fn input<'a>(request: &'a mut Value, name: &str) -> &'a mut Value {
    request["inputs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn bad_inputs_get_4xx_naming_the_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _log) = app(dir.path(), 1 << 20).await;
    let infer = "/v2/models/m/infer";
    let predict = "/v1/predict";
    let too_many: Vec<Value> = (0..=MAX_ROWS).map(|_| rows(1).remove(0)).collect();
    let big_city = "x".repeat(MAX_BODY);
    let cases: Vec<(&str, &str, String, u16, Vec<&str>)> = vec![
        (
            "not JSON",
            predict,
            "{".into(),
            400,
            vec!["not a valid request"],
        ),
        (
            "no rows key",
            predict,
            "{}".into(),
            400,
            vec!["missing field `rows`"],
        ),
        (
            "empty batch",
            predict,
            v1(vec![]),
            400,
            vec!["batch is empty"],
        ),
        (
            "missing field",
            predict,
            v1(vec![row_with("age", None)]),
            400,
            vec!["row 1", "missing field `age`"],
        ),
        (
            "unknown field",
            predict,
            v1(vec![row_with("colour", Some(json!("red")))]),
            400,
            vec!["unknown field `colour`", "\"red\""],
        ),
        (
            "string for a number",
            predict,
            v1(vec![row_with("age", Some(json!("old")))]),
            400,
            vec!["field `age`", "\"old\"", "a string", "float64"],
        ),
        (
            "NaN",
            predict,
            v1(vec![row_with("score", Some(json!("NaN")))]),
            400,
            vec!["field `score`", "\"NaN\"", "NaN and infinity"],
        ),
        (
            "-Infinity",
            predict,
            v1(vec![row_with("income", Some(json!("-Infinity")))]),
            400,
            vec!["field `income`", "\"-Infinity\""],
        ),
        (
            "number out of range (1e999)",
            predict,
            v1(vec![rows(1).remove(0)]).replace("0.5262", "1e999"),
            400,
            vec!["not a valid request", "out of range"],
        ),
        (
            "fraction for an integer",
            predict,
            v1(vec![row_with("visits", Some(json!(2.5)))]),
            400,
            vec!["field `visits`", "2.5", "not an integer"],
        ),
        (
            "string for a boolean",
            predict,
            v1(vec![row_with("member", Some(json!("yes")))]),
            400,
            vec!["field `member`", "\"yes\"", "bool"],
        ),
        (
            "number for a string",
            predict,
            v1(vec![row_with("city", Some(json!(7)))]),
            400,
            vec!["field `city`", "`7`", "a number"],
        ),
        (
            "nested value",
            predict,
            v1(vec![row_with("device", Some(json!(["web"])))]),
            400,
            vec!["field `device`", "nested"],
        ),
        (
            "null where the pipeline needs a value",
            predict,
            v1(vec![row_with("score", Some(Value::Null))]),
            400,
            vec!["`score`", "null"],
        ),
        (
            "batch over --max-rows",
            predict,
            v1(too_many),
            413,
            vec!["9 rows", "limit of 8"],
        ),
        (
            "body over --max-body-bytes",
            predict,
            v1(vec![row_with("city", Some(json!(big_city)))]),
            413,
            vec!["over the limit of 16384 bytes"],
        ),
        (
            "unknown model",
            "/v2/models/nope/infer",
            oip(|_| {}),
            404,
            vec!["model `nope`"],
        ),
        (
            "missing input tensor",
            infer,
            oip(|r| {
                r["inputs"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|i| i["name"] != "member");
            }),
            400,
            vec!["missing input `member`", "BOOL"],
        ),
        (
            "unknown input tensor",
            infer,
            oip(|r| {
                r["inputs"].as_array_mut().unwrap().push(json!({"name": "colour", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]}));
            }),
            400,
            vec!["unknown input `colour`"],
        ),
        (
            "input given twice",
            infer,
            oip(|r| {
                let dup = input(r, "age").clone();
                r["inputs"].as_array_mut().unwrap().push(dup);
            }),
            400,
            vec!["`age` is given twice"],
        ),
        (
            "wrong datatype",
            infer,
            oip(|r| input(r, "city")["datatype"] = json!("FP64")),
            400,
            vec!["input `city`", "`FP64`", "BYTES"],
        ),
        (
            "tensors of different lengths",
            infer,
            oip(|r| {
                let age = input(r, "age");
                age["shape"] = json!([1]);
                age["data"] = json!([30.0]);
            }),
            400,
            vec!["batch size", "`age`"],
        ),
        (
            "shape [batch, 2]",
            infer,
            oip(|r| input(r, "plan")["shape"] = json!([1, 2])),
            400,
            vec!["input `plan`", "[1, 2]", "[batch] or [batch, 1]"],
        ),
        (
            "data shorter than the shape",
            infer,
            oip(|r| input(r, "visits")["data"] = json!([1])),
            400,
            vec!["input `visits`", "needs 2 values", "holds 1"],
        ),
        (
            "wrong element type in a tensor",
            infer,
            oip(|r| input(r, "member")["data"] = json!([true, 3])),
            400,
            vec!["field `member`, row 2", "`3`"],
        ),
        (
            "NaN in an FP64 tensor",
            infer,
            oip(|r| input(r, "income")["data"] = json!([1.0, "nan"])),
            400,
            vec!["field `income`, row 2", "\"nan\"", "NaN and infinity"],
        ),
        (
            "unknown requested output",
            infer,
            oip(|r| r["outputs"] = json!([{"name": "prob"}])),
            400,
            vec!["unknown output `prob`", "probabilities"],
        ),
        (
            "inputs not a list",
            infer,
            json!({"inputs": 5}).to_string(),
            400,
            vec!["not a valid request"],
        ),
        (
            "OIP batch over --max-rows",
            infer,
            json!({"inputs": tensors(&rows(MAX_ROWS + 1))}).to_string(),
            413,
            vec!["9 rows"],
        ),
        (
            "negative batch",
            infer,
            oip(|r| input(r, "age")["shape"] = json!([-1])),
            400,
            vec!["input `age`", "[-1]"],
        ),
    ];
    assert!(cases.len() >= 20);
    for (what, uri, body, status, needles) in cases {
        let (got, json, text) = call(&app, "POST", uri, Some(body)).await;
        assert_eq!(got.as_u16(), status, "{what}: {text}");
        let message = json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no error field: {text}"));
        for needle in needles {
            assert!(
                message.contains(needle),
                "{what}: `{needle}` not in `{message}`"
            );
        }
    }
    let (status, json, _) = call(&app, "GET", "/v2/nothing/here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"], "no such route (see /openapi.json)");
}
