# Throwaway PostgreSQL for the test run. Source this file, then call `pg_start` / `pg_stop`.
# `pg_start` exports DATABASE_URL (a superuser URL on 127.0.0.1 at a free port).

_pg_bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_start() {
  local bindir
  if ! bindir=$(_pg_bindir); then
    echo "==> installing PostgreSQL (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
    bindir=$(_pg_bindir) || { echo "PostgreSQL server binaries not found after install" >&2; return 1; }
  fi
  PG_TMP=$(mktemp -d /tmp/medsync-pg.XXXXXX)
  local port; port=$(free_port)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_TMP"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 --no-sync >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  # Durability is irrelevant for a throwaway test server; speed is not.
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start -o \
    "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB" \
    >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
  PG_STOP_CMD=("${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop)
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "==> PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

pg_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_STOP_CMD[@]}" >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=
}
