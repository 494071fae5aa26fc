//! Prediction log records (docs/serving-log-format.md): one JSON line per served row,
//! written by `lockstep_core::skew::log::write_request`, the writer that sits beside the
//! reader `lockstep skew` uses. This file only gathers the request's fields.

use lockstep_core::skew::log::{self, RecordError, RequestFields};
use lockstep_core::table::Table;

use super::clock;
use super::error::AppError;
use super::logging::{Batch, MAX_REQUEST_LOG_BYTES};
use super::served::{Prediction, ServedModel};

/// The lines for every row of one request. A request whose records would take more than
/// [`MAX_REQUEST_LOG_BYTES`] is refused (413) and logs nothing.
pub fn lines(
    served: &ServedModel,
    request_id: &str,
    endpoint: &str,
    client_id: Option<&str>,
    table: &Table,
    prediction: &Prediction,
) -> Result<Batch, AppError> {
    let ms = clock::unix_millis();
    let timestamp = clock::rfc3339(ms);
    let request = RequestFields {
        request_id,
        client_id,
        timestamp: &timestamp,
        timestamp_ms: ms,
        endpoint,
        model: &served.name,
        model_fingerprint: &served.model_fingerprint,
        pipeline_fingerprint: served.pipeline.fingerprint(),
    };
    log::write_request(
        &request,
        table,
        &prediction.features,
        &prediction.outputs,
        MAX_REQUEST_LOG_BYTES,
    )
    .map_err(|err| match err {
        RecordError::FieldTooLong { .. } => AppError::BadRequest(err.to_string()),
        RecordError::TooLarge { .. } => AppError::TooLarge(err.to_string()),
        RecordError::Rows { .. } | RecordError::Json(_) => AppError::Internal {
            request_id: request_id.to_owned(),
            detail: format!("cannot write the prediction log records: {err}"),
        },
    })
}

/// Refuses a client-supplied request-level string (the OIP `id`) over
/// [`log::MAX_CLIENT_ID_BYTES`] with a 400 naming the field, its length and the limit,
/// before the request costs anything.
pub fn check_client_id(field: &'static str, value: Option<&str>) -> Result<(), AppError> {
    match value {
        Some(v) => {
            log::check_client_field(field, v).map_err(|e| AppError::BadRequest(e.to_string()))
        }
        None => Ok(()),
    }
}
