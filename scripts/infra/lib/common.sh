# Shared helpers for scripts/infra/*.sh. Sourced, never executed.
# shellcheck shell=bash

INFRA_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$INFRA_SCRIPTS_DIR/../.." && pwd)"
# Installed tools (pgserver's venv, the broker's jars, the test client's venv) always live here.
INFRA_TOOLS_DIR="$REPO_ROOT/.infra"
# Running state (data, logs, pids, certificates, the env file). INFRA_STATE_DIR moves it, e.g. for a
# private broker and database on other ports that a test may stop and start without touching the shared ones.
INFRA_DIR="${INFRA_STATE_DIR:-$INFRA_TOOLS_DIR}"

KAFKA_HOST=127.0.0.1
# Ports can be moved (e.g. to run a second checkout's CI beside a running one).
KAFKA_PORT=${INFRA_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${INFRA_KAFKA_CONTROLLER_PORT:-19093}
# Secured listeners beside PLAINTEXT: SASL (PLAIN, SCRAM-SHA-256/512) over TLS, and TLS with client certificates.
KAFKA_SASL_SSL_PORT=${INFRA_KAFKA_SASL_SSL_PORT:-19094}
KAFKA_SSL_PORT=${INFRA_KAFKA_SSL_PORT:-19095}
PG_HOST=127.0.0.1
PG_PORT=${INFRA_PG_PORT:-15432}
PG_SUPERUSER=postgres
PG_DATABASE=recgraph
# Postgres refuses to run as root; under root the server runs as this system user.
PG_OS_USER=recgraph-pg

# Files the infra creates must stay readable by PG_OS_USER and by later non-root runs.
umask 022

say()  { printf '[infra] %s\n' "$*"; }
fail() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections on host:port (bash's /dev/tcp, no nc needed).
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Runs a command until it succeeds or the deadline passes. Usage: wait_until SECONDS CMD...
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.3
  done
}

# True when the pid in FILE is alive and its command line contains PATTERN
# (guards against a stale pid file whose number now belongs to another process).
pid_alive() {
  local file=$1 pattern=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

# Sends TERM, waits up to SECONDS for exit, then KILL. Usage: stop_pid PID SECONDS
stop_pid() {
  local pid=$1 grace=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_until "$grace" bash -c "! kill -0 $pid 2>/dev/null"; then
    say "pid $pid did not exit within ${grace}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# Serialises concurrent up/down runs on the same checkout.
take_infra_lock() {
  mkdir -p "$INFRA_DIR"
  if command -v flock >/dev/null; then
    exec 9>"$INFRA_DIR/.lock"
    flock -w 300 9 || fail "another infra script holds $INFRA_DIR/.lock for over 5 minutes"
  fi
}

# Parses the optional service argument shared by up/down/status.
parse_services() {
  case "${1:-all}" in
    all | "") WANT_KAFKA=1; WANT_PG=1 ;;
    kafka) WANT_KAFKA=1; WANT_PG=0 ;;
    postgres | pg) WANT_KAFKA=0; WANT_PG=1 ;;
    -h | --help) echo "usage: $0 [all|kafka|postgres]"; exit 0 ;;
    *) fail "unknown service '$1' (expected: all, kafka or postgres)" ;;
  esac
}
