//! The OpenAPI 3.0 document served at `GET /openapi.json`, written by hand.

use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn model_name() -> Value {
    json!({ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } })
}

fn post_errors(ok: Value) -> Value {
    json!({
        "200": ok,
        "400": error_response("The body does not fit the pipeline's input schema; the message names the field and the value."),
        "403": error_response("A browser page from an origin that is not allowed (--cors-origin)."),
        "404": error_response("No model of that name."),
        "408": error_response("The body did not arrive within --body-timeout."),
        "413": error_response("The body is over --max-body-bytes (announced or sent) or the batch over --max-rows."),
        "415": error_response("The body is not declared as JSON (Content-Type must be application/json)."),
        "500": error_response("Internal error; the message carries the request id."),
        "503": error_response("The prediction log cannot be written and --on-log-failure is refuse; retry later.")
    })
}

/// The whole document.
pub fn document() -> Value {
    let health = json_ok(
        "Status",
        json!({ "type": "object", "additionalProperties": true }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Lockstep serving API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Open Inference Protocol v2 (KServe/Triton) plus JSON rows. Raw features go through the fitted pipeline (lockstep-core) and the ONNX model (ONNX Runtime)."
        },
        "paths": {
            "/v2/health/live": { "get": { "operationId": "serverLive", "responses": { "200": health.clone() } } },
            "/v2/health/ready": { "get": { "operationId": "serverReady", "responses": { "200": health.clone(), "503": health.clone() } } },
            "/v2": { "get": { "operationId": "serverMetadata", "responses": { "200": json_ok("Server metadata", json!({ "$ref": "#/components/schemas/ServerMetadata" })) } } },
            "/v2/models/{name}": { "get": {
                "operationId": "modelMetadata",
                "parameters": [model_name()],
                "responses": { "200": json_ok("Model metadata", json!({ "$ref": "#/components/schemas/ModelMetadata" })), "404": error_response("No model of that name.") }
            } },
            "/v2/models/{name}/ready": { "get": {
                "operationId": "modelReady",
                "parameters": [model_name()],
                "responses": { "200": health.clone(), "404": error_response("No model of that name.") }
            } },
            "/v2/models/{name}/infer": { "post": {
                "operationId": "modelInfer",
                "parameters": [model_name()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InferRequest" } } } },
                "responses": post_errors(json_ok("Predictions", json!({ "$ref": "#/components/schemas/InferResponse" })))
            } },
            "/v1/predict": { "post": {
                "operationId": "predictRows",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PredictRequest" } } } },
                "responses": post_errors(json_ok("One prediction per row", json!({ "$ref": "#/components/schemas/PredictResponse" })))
            } },
            "/metrics": { "get": { "operationId": "metrics", "responses": { "200": {
                "description": "Prometheus text format",
                "content": { "text/plain": { "schema": { "type": "string" } } }
            } } } },
            "/openapi.json": { "get": { "operationId": "openapi", "responses": { "200": json_ok("This document", json!({ "type": "object" })) } } }
        },
        "components": { "schemas": schemas() }
    })
}

fn schemas() -> Value {
    let datatype =
        json!({ "type": "string", "enum": ["BOOL", "INT32", "INT64", "FP32", "FP64", "BYTES"] });
    let shape = json!({ "type": "array", "items": { "type": "integer", "format": "int64" } });
    let fingerprints = json!({
        "type": "object",
        "properties": {
            "model_fingerprint": { "type": "string", "description": "sha256 hex of the model bytes" },
            "pipeline_fingerprint": { "type": "string", "description": "the fitted pipeline's fingerprint" },
            "request_id": { "type": "string" }
        }
    });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
        "ServerMetadata": { "type": "object", "required": ["name", "version", "extensions"], "properties": {
            "name": { "type": "string" }, "version": { "type": "string" },
            "extensions": { "type": "array", "items": { "type": "string" } } } },
        "TensorMetadata": { "type": "object", "required": ["name", "datatype", "shape"], "properties": {
            "name": { "type": "string" }, "datatype": datatype.clone(), "shape": shape.clone() } },
        "ModelMetadata": { "type": "object", "required": ["name", "platform", "inputs", "outputs"], "properties": {
            "name": { "type": "string" }, "versions": { "type": "array", "items": { "type": "string" } },
            "platform": { "type": "string" },
            "inputs": { "type": "array", "items": { "$ref": "#/components/schemas/TensorMetadata" } },
            "outputs": { "type": "array", "items": { "$ref": "#/components/schemas/TensorMetadata" } },
            "parameters": fingerprints.clone() } },
        "InputTensor": { "type": "object", "required": ["name", "shape", "datatype", "data"], "properties": {
            "name": { "type": "string", "description": "a raw feature of the pipeline's input schema" },
            "shape": { "description": "[batch] or [batch, 1]", "type": "array", "items": { "type": "integer", "format": "int64" } },
            "datatype": datatype.clone(),
            "data": { "type": "array", "description": "row-major values (nested arrays are flattened); null for a missing value", "items": {} },
            "parameters": { "type": "object" } } },
        "RequestedOutput": { "type": "object", "required": ["name"], "properties": {
            "name": { "type": "string" }, "parameters": { "type": "object" } } },
        "InferRequest": { "type": "object", "required": ["inputs"], "properties": {
            "id": { "type": "string" },
            "inputs": { "type": "array", "items": { "$ref": "#/components/schemas/InputTensor" } },
            "outputs": { "type": "array", "items": { "$ref": "#/components/schemas/RequestedOutput" } },
            "parameters": { "type": "object" } } },
        "OutputTensor": { "type": "object", "required": ["name", "shape", "datatype", "data"], "properties": {
            "name": { "type": "string" }, "shape": shape, "datatype": datatype,
            "data": { "type": "array", "items": {} } } },
        "InferResponse": { "type": "object", "required": ["model_name", "outputs"], "properties": {
            "model_name": { "type": "string" }, "model_version": { "type": "string" }, "id": { "type": "string" },
            "parameters": fingerprints.clone(),
            "outputs": { "type": "array", "items": { "$ref": "#/components/schemas/OutputTensor" } } } },
        "PredictRequest": { "type": "object", "required": ["rows"], "properties": {
            "rows": { "type": "array", "items": { "type": "object", "additionalProperties": true,
                "description": "every raw feature of the pipeline's input schema, null for a missing value" } } } },
        "PredictResponse": { "type": "object", "required": ["predictions", "model_fingerprint", "pipeline_fingerprint"], "properties": {
            "model": { "type": "string" }, "request_id": { "type": "string" },
            "model_fingerprint": { "type": "string" }, "pipeline_fingerprint": { "type": "string" },
            "predictions": { "type": "array", "items": { "type": "object", "additionalProperties": true } } } }
    })
}
