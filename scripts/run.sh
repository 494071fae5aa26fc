#!/usr/bin/env bash
# The main job: install what is missing, build the web app and the server, and start
# `lockstep demo` on http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-web.sh
cargo build --release --locked -p lockstep-serve
exec target/release/lockstep demo --addr "${LOCKSTEP_ADDR:-127.0.0.1:8080}" --web-dir dist
