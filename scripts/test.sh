#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else):
# set-up (idempotent), formatting, clippy (native workspace and wasm32), every Rust
# test, the Python package (wheel, install, pytest), a short run of every fuzz target,
# the Trunk release build, and the browser end-to-end tests in headless chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
START=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - START))"; }

step "set-up"
scripts/setup.sh
source scripts/env.sh
# CI builds each tree once, from a clean clone: incremental caches would only take disk
# (they more than doubled target/debug, and a CI run once stopped on a full disk).
export CARGO_INCREMENTAL=0

step "cargo fmt --check"
cargo fmt --all --check

step "clippy, native workspace"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy, wasm32 (lockstep-core, lockstep-frontend and its wire and WebGPU modules)"
cargo clippy -p lockstep-core -p lockstep-frontend -p lockstep-web-wire -p lockstep-gpu-web \
  --target wasm32-unknown-unknown --locked -- -D warnings
# The GPU engine on wasm32 (wgpu's WebGPU backend).
cargo clippy -p lockstep-core --features gpu --target wasm32-unknown-unknown --locked -- -D warnings

# lockstep-serve enables lockstep-core's `gpu` feature, so this also runs core's GPU engine
# tests (gpu_engine, gpu_kernels, gpu_wgsl) on Mesa's lavapipe, which set-up installs; without a Vulkan
# adapter they fail.
step "cargo test (native workspace)"
cargo test --workspace --locked

step "wasm32 tests under Node (transforms and model outputs byte-identical to native)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p lockstep-core --features parquet --target wasm32-unknown-unknown --locked \
  --test transform_wasm --test onnx_wasm

step "Python package: maturin wheel, fresh-venv install, pytest (python/tests)"
scripts/test-python.sh

step "fuzz smoke: every target 10 s from its corpus (fuzz/smoke.sh, nightly + cargo-fuzz)"
fuzz/smoke.sh

step "trunk build --release"
scripts/build-web.sh

step "browser end-to-end tests (headless chromium)"
cargo build --locked -p lockstep-serve
(cd tests/browser && node --test --test-concurrency=1 ./*.test.mjs)

step "all tests passed"
