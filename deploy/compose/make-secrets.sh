#!/bin/sh
# Generates the secrets of the compose stack in ./secrets/ (next to this script):
#   postgres-password       password of the PostgreSQL role `ectus`
#   metrics-token           bearer token Prometheus sends to the Ectus-R metrics listeners
#   webhook-token           bearer token Alertmanager sends to POST /api/v1/alerts/webhook
#   grafana-admin-password  password of Grafana's `admin` user
#
# Existing files are kept, so running it again never changes a password that PostgreSQL
# already stored; pass --force to replace them all (then remove the postgres-data volume,
# whose cluster still has the old password: docker compose down -v).
set -eu

cd "$(dirname "$0")"
force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

# 32 random bytes as 64 hex characters: safe inside a URL and a shell word.
random_token() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
    echo
  fi
}

umask 077
mkdir -p secrets
chmod 700 secrets
for name in postgres-password metrics-token webhook-token grafana-admin-password; do
  file="secrets/$name"
  if [ -s "$file" ] && [ "$force" -eq 0 ]; then
    echo "kept      $file"
    continue
  fi
  # No trailing newline: the whole file is the secret.
  random_token | tr -d '\n' > "$file.tmp"
  mv "$file.tmp" "$file"
  echo "generated $file"
done
# The containers run as their own users (ectus 10001, postgres 999, prometheus and
# alertmanager 65534, grafana 472) and read the files through bind mounts, so the files are
# world-readable; the directory itself stays private to the owner on the host.
chmod 644 secrets/postgres-password secrets/metrics-token secrets/webhook-token secrets/grafana-admin-password
