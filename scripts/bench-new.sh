#!/usr/bin/env bash
# `ectus new` end to end on this machine: cold (empty build cache) and warm (a second,
# different project reusing the cache). Prints seconds and the warm/cold ratio.
#
#   ./scripts/bench-new.sh            # uses target/release/ectus (built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p ectus
ectus="$PWD/target/release/ectus"
work=$(mktemp -d /tmp/ectus-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cache="$work/cache"

run() { # name prompt-file
  local start end
  start=$(date +%s.%N)
  "$ectus" new "$work/$1" --prompt "$(cat "examples/prompts/$2.txt")" --target-dir "$cache" --json > "$work/$1.json"
  end=$(date +%s.%N)
  python3 - "$work/$1.json" "$start" "$end" "$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
elapsed = float(sys.argv[3]) - float(sys.argv[2])
phases = ", ".join(f"{p['phase']} {p['duration_ms'] / 1000:.1f}s" for p in report["qa"]["phases"])
print(f"{sys.argv[4]}: {elapsed:.1f}s wall ({phases}); tests {report['qa']['tests']['passed']} passed; verdict {report['verdict']}")
open(sys.argv[1] + ".seconds", "w").write(f"{elapsed}")
PY
}

run cold-todo todo
run warm-bugs bugs
python3 - "$work" <<'PY'
import sys
cold = float(open(f"{sys.argv[1]}/cold-todo.json.seconds").read())
warm = float(open(f"{sys.argv[1]}/warm-bugs.json.seconds").read())
print(f"warm/cold = {warm / cold:.2f} ({warm:.1f}s vs {cold:.1f}s)")
PY
