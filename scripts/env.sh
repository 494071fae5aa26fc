# Sourced by the scripts: puts the project's tools on PATH and points ONNX Runtime's
# loader at the library from the onnxruntime wheel in .venv.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/tests/browser/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
ORT_LIB=$(ls "$ROOT"/.venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.* 2>/dev/null | head -n 1 || true)
if [ -n "$ORT_LIB" ]; then
  export ORT_DYLIB_PATH="$ORT_LIB"
fi
# Mesa (lavapipe) warns without a runtime dir.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
