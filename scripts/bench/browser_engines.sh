#!/usr/bin/env bash
# Lockstep's engine in headless Chromium against onnxruntime-web's wasm provider, in one page
# and run, on the bench models (tests/data/bench) at 10 k, 100 k and 1 M rows; prints a table
# of rows/s and ratios. Lockstep's side is tests/browser/bench (a bench-only cdylib: the
# web app's bundle is untouched), built exactly as Trunk builds the page: the wasm-release
# profile, the wasm32 rustflags of .cargo/config.toml (simd128), wasm-bindgen, wasm-opt -Oz.
#
#     scripts/bench/browser_engines.sh
#
# BENCH_REPS (default 3), BENCH_ROWS (default 10000,100000,1000000), BENCH_WORKERS
# (default: the browser's navigator.hardwareConcurrency), BENCH_WEBGPU (0 skips the WebGPU
# session: Lockstep's WebGPU module against onnxruntime-web's WebGPU provider, in Chromium
# with --enable-unsafe-webgpu; on a software adapter only overhead) and BENCH_GPU_ROWS are
# passed to
# tests/browser/bench_engines.mjs. Needs scripts/setup.sh's tools (wasm-bindgen,
# wasm-opt, chromium, tests/browser/node_modules with onnxruntime-web).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build -p lockstep-bench-wasm --profile wasm-release --target wasm32-unknown-unknown --locked
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/lockstep_bench_wasm.wasm"
pkg="$target_dir/browser-bench/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" "$wasm"
# As Trunk runs it for the page (data-wasm-opt="z" in www/index.html).
wasm-opt --output="$pkg/lockstep_bench_wasm_bg.wasm" -Oz "$pkg/lockstep_bench_wasm_bg.wasm"
# The page's WebGPU module (frontend/gpu), as scripts/build-web.sh builds it, for the WebGPU
# session (BENCH_WEBGPU=0 skips it).
cargo build -p lockstep-gpu-web --profile wasm-release --target wasm32-unknown-unknown --locked
mkdir -p "$pkg/gpu"
wasm-bindgen --target web --no-typescript --out-dir "$pkg/gpu" "$target_dir/wasm32-unknown-unknown/wasm-release/lockstep_gpu_web.wasm"
wasm-opt --output="$pkg/gpu/lockstep_gpu_web_bg.wasm" -Oz "$pkg/gpu/lockstep_gpu_web_bg.wasm"
printf '[browser-bench] engine wasm: %s bytes, %s gzip\n' \
  "$(stat -c %s "$pkg/lockstep_bench_wasm_bg.wasm")" "$(gzip -9 -c "$pkg/lockstep_bench_wasm_bg.wasm" | wc -c)"
BENCH_PKG="$pkg" node tests/browser/bench_engines.mjs
