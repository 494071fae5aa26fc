#!/usr/bin/env bash
# The long fuzz run: every target (or those named in TARGETS) for SECONDS_PER_TARGET
# seconds of wall time each (default 600), JOBS targets at a time (default 2), at
# `nice -n 19` (a shared machine: the fuzzers take only idle CPU). Same limits as the
# gate (smoke.sh): a hang is > 5 s on one input, a blow-up > 2 GB. Each target's
# libFuzzer log goes to fuzz/logs/<target>.log, a crash's input to
# fuzz/artifacts/<target>/; at the end it prints one Markdown table row per target
# (target, minutes, executions, crashes) for the README.
#   fuzz/long.sh                                    # build (cargo fuzz build), then run
#   FUZZ_BIN_DIR=path fuzz/long.sh                  # run already-built target binaries
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-600}
JOBS=${JOBS:-2}
./seed.sh
if [ -z "${FUZZ_BIN_DIR:-}" ]; then
  nice -n 19 cargo +nightly fuzz build
  FUZZ_BIN_DIR=target/x86_64-unknown-linux-gnu/release
fi
TARGETS=${TARGETS:-$(cargo +nightly fuzz list)}
mkdir -p logs

run_one() {
  local target=$1 log=logs/$1.log start end before after status=0
  mkdir -p "artifacts/$target"
  before=$(find "artifacts/$target" -maxdepth 1 -type f | wc -l)
  start=$(date +%s)
  nice -n 19 "$FUZZ_BIN_DIR/$target" -artifact_prefix="artifacts/$target/" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 "corpus/$target" >"$log" 2>&1 || status=$?
  end=$(date +%s)
  after=$(find "artifacts/$target" -maxdepth 1 -type f | wc -l)
  echo "$target $((end - start)) $status $((after - before))" >"logs/$target.done"
}

# JOBS workers, each taking the next target.
pids=()
for target in $TARGETS; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 5; done
  run_one "$target" &
  pids+=($!)
done
wait

echo "| target | minutes | executions | crashes |"
echo "|---|---|---|---|"
for target in $TARGETS; do
  read -r _ secs status crashes <"logs/$target.done"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$' || echo '?')
  [ "$status" = 0 ] || crashes="$crashes (exit $status: $(grep -m1 -oE 'deadly signal|ERROR: [A-Za-z]+|timeout|out-of-memory[^)]*\)' "logs/$target.log" || echo '?'))"
  printf '| `%s` | %s | %s | %s |\n' "$target" "$(awk "BEGIN{printf \"%.1f\", $secs/60}")" "$runs" "$crashes"
done
