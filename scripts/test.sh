#!/usr/bin/env bash
# The whole Ectus-R test suite: formatting, lints, and every test on SQLite and PostgreSQL,
# including generated services built and tested for real and checked with Schemathesis.
#
# When ECTUS_TEST_POSTGRES_URL is not set, a throwaway PostgreSQL cluster is created in a
# temporary directory (installing the Debian package first if the server is missing), used
# for the run, and removed afterwards. Schemathesis is installed from PyPI when missing
# (ECTUS_SCHEMATHESIS may point at an existing `st`). The operations bundle is checked with
# the Debian packages `prometheus` and `prometheus-alertmanager` (promtool, amtool, and the
# servers for the end-to-end alert test), installed when missing; the tests start and stop
# their own instances. Last, the parsers of user input are fuzzed for a bounded time
# (scripts/fuzz.sh; ECTUS_FUZZ_SECONDS per target, 20 by default).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/throwaway-postgres.sh
source scripts/lib/throwaway-postgres.sh

if [ -z "${ECTUS_TEST_POSTGRES_URL:-}" ]; then
  start_postgres
fi

# Prometheus and Alertmanager: rule unit tests, configuration checks, the end-to-end alert.
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null \
  || ! command -v prometheus >/dev/null || ! command -v prometheus-alertmanager >/dev/null; then
  log "installing Prometheus and Alertmanager (Debian packages)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "prometheus and prometheus-alertmanager are not installed and this is not root: install those Debian packages" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus prometheus-alertmanager >/dev/null
  # The packages start system services; the tests run their own instances.
  for service in prometheus prometheus-alertmanager prometheus-node-exporter; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl stop "$service" || true
    fi
  done
fi

# kubernetes-validate checks the generated services' Kubernetes manifests against the schemas
# (offline).
if [ -z "${ECTUS_KUBERNETES_VALIDATE:-}" ]; then
  scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [ ! -x "$scripts_dir/kubernetes-validate" ]; then
    log "installing kubernetes-validate (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check "kubernetes-validate==1.34.1"
  fi
  export ECTUS_KUBERNETES_VALIDATE="$scripts_dir/kubernetes-validate"
fi

# Schemathesis checks one generated service against its own OpenAPI document.
if [ -z "${ECTUS_SCHEMATHESIS:-}" ]; then
  scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [ ! -x "$scripts_dir/st" ]; then
    log "installing Schemathesis (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
  fi
  export ECTUS_SCHEMATHESIS="$scripts_dir/st"
fi

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "workflow lint (actionlint, zizmor)"
./scripts/check-workflows.sh

log "dependency audit (deny.toml: licences, bans, sources)"
./scripts/audit.sh

log "cargo test (SQLite and PostgreSQL)"
cargo test --workspace --locked

log "fuzzing (cargo-fuzz: spec parser, English analyzer, OpenAPI importer; 20 s each)"
./scripts/fuzz.sh "${ECTUS_FUZZ_SECONDS:-20}"
