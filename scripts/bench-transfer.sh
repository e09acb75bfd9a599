#!/usr/bin/env bash
# Export and import of a large tenant, measured against a baseline in the same run: a tenant
# of about SIZE MiB of generation artifacts (incompressible, as real ones are) on SQLite is
# exported with `ectus export`, imported into a fresh SQLite database and into PostgreSQL
# (when ECTUS_BENCH_POSTGRES_URL names a database to fill), and the same bytes are archived by
# `tar` + `gzip -1` as the baseline. Prints wall time, throughput (MiB of archive per second)
# and peak resident memory of each.
#
#   scripts/bench-transfer.sh [SIZE_MIB] [ARTIFACT_KIB]
set -euo pipefail

size=${1:-1024}
artifact_kib=${2:-1024}
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p ectus --bin ectus
cargo build --release --locked -q -p ectus-store --example populate_tenant
ectus=target/release/ectus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# LABEL FILE COMMAND...: runs COMMAND, then reports FILE's size (the archive it wrote or read).
measure() {
    local label=$1 file=$2
    shift 2
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
    read -r wall rss_kib <"$work/time"
    local bytes
    bytes=$(stat -c %s "$file")
    python3 - "$label" "$bytes" "$wall" "$rss_kib" <<'PY'
import sys
label, size, wall, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"| {label} | {size / 2**20:.0f} MiB | {wall:.1f} s | {size / 2**20 / max(wall, 0.01):.0f} MiB/s | {rss / 1024:.0f} MiB |")
PY
}

target/release/examples/populate_tenant "sqlite://$work/source.db" bench "$size" "$artifact_kib"
echo "| step | bytes | wall | throughput | peak RSS |"
echo "| --- | --- | --- | --- | --- |"
archive=$work/bench.tar.gz
measure "ectus export (SQLite)" "$archive" "$ectus" export --database-url "sqlite://$work/source.db" --tenant bench -o "$archive"
mkdir "$work/unpacked" "$work/x"
tar -xzf "$archive" -C "$work/unpacked"
measure "baseline: tar + gzip -1 of the same files" "$work/baseline.tar.gz" sh -c "tar -C '$work/unpacked' -cf - . | gzip -1 > '$work/baseline.tar.gz'"
rm -rf "$work/unpacked"
measure "baseline: gunzip + tar -x of the same archive" "$archive" sh -c "gzip -dc '$archive' | tar -C '$work/x' -xf -"
rm -rf "$work/x"
measure "ectus import (SQLite)" "$archive" "$ectus" import --database-url "sqlite://$work/target.db" "$archive"
if [[ -n "${ECTUS_BENCH_POSTGRES_URL:-}" ]]; then
    measure "ectus import (PostgreSQL)" "$archive" "$ectus" import --database-url "$ECTUS_BENCH_POSTGRES_URL" "$archive"
    measure "ectus export (PostgreSQL)" "$work/from-pg.tar.gz" "$ectus" export --database-url "$ECTUS_BENCH_POSTGRES_URL" --tenant bench -o "$work/from-pg.tar.gz"
fi
