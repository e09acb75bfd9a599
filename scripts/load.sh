#!/usr/bin/env bash
# The load harness (crates/ectus-load) on the release build, on SQLite and on PostgreSQL:
# the operations plan's six-stage profile (16 minutes per backend), a scaled one, or a soak.
# Reports go to load-report/<backend>/ (summary.html, summary.json, goose's report.html and
# report.json). PostgreSQL is the cluster of ECTUS_TEST_POSTGRES_URL (an admin URL; a fresh
# database is created in it per run) or a throwaway cluster this script starts and removes.
#
#   scripts/load.sh                           # full profile, both backends, latency limits enforced
#   scripts/load.sh --scale 0.0625            # the same shape in a minute per backend
#   scripts/load.sh --soak 30m --users 50     # memory and descriptors over 30 minutes
#   ECTUS_LOAD_BACKENDS=sqlite scripts/load.sh --scale 0.25
#
# The server runs on CPU 0 and the load on CPU 1 when the machine has two or more cores.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/throwaway-postgres.sh
source scripts/lib/throwaway-postgres.sh

backends=${ECTUS_LOAD_BACKENDS:-sqlite postgresql}
args=("$@")
[[ " ${args[*]} " == *" --scale "* ]] || args+=(--enforce-limits)

log "release build (ectus, ectus-load)"
cargo build --release --locked -q -p ectus -p ectus-load

pin_server=() pin_load=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi
# The harness starts the server itself: a wrapper pins it to its own core.
server=$(mktemp /tmp/ectus-pinned.XXXXXX)
trap 'rm -f "$server"; cleanup' EXIT
printf '#!/bin/sh\nexec %s "%s/target/release/ectus" "$@"\n' "${pin_server[*]}" "$PWD" >"$server"
chmod +x "$server"

status=0
for backend in $backends; do
  database=()
  if [ "$backend" = postgresql ]; then
    [ -n "${ECTUS_TEST_POSTGRES_URL:-}" ] || start_postgres
    name="ectus_load_$(date +%s)_$$"
    psql -q "$ECTUS_TEST_POSTGRES_URL" -c "CREATE DATABASE $name"
    database=(--database-url "${ECTUS_TEST_POSTGRES_URL%/*}/$name")
  fi
  log "load on $backend: ${args[*]}"
  "${pin_load[@]}" target/release/ectus-load --ectus "$server" "${database[@]}" \
    --report-dir "load-report/$backend" --quiet "${args[@]}" || status=1
done
exit $status
