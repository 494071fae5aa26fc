#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: small files from tests/data (and
# docs/examples) plus the hand-written ones in fuzz/seeds/<target>/. Idempotent: files
# are copied under their content's name, so running it again adds nothing. The corpus
# folders also keep what the fuzzer finds (they are not committed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
DATA=../tests/data

# seed TARGET FILE...: copy each file under 64 KiB into the target's corpus.
seed() {
  local target=$1 file sum
  shift
  mkdir -p "corpus/$target"
  for file in "$@"; do
    [ -f "$file" ] || continue
    [ "$(stat -c %s "$file")" -le 65536 ] || continue
    sum=$(sha1sum "$file" | cut -c1-40)
    [ -e "corpus/$target/$sum" ] || cp "$file" "corpus/$target/$sum"
  done
}

seed table_csv $(find $DATA -name '*.csv' -size -64k)
seed table_jsonl $(find $DATA -name '*.jsonl' -size -64k)
seed table_parquet $(find $DATA -name '*.parquet' -size -64k)
seed table_arrow_ipc $(find $DATA/arrow -name '*.arrow*' -size -64k) $(find $DATA/arrow -name '*.feather' -size -64k)
seed onnx_model $(find $DATA -name '*.onnx' -size -16k)
seed pipeline_fitted $DATA/serving/pipeline.json $DATA/serving/pipeline_skewed.json
seed pipeline_spec $DATA/serving/spec.json
seed skew_log $DATA/skew/log/predictions_nested.parquet $DATA/skew/log/predictions_text.parquet
seed eval_settings ../docs/examples/eval.toml
seed share_link $DATA/share/s1_link.txt
seed share_state $DATA/share/s1_state.json
seed serve_request
for target in seeds/*/; do
  target=$(basename "$target")
  seed "$target" seeds/"$target"/*
done

# The first lines of the JSON Lines prediction log (the whole file is 110 KB).
mkdir -p corpus/skew_log
head -n 20 $DATA/skew/log/predictions.jsonl > corpus/skew_log/predictions_head.jsonl
# Each transform case's spec, as its own file.
if command -v python3 >/dev/null; then
  python3 - "$DATA" <<'PY'
import json, pathlib, sys, hashlib
out = pathlib.Path("corpus/pipeline_spec")
for case in sorted(pathlib.Path(sys.argv[1], "transforms", "cases").glob("*.json")):
    text = json.dumps(json.loads(case.read_text())["spec"])
    (out / hashlib.sha1(text.encode()).hexdigest()).write_text(text)
PY
fi
