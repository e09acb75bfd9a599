#!/usr/bin/env bash
# What the whole observability stack costs one authenticated read endpoint
# (GET /api/v1/projects/{id}): the release router with telemetry on (request id, spans,
# metrics, one JSON access line, redaction, OTLP export at 10 % sampling to a local receiver)
# and off, measured side by side in one run with wrk. Rounds alternate off/on so that drift of
# the machine hits both. The target runs on CPU 0 and wrk on CPU 1; the target's CPU time comes
# from /proc/<pid>/stat (user + system, every thread, export included).
#
#   scripts/bench-observability.sh [ROUNDS] [SECONDS] [CONNECTIONS]
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
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_sec=$(getconf CLK_TCK)

sink_port=$(free_port)
taskset -c 0 "$bin" sink --listen "127.0.0.1:$sink_port" >/dev/null 2>&1 &
pids+=($!)

# One measured run: prints "requests_per_sec cpu_us_per_request".
run() {
    local mode=$1 dir="$work/$1-$2" port
    port=$(free_port)
    mkdir -p "$dir"
    taskset -c 0 "$bin" serve --telemetry "$mode" --listen "127.0.0.1:$port" --dir "$dir" \
        --otlp "http://127.0.0.1:$sink_port" --sample-ratio 0.1 >/dev/null 2>"$dir/stderr" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do [[ -s "$dir/target.json" ]] && break; sleep 0.1; done
    [[ -s "$dir/target.json" ]] || { cat "$dir/stderr" >&2; exit 1; }
    local key project url
    key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$dir/target.json")
    project=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["project_id"])' "$dir/target.json")
    url="http://127.0.0.1:$port/api/v1/projects/$project"
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$url")
    [[ $status == 200 ]] || { echo "the target answered $status" >&2; exit 1; }
    taskset -c 1 wrk -t1 -c"$connections" -d2s -H "Authorization: Bearer $key" "$url" >/dev/null
    local before after out
    before=$(cpu_ticks "$pid")
    out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" -H "Authorization: Bearer $key" "$url")
    after=$(cpu_ticks "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    local rps requests
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers during the run:" >&2; echo "$out" >&2; exit 1; fi
    python3 -c "import sys; t=(int(sys.argv[2])-int(sys.argv[1]))/int(sys.argv[3]); print(sys.argv[4], t*1e6/int(sys.argv[5]))" \
        "$before" "$after" "$ticks_per_sec" "$rps" "$requests"
}

results="$work/results"
for round in $(seq "$rounds"); do
    for mode in off on; do
        line=$(run "$mode" "$round")
        echo "round $round $mode: $line" >&2
        echo "$mode $line" >>"$results"
    done
done

python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {m: [(float(r), float(c)) for mm, r, c in rows if mm == m] for m in ("off", "on")}
med = {m: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for m, v in by.items()}
(off_rps, off_cpu), (on_rps, on_cpu) = med["off"], med["on"]
print(f"telemetry off: {off_rps:9.0f} req/s  {off_cpu:6.1f} µs CPU/request (median of {len(by['off'])})")
print(f"telemetry on:  {on_rps:9.0f} req/s  {on_cpu:6.1f} µs CPU/request (median of {len(by['on'])})")
print(f"throughput on/off: {on_rps / off_rps:.3f} ({(1 - on_rps / off_rps) * 100:.1f} % cost)")
print(f"CPU added per request: {on_cpu - off_cpu:.1f} µs ({on_cpu / off_cpu:.3f}×)")
EOF
