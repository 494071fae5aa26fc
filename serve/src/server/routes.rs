//! The HTTP handlers: Open Inference Protocol v2 under `/v2`, JSON rows at
//! `/v1/predict`, `/openapi.json` and `/metrics`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lockstep_core::table::Table;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::AppState;
use super::engine::{self, Prediction};
use super::error::AppError;
use super::metrics::Gauges;
use super::oip::{
    InferRequest, InferResponse, ModelMetadata, OutputTensor, PredictRequest, TensorMetadata,
};
use super::{record, validate};

pub async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

pub async fn ready(State(state): State<AppState>) -> Response {
    readiness(&state)
}

fn readiness(state: &AppState) -> Response {
    let ready = state.ready.load(std::sync::atomic::Ordering::Relaxed);
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
        Err(AppError::ModelNotFound(name.to_owned()))
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

/// Reads a JSON body, turning a too-large body into 413 and bad JSON into 400.
fn parse_body<T: DeserializeOwned>(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, AppError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!(
                "the request body is over the limit of {} bytes (--max-body-bytes)",
                state.limits.max_body_bytes
            ))
        } else {
            AppError::BadRequest(rejection.body_text())
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not a valid request: {e}")))
}

/// Transforms, runs and logs one request's table.
async fn serve_table(
    state: &AppState,
    request_id: &str,
    endpoint: &'static str,
    client_id: Option<&str>,
    table: Table,
) -> Result<(Table, Prediction), AppError> {
    let served = Arc::clone(&state.served);
    let id = request_id.to_owned();
    let (table, prediction) = tokio::task::spawn_blocking(move || {
        let prediction = served.predict(&table, &id);
        prediction.map(|p| (table, p))
    })
    .await
    .map_err(|e| AppError::Internal {
        request_id: request_id.to_owned(),
        detail: format!("the prediction task failed: {e}"),
    })??;
    let lines = record::lines(
        &state.served,
        request_id,
        endpoint,
        client_id,
        &table,
        &prediction,
    );
    state
        .log
        .send(lines)
        .await
        .map_err(|detail| AppError::Internal {
            request_id: request_id.to_owned(),
            detail,
        })?;
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
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    check_name(&state, &name)?;
    let request: InferRequest = parse_body(&state, body)?;
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
            datatype: engine::datatype(tensor),
            shape: tensor.shape().to_vec(),
            data: engine::flat_json(tensor),
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
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let request: PredictRequest = parse_body(&state, body)?;
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
                .map(|(name, t)| (name.clone(), engine::row_json(t, rows, row)))
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
