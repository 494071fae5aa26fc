//! The HTTP handlers: Open Inference Protocol v2 under `/v2`, JSON rows at
//! `/v1/predict`, `/openapi.json` and `/metrics`.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use lockstep_core::table::Table;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::AppState;
use super::error::AppError;
use super::logging::{FailurePolicy, SendError};
use super::metrics::Gauges;
use super::oip::{
    InferRequest, InferResponse, ModelMetadata, OutputTensor, PredictRequest, TensorMetadata,
};
use super::served::{self, Prediction};
use super::{record, validate};

pub async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

pub async fn ready(State(state): State<AppState>) -> Response {
    readiness(&state)
}

fn readiness(state: &AppState) -> Response {
    let ready = state.is_ready();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "ready": ready }))).into_response()
}

pub async fn server_metadata() -> Json<Value> {
    Json(json!({
        "name": "lockstep",
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": [],
    }))
}

fn check_name(state: &AppState, name: &str) -> Result<(), AppError> {
    if name == state.served.name {
        Ok(())
    } else {
        Err(AppError::ModelNotFound(super::truncate(name, 64)))
    }
}

pub async fn model_metadata(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<ModelMetadata>, AppError> {
    check_name(&state, &name)?;
    let served = &state.served;
    let inputs = served
        .pipeline
        .input_schema()
        .iter()
        .map(|c| TensorMetadata {
            name: c.name.clone(),
            datatype: validate::oip_datatype(c.data_type).to_owned(),
            shape: vec![-1],
        })
        .collect();
    let outputs = served
        .outputs
        .iter()
        .map(|o| TensorMetadata {
            name: o.name.clone(),
            datatype: o.datatype.to_owned(),
            shape: std::iter::once(-1)
                .chain(o.row_shape.iter().map(|&d| d as i64))
                .collect(),
        })
        .collect();
    Ok(Json(ModelMetadata {
        name: served.name.clone(),
        versions: vec!["1".to_owned()],
        platform: "onnxruntime_onnx",
        inputs,
        outputs,
        parameters: fingerprints(&state),
    }))
}

pub async fn model_ready(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    check_name(&state, &name)?;
    Ok(readiness(&state))
}

fn fingerprints(state: &AppState) -> Value {
    json!({
        "model_fingerprint": state.served.model_fingerprint,
        "pipeline_fingerprint": state.served.pipeline.fingerprint(),
    })
}

/// Reads a request body: 413 when `Content-Length` announces more than
/// `--max-body-bytes` (before reading, so an `Expect: 100-continue` client is never
/// told to send it) or when more arrives; 408 when the whole body does not arrive
/// within `--body-timeout` (a body announced longer than what is sent).
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Bytes, AppError> {
    let limit = state.limits.max_body_bytes;
    let too_large = || {
        AppError::TooLarge(format!(
            "the request body is over the limit of {limit} bytes (--max-body-bytes)"
        ))
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let timeout = state.options.body_timeout;
    let read = async {
        let mut body = body;
        let mut bytes = Vec::with_capacity(announced.map_or(0, |n| n as usize));
        while let Some(frame) = body.frame().await {
            let frame = frame
                .map_err(|e| AppError::BadRequest(format!("cannot read the request body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > limit {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(bytes))
    };
    // A small body usually arrives with the headers: read what is there first, and arm
    // the timer only for a body still on its way (a timer per request cost ≈ 1 µs of a
    // 50 µs one-row request in `scripts/load/tail_latency.sh`).
    let mut read = std::pin::pin!(read);
    if let std::task::Poll::Ready(result) =
        std::future::poll_fn(|cx| std::task::Poll::Ready(read.as_mut().poll(cx))).await
    {
        return result;
    }
    tokio::time::timeout(timeout, read).await.map_err(|_| {
        AppError::Timeout(format!(
            "the request body did not arrive within {} s (--body-timeout)",
            timeout.as_secs_f64()
        ))
    })?
}

/// Parses a JSON body into a request, 400 naming the problem otherwise.
fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::BadRequest(format!(
            "the body is not a valid request: {}",
            super::truncate(&e.to_string(), 200)
        ))
    })
}

/// Transforms, runs and logs one request's table.
async fn serve_table(
    state: &AppState,
    request_id: &str,
    endpoint: &'static str,
    client_id: Option<&str>,
    table: Table,
) -> Result<(Table, Prediction), AppError> {
    if state.options.on_log_failure == FailurePolicy::Refuse && !state.log.healthy() {
        return Err(AppError::Unavailable(
            "the prediction log cannot be written (the server's disk?), so no prediction is \
             served (--on-log-failure refuse); retry later"
                .to_owned(),
        ));
    }
    // A small request to a fast model runs here, on the async worker, when the engine
    // can start at once; a panic in it is answered as the blocking pool's would be.
    let inline = if state.served.runs_inline(table.num_rows()) {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            state.served.try_predict(&table, request_id)
        }))
        .unwrap_or_else(|_| {
            Some(Err(AppError::Internal {
                request_id: request_id.to_owned(),
                detail: "the prediction panicked".to_owned(),
            }))
        })
    } else {
        None
    };
    let (table, prediction) = if let Some(prediction) = inline {
        (table, prediction?)
    } else {
        let served = Arc::clone(&state.served);
        let id = request_id.to_owned();
        tokio::task::spawn_blocking(move || {
            let prediction = served.predict(&table, &id);
            prediction.map(|p| (table, p))
        })
        .await
        .map_err(|e| AppError::Internal {
            request_id: request_id.to_owned(),
            detail: format!("the prediction task failed: {e}"),
        })??
    };
    let lines = record::lines(
        &state.served,
        request_id,
        endpoint,
        client_id,
        &table,
        &prediction,
    )?;
    match state.log.send(lines).await {
        Ok(()) => {}
        // `--log-sync request|fsync` and the rows did not reach the log: no prediction
        // is served that the log does not hold, unless the policy says to answer.
        Err(SendError::Dropped) if state.options.on_log_failure == FailurePolicy::Refuse => {
            return Err(AppError::Unavailable(
                "the prediction log cannot be written (the server's disk?), so no \
                 prediction is served (--on-log-failure refuse); retry later"
                    .to_owned(),
            ));
        }
        Err(SendError::Dropped) => {}
        Err(err @ SendError::Stopped) => {
            return Err(AppError::Internal {
                request_id: request_id.to_owned(),
                detail: err.to_string(),
            });
        }
    }
    state.metrics.record_rows(table.num_rows());
    Ok((table, prediction))
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub async fn infer(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    check_name(&state, &name)?;
    let (parts, body) = request.into_parts();
    let bytes = read_body(&state, &parts.headers, body).await?;
    let request: InferRequest = parse_body(&bytes)?;
    record::check_client_id("id", request.id.as_deref())?;
    let served = &state.served;
    let requested: Vec<String> = match &request.outputs {
        Some(list) if !list.is_empty() => list.iter().map(|o| o.name.clone()).collect(),
        _ => served.outputs.iter().map(|o| o.name.clone()).collect(),
    };
    if let Some(unknown) = requested
        .iter()
        .find(|r| !served.outputs.iter().any(|o| &&o.name == r))
    {
        let known: Vec<&str> = served.outputs.iter().map(|o| o.name.as_str()).collect();
        return Err(AppError::BadRequest(format!(
            "unknown output `{unknown}` requested (the model's outputs: {})",
            known.join(", ")
        )));
    }
    let table = validate::tensors_to_table(
        served.pipeline.input_schema(),
        &|text| served.pipeline.is_null_value(text),
        &request.inputs,
        state.limits.max_rows,
    )?;
    let request_id = state.next_request_id();
    let (_, prediction) = serve_table(
        &state,
        &request_id,
        "v2/infer",
        request.id.as_deref(),
        table,
    )
    .await?;
    let outputs = prediction
        .outputs
        .iter()
        .filter(|(name, _)| requested.contains(name))
        .map(|(name, tensor)| OutputTensor {
            name: name.clone(),
            datatype: served::datatype(tensor),
            shape: tensor.shape().to_vec(),
            data: served::flat_json(tensor),
        })
        .collect();
    let mut parameters = fingerprints(&state);
    parameters["request_id"] = json!(request_id);
    let response = InferResponse {
        model_name: served.name.clone(),
        model_version: "1".to_owned(),
        id: request.id,
        parameters,
        outputs,
    };
    Ok(with_request_id(Json(response).into_response(), &request_id))
}

pub async fn predict_rows(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    // The headers borrowed from the request, not cloned out of it (an extractor's copy).
    let (parts, body) = request.into_parts();
    let bytes = read_body(&state, &parts.headers, body).await?;
    let request: PredictRequest = parse_body(&bytes)?;
    let schema = state.served.pipeline.input_schema();
    let is_null = |text: &str| state.served.pipeline.is_null_value(text);
    let table = validate::rows_to_table(schema, &is_null, &request.rows, state.limits.max_rows)?;
    let request_id = state.next_request_id();
    let (table, prediction) = serve_table(&state, &request_id, "v1/predict", None, table).await?;
    let rows = table.num_rows();
    let predictions: Vec<Value> = (0..rows)
        .map(|row| {
            let map: serde_json::Map<String, Value> = prediction
                .outputs
                .iter()
                .map(|(name, t)| (name.clone(), served::row_json(t, rows, row)))
                .collect();
            Value::Object(map)
        })
        .collect();
    let mut body = fingerprints(&state);
    body["model"] = json!(state.served.name);
    body["request_id"] = json!(request_id);
    body["predictions"] = json!(predictions);
    Ok(with_request_id(Json(body).into_response(), &request_id))
}

pub async fn openapi() -> Json<Value> {
    Json(super::openapi::document())
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let gauges = Gauges {
        log_queue_depth: state.log.depth(),
        log_queue_capacity: state.log.capacity(),
        log_rows_written: state
            .log
            .written_rows
            .load(std::sync::atomic::Ordering::Relaxed),
        log_rows_dropped: state
            .log
            .dropped_rows
            .load(std::sync::atomic::Ordering::Relaxed),
        log_writer_healthy: state.log.healthy(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFoundRoute
}
