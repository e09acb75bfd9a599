#!/usr/bin/env bash
# Fuzzes the parsers of user input with cargo-fuzz (libFuzzer, AddressSanitizer, debug
# assertions on): `spec_parser` (spec documents, YAML and JSON), `english_analyzer`
# (requirements) and `openapi_importer` (OpenAPI documents) — each for SECONDS, seeded from
# the repository's examples and corpora. A panic, a sanitizer report or an input that takes
# longer than 10 s fails the run; libFuzzer saves the input under
# target/fuzz/artifacts/<target>/ (replay: scripts/fuzz.sh --replay <target> <file>).
#
#   scripts/fuzz.sh                          # 60 s per target
#   scripts/fuzz.sh 600 openapi_importer     # ten minutes on one target
#
# The machine's only toolchain is a stable one; cargo-fuzz passes sanitizer flags that only a
# nightly compiler accepts, so the build runs with RUSTC_BOOTSTRAP=1. cargo-fuzz is installed
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTC_BOOTSTRAP=1
fuzz=(cargo fuzz)
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (crates.io)"
  cargo install --quiet --locked cargo-fuzz --version 0.13.2
fi
common=(--fuzz-dir fuzz --target-dir target/fuzz)

if [ "${1:-}" = "--replay" ]; then
  [ $# -eq 3 ] || { echo "usage: scripts/fuzz.sh --replay <target> <input file>" >&2; exit 2; }
  exec "${fuzz[@]}" run "${common[@]}" "$2" "$3"
fi

seconds=${1:-60}
shift || true
case "$seconds" in
  ''|*[!0-9]*) echo "scripts/fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(spec_parser english_analyzer openapi_importer)

seeds_of() {
  case "$1" in
    spec_parser) echo examples ;;
    english_analyzer) echo examples/prompts crates/ectus-spec/tests/corpus/requirements/tuning ;;
    openapi_importer) echo crates/ectus-spec/tests/corpus/openapi ;;
    *) echo "scripts/fuzz.sh: no target '$1' (spec_parser, english_analyzer, openapi_importer)" >&2; return 1 ;;
  esac
}

echo "== building the fuzz targets"
"${fuzz[@]}" build "${common[@]}"
for target in "${targets[@]}"; do
  read -r -a seeds <<<"$(seeds_of "$target")"
  corpus=target/fuzz/corpus/$target
  artifacts=target/fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  echo "== fuzzing $target for ${seconds}s (seeds: ${seeds[*]})"
  log=target/fuzz/$target.log
  status=0
  "${fuzz[@]}" run "${common[@]}" "$target" "$corpus" "${seeds[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$log" >&2
    echo "fuzz target $target failed; the input is in $artifacts/ (whole log: $log)" >&2
    exit 1
  fi
done
