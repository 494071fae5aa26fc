#!/usr/bin/env bash
# Installs everything Lockstep's build and tests need, idempotently: each step checks
# first and does nothing when its tool is already there. Used by scripts/run.sh and
# scripts/test.sh; safe to run again at any time.
#
# What it installs (see ../shared/ENVIRONMENT.md for why these versions):
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy
#   - Trunk 0.21.14 (0.22 needs a newer rustc)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - Debian's chromium + chromium-driver (browser tests)
#   - Debian's mesa-vulkan-drivers (lavapipe: a CPU Vulkan driver for the GPU engine's tests)
#   - npm packages in tests/browser: playwright-core (drives Debian's chromium; never
#     downloads a browser) and binaryen 132 (wasm-opt for Trunk; Debian's is too old)
#   - a Python virtualenv in .venv with ONNX Runtime and the fixture generators
#   - a second one in target/python-venv with maturin, pytest and the Python package's
#     test dependencies (python/requirements-dev.txt)
#   - a nightly Rust toolchain and cargo-fuzz (the fuzz targets in fuzz/; libFuzzer needs nightly)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages -----------------------------------------------------------------
apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || apt_missing+=(chromium-driver)
command -v node >/dev/null 2>&1 || apt_missing+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || apt_missing+=(python3 python3-venv)
# lavapipe (Mesa's CPU Vulkan driver): the GPU engine's tests run on it (core feature `gpu`).
ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || apt_missing+=(mesa-vulkan-drivers)
# wrk: the load generator of scripts/bench/serve_load.sh (the serving benchmark).
command -v wrk >/dev/null 2>&1 || apt_missing+=(wrk)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  log "apt-get install ${apt_missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# --- Rust toolchain pieces -------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "rustup component add $component"
    rustup component add "$component"
  fi
done

TRUNK_VERSION=0.21.14
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "cargo install trunk $TRUNK_VERSION (about 9 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "[setup] cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)"
  # Not --locked: its lock file pins a webpki-roots version this registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! grep -q "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
  echo "[setup] Trunk.toml's [tools] wasm_bindgen must be $WASM_BINDGEN_VERSION (Cargo.lock)" >&2
  exit 1
fi

# cargo-fuzz builds its targets with nightly's sanitizer flags; the workspace itself
# stays on the stable toolchain.
if ! rustup toolchain list | grep -q '^nightly'; then
  log "rustup toolchain install nightly --profile minimal"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "cargo install cargo-fuzz --locked (about 3 minutes)"
  cargo install cargo-fuzz --locked
fi

# --- npm: playwright-core and binaryen (wasm-opt) ----------------------------------------
if [ ! -x tests/browser/node_modules/.bin/wasm-opt ] || [ ! -d tests/browser/node_modules/playwright-core ] \
  || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  log "npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- Python: ONNX Runtime's library and the fixture generators ---------------------------
REQUIREMENTS=scripts/fixtures/requirements.txt
if [ ! -x .venv/bin/python ] || ! cmp -s "$REQUIREMENTS" .venv/.requirements-installed; then
  log "python venv .venv from $REQUIREMENTS"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" .venv/.requirements-installed
fi

# --- Python: the lockstep package's build and test tools (python/) -----------------------
# A venv of its own, so the fixtures' .venv stays as it is; scripts/test-python.sh builds
# the wheel with its maturin and runs pytest in it.
PY_REQUIREMENTS=python/requirements-dev.txt
PY_VENV=target/python-venv
if [ ! -x "$PY_VENV/bin/python" ] || ! cmp -s "$PY_REQUIREMENTS" "$PY_VENV/.requirements-installed"; then
  log "python venv $PY_VENV from $PY_REQUIREMENTS"
  python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS"
  cp "$PY_REQUIREMENTS" "$PY_VENV/.requirements-installed"
fi

log "ready (root: $ROOT)"
