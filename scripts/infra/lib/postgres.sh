# Postgres 16 + pgvector from PyPI's pgserver wheel. Sourced by up/down/status.
# shellcheck shell=bash

PG_VENV="$INFRA_TOOLS_DIR/venv"
PG_DIR="$INFRA_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PGSERVER_VERSION=0.1.4
# shellcheck source=pg-contrib.sh
source "$INFRA_SCRIPTS_DIR/lib/pg-contrib.sh"

pg_bin_dir() {
  local bin
  bin=$(ls -d "$PG_VENV"/lib/python3*/site-packages/pgserver/pginstall/bin 2>/dev/null | head -n1)
  [[ -n $bin ]] && printf '%s' "$bin"
}

# Runs a server-side binary as the owner of the data directory.
pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

pg_install_binaries() {
  [[ -n $(pg_bin_dir) && -x "$(pg_bin_dir)/postgres" ]] && return 0
  command -v python3 >/dev/null ||
    fail "python3 not found on PATH: it installs the Postgres binaries from PyPI (pgserver) once (Debian: apt-get install python3 python3-venv)"
  say "postgres: installing pgserver==$PGSERVER_VERSION (Postgres 16 + pgvector) into $PG_VENV (first run only)"
  rm -rf "$PG_VENV"
  python3 -m venv "$PG_VENV" >"$INFRA_DIR/venv.log" 2>&1 ||
    fail "python3 -m venv failed (Debian: apt-get install python3-venv); see $INFRA_DIR/venv.log"
  # Only the bundled binaries are used, so pgserver's Python dependencies are not needed.
  "$PG_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    "pgserver==$PGSERVER_VERSION" >>"$INFRA_DIR/venv.log" 2>&1 ||
    fail "pip could not install pgserver==$PGSERVER_VERSION (is there a wheel for $(python3 -V)?); see $INFRA_DIR/venv.log"
  [[ -x "$(pg_bin_dir)/postgres" ]] || fail "pgserver installed but its postgres binary is missing under $PG_VENV"
}

# Under root: a system account owns the cluster, and it needs to traverse every
# directory down to the binaries and the data directory (e.g. /root is usually 0700).
pg_prepare_os_user() {
  [[ $EUID -eq 0 ]] || return 0
  command -v runuser >/dev/null || fail "runuser not found (util-linux); it is needed to run Postgres as a non-root user"
  if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$PG_DIR" --shell /usr/sbin/nologin "$PG_OS_USER" ||
      fail "could not create system user $PG_OS_USER"
    say "postgres: created system user $PG_OS_USER (Postgres refuses to run as root)"
  fi
  local root dir
  # The repo (binaries) and the state directory (data), which INFRA_STATE_DIR may put elsewhere.
  for root in "$REPO_ROOT" "$(dirname "$INFRA_DIR")"; do
    dir=$root
    while [[ $dir != / ]]; do
      if ! runuser -u "$PG_OS_USER" -- test -x "$dir"; then
        chmod o+x "$dir"
        say "postgres: granted traverse-only access (o+x) on $dir so $PG_OS_USER can reach .infra"
      fi
      dir=$(dirname "$dir")
    done
  done
  mkdir -p "$PG_DIR"
  chown "$PG_OS_USER:" "$PG_DIR"
  if [[ -d $PG_DATA && $(stat -c %U "$PG_DATA") != "$PG_OS_USER" ]]; then
    chown -R "$PG_OS_USER:" "$PG_DATA"
  fi
  chmod o+x "$INFRA_DIR"
}

pg_psql() {
  PGOPTIONS="-c client_min_messages=warning" "$(pg_bin_dir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

pg_running() {
  [[ -n $(pg_bin_dir) && -f $PG_DATA/postmaster.pid ]] || return 1
  pg_as_owner "$(pg_bin_dir)/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_ready() { "$(pg_bin_dir)/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_SUPERUSER"; }

pg_up() {
  pg_install_binaries
  pg_install_contrib
  pg_prepare_os_user
  local bin
  bin=$(pg_bin_dir)
  if pg_running && pg_ready; then
    say "postgres: already running on $PG_HOST:$PG_PORT"
  else
    port_open "$PG_HOST" "$PG_PORT" && ! pg_running &&
      fail "port $PG_HOST:$PG_PORT is taken by another process; stop it or free the port"
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
      rm -rf "$PG_DATA"
      pg_as_owner mkdir -p "$PG_DATA"
      # Trust auth is acceptable only because the server listens on loopback alone.
      pg_as_owner "$bin/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
        fail "postgres: initdb failed; see $PG_DIR/initdb.log"
      say "postgres: initialised cluster in $PG_DATA"
    fi
    say "postgres: starting on $PG_HOST:$PG_PORT"
    # 9>&-: the server must not inherit (and so hold forever) the infra lock's descriptor.
    # fsync off: this cluster holds disposable dev/test data, and tests run far faster.
    # No unix socket: repo paths can exceed the 107-byte socket path limit, and TCP is all we use.
    pg_as_owner "$bin/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s \
      -o "-c listen_addresses=$PG_HOST -p $PG_PORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      9>&- || fail "postgres: pg_ctl start failed; see $PG_LOG"
    wait_until 30 pg_ready || fail "postgres: not accepting connections on $PG_HOST:$PG_PORT; see $PG_LOG"
  fi

  if [[ -z $(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'") ]]; then
    pg_psql -d postgres -c "CREATE DATABASE $PG_DATABASE" || fail "postgres: could not create database $PG_DATABASE"
    say "postgres: created database $PG_DATABASE"
  fi
  pg_psql -d "$PG_DATABASE" -c "CREATE EXTENSION IF NOT EXISTS vector" -c "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector" >/dev/null ||
    fail "postgres: the pgvector extension does not work; see $PG_LOG"
  say "postgres: ready (pgvector $(pg_psql -d "$PG_DATABASE" -tAc "SELECT extversion FROM pg_extension WHERE extname = 'vector'"))"
}

pg_down() {
  if ! pg_running; then
    say "postgres: not running"
    return 0
  fi
  say "postgres: stopping"
  pg_as_owner "$(pg_bin_dir)/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 -s ||
    fail "postgres: pg_ctl stop failed; see $PG_LOG"
  say "postgres: stopped"
}

pg_status() {
  if pg_running; then
    if pg_ready; then say "postgres: running on $PG_HOST:$PG_PORT"; else say "postgres: process up but not accepting connections"; fi
  else
    say "postgres: stopped"
  fi
}
