"""A minimal FastAPI + onnxruntime server for the same model, as a baseline for
scripts/bench/serve_load.sh. It takes *already transformed* feature rows
({"features": [[f32 x 29], ...]}) because the fitted pipeline is lockstep-core code;
so it does less work than `lockstep serve` (no transforms, no validation, no log).

    uvicorn --app-dir scripts/bench fastapi_server:app --port 8090
(MODEL names the .onnx file; default tests/data/serving/model.onnx)
"""

import os

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI
from pydantic import BaseModel

options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(
    os.environ.get("MODEL", "tests/data/serving/model.onnx"), options, providers=["CPUExecutionProvider"]
)
input_name = session.get_inputs()[0].name
output_names = [o.name for o in session.get_outputs()]
app = FastAPI()


class Features(BaseModel):
    features: list[list[float]]


@app.post("/predict")
def predict(request: Features):
    x = np.asarray(request.features, dtype=np.float32)
    outputs = session.run(output_names, {input_name: x})
    return {name: value.tolist() for name, value in zip(output_names, outputs)}
