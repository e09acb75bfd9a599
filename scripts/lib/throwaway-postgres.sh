# A throwaway PostgreSQL cluster for the scripts that need one (sourced): `start_postgres`
# creates it in a temporary directory on a free port — installing the Debian package first
# when the server is missing, running it as the package's system user when this is root —
# and sets ECTUS_TEST_POSTGRES_URL to its admin URL; the EXIT trap stops and removes it.

log() { printf '\n== %s\n' "$*" >&2; }

pg_dir=""
pg_bin=""
pg_user=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

as_pg() {
  if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_postgres() {
  pg_bin=$(find_pg_bin)
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    log "installing PostgreSQL (Debian package)"
    if [ "$(id -u)" -ne 0 ]; then
      echo "PostgreSQL is not installed and this is not root: install the 'postgresql' package or set ECTUS_TEST_POSTGRES_URL" >&2
      exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(find_pg_bin)
  fi
  pg_dir=$(mktemp -d /tmp/ectus-pg.XXXXXX)
  # PostgreSQL refuses to run as root; use the package's system user then.
  if [ "$(id -u)" -eq 0 ]; then
    pg_user=postgres
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown "$pg_user" "$pg_dir"
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  log "starting a throwaway PostgreSQL cluster on 127.0.0.1:$port"
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null
  export ECTUS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

