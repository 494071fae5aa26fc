"""`lockstep serve` spoken to by a client Lockstep did not write: NVIDIA's tritonclient[http].

Usage (the Rust test serve/tests/serve_binary.rs runs this against a started server):
    python tests/python/test_tritonclient.py --url 127.0.0.1:PORT --model m \
        --lockstep target/debug/lockstep --rows tests/data/transforms/test.jsonl

The reference predictions come from `lockstep predict --engine core` (lockstep-core's own
engine, not ONNX Runtime and not the server) on the same rows. Rows holding a null are
skipped: a numpy FP64 array cannot carry a JSON null. Exits non-zero on any mismatch.
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

TOLERANCE = 1e-5
NUMPY = {"FP64": np.float64, "INT64": np.int64, "BOOL": np.bool_, "BYTES": np.object_}


def reference(lockstep, model, pipeline, rows):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "rows.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        out = Path(tmp) / "reference.csv"
        subprocess.run(
            [lockstep, "predict", "--engine", "core", "--model", model, "--pipeline", pipeline,
             "--input", str(data), "-o", str(out)],
            check=True,
        )
        with out.open() as f:
            return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--lockstep", required=True)
    parser.add_argument("--model-file", default="tests/data/serving/model.onnx")
    parser.add_argument("--pipeline", default="tests/data/serving/pipeline.json")
    parser.add_argument("--rows", default="tests/data/transforms/test.jsonl")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()

    rows = [json.loads(line) for line in Path(args.rows).read_text().splitlines() if line.strip()]
    rows = [r for r in rows if all(v is not None for v in r.values())]
    expected = reference(args.lockstep, args.model_file, args.pipeline, rows)

    client = httpclient.InferenceServerClient(url=args.url)
    assert client.is_server_live(), "server not live"
    assert client.is_server_ready(), "server not ready"
    assert client.is_model_ready(args.model), "model not ready"
    metadata = client.get_model_metadata(args.model)
    inputs_meta = {i["name"]: i["datatype"] for i in metadata["inputs"]}

    checked = 0
    for start in range(0, len(rows), args.batch):
        batch = rows[start:start + args.batch]
        inputs = []
        for name, datatype in inputs_meta.items():
            values = np.array([r[name] for r in batch], dtype=NUMPY[datatype]).reshape(len(batch), 1)
            tensor = httpclient.InferInput(name, list(values.shape), datatype)
            tensor.set_data_from_numpy(values, binary_data=False)
            inputs.append(tensor)
        outputs = [httpclient.InferRequestedOutput(n, binary_data=False) for n in ("label", "probabilities")]
        result = client.infer(args.model, inputs, outputs=outputs, request_id=f"batch-{start}")
        response = result.get_response()
        assert response["id"] == f"batch-{start}", response["id"]
        for key in ("model_fingerprint", "pipeline_fingerprint"):
            assert len(response["parameters"][key]) == 64, response["parameters"]
        labels = result.as_numpy("label").reshape(-1)
        probabilities = result.as_numpy("probabilities")
        assert probabilities.shape == (len(batch), 2), probabilities.shape
        for i, ref in enumerate(expected[start:start + len(batch)]):
            assert labels[i] == int(ref["label"]), (start + i, labels[i], ref)
            for k in range(2):
                want = float(ref[f"probabilities_{k}"])
                assert abs(float(probabilities[i, k]) - want) <= TOLERANCE, (start + i, k, probabilities[i], ref)
            checked += 1

    # A bad request surfaces as the client's own exception carrying the server's message.
    bad = httpclient.InferInput("age", [1], "FP64")
    bad.set_data_from_numpy(np.array([1.0]), binary_data=False)
    try:
        client.infer(args.model, [bad])
        raise AssertionError("an incomplete request was accepted")
    except InferenceServerException as err:
        assert "missing input" in str(err), str(err)

    print(f"tritonclient: {checked} rows match lockstep predict --engine core within {TOLERANCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
