#!/usr/bin/env bash
# Builds the web app into dist/ with Trunk (offline) and prints the wasm bundle size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
trunk build --release --locked 2>&1 | grep -v "^\s*$" | tail -n 5
wasm=$(ls dist/*.wasm)
# The wasm-bindgen module (the worker, dist/worker.js, loads the same bundle).
js=$(ls dist/lockstep-frontend-*.js)
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
js_gz=$(gzip -9 -c "$js" | wc -c)
printf '[build-web] wasm bundle: %s bytes raw (%s KiB), %s bytes gzip -9 (%s KiB); JS glue %s bytes gzip\n' \
  "$raw" "$((raw / 1024))" "$gz" "$((gz / 1024))" "$js_gz"
