#!/usr/bin/env bash
# The request path measured side by side in one run: `/health/live` (no authentication, no
# database), `GET /api/v1/me` and `GET /api/v1/projects/{id}` (authenticated reads), with the
# API-key cache on and off, on the release router with the whole telemetry stack on (no OTLP
# endpoint). The target runs on CPU 0 and wrk on CPU 1; rounds alternate so that drift of the
# machine hits every variant. Prints requests per second per variant and each authenticated
# read as a ratio of `/health/live` in the same run.
#
#   scripts/bench-request-path.sh [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail

rounds=${1:-3}
seconds=${2:-10}
connections=${3:-16}
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --locked -q -p ectus-server --example load_target
bin=target/release/examples/load_target
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One target per key-cache setting, measured on every path.
start() {
    local cache=$1 dir="$work/$1" port
    port=$(free_port)
    mkdir -p "$dir"
    taskset -c 0 "$bin" serve --telemetry on --key-cache "$cache" --listen "127.0.0.1:$port" \
        --dir "$dir" >/dev/null 2>"$dir/stderr" &
    pids+=($!)
    for _ in $(seq 100); do [[ -s "$dir/target.json" ]] && break; sleep 0.1; done
    [[ -s "$dir/target.json" ]] || { cat "$dir/stderr" >&2; exit 1; }
    echo "$port"
}

measure() {
    local url=$1 key=$2 out
    taskset -c 1 wrk -t1 -c"$connections" -d2s -H "Authorization: Bearer $key" "$url" >/dev/null
    out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" -H "Authorization: Bearer $key" "$url")
    if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $url:" >&2; echo "$out" >&2; exit 1; fi
    awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

results="$work/results"
declare -A port key project
for cache in on off; do
    port[$cache]=$(start "$cache")
    key[$cache]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$work/$cache/target.json")
    project[$cache]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["project_id"])' "$work/$cache/target.json")
done
for round in $(seq "$rounds"); do
    for cache in on off; do
        base="http://127.0.0.1:${port[$cache]}"
        for path in live me project; do
            case $path in
                live) url="$base/health/live" ;;
                me) url="$base/api/v1/me" ;;
                project) url="$base/api/v1/projects/${project[$cache]}" ;;
            esac
            rps=$(measure "$url" "${key[$cache]}")
            echo "round $round key-cache $cache $path: $rps req/s" >&2
            echo "$cache $path $rps" >>"$results"
        done
    done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for cache, path, rps in rows:
    med.setdefault((cache, path), []).append(float(rps))
med = {k: statistics.median(v) for k, v in med.items()}
for cache in ("on", "off"):
    live = med[(cache, "live")]
    print(f"key cache {cache}: /health/live {live:8.0f} req/s", end="")
    for path, label in (("me", "/api/v1/me"), ("project", "GET /api/v1/projects/{id}")):
        print(f"; {label} {med[(cache, path)]:8.0f} ({med[(cache, path)] / live:.2f} of live)", end="")
    print()
PY
