# The monitoring tools the tests run for real, installed once under .infra without root:
# Prometheus + promtool and Alertmanager's amtool (Debian's packages, unpacked, never
# installed system-wide), and an MLflow tracking server (PyPI, its own venv).
# Sourced by up.sh and env-file.sh; idempotent.
# shellcheck shell=bash

# Installed tools live beside the other infra tools (INFRA_TOOLS_DIR, or .infra).
MONITORING_TOOLS_DIR="${INFRA_TOOLS_DIR:-$INFRA_DIR}"
MONITORING_DIR="$MONITORING_TOOLS_DIR/monitoring"
# Debian bookworm's builds, pinned by version and sha256 (apt-get download fetches from the configured archive).
PROMETHEUS_DEB_VERSION=2.42.0+ds-5+deb12u1
PROMETHEUS_DEB_SHA256=81d59a24fce84f7fbe97a45a4f2914b6a5881b5cd1db2a6a0e129e515e1a5f55
ALERTMANAGER_DEB_VERSION=0.25.0-1+b4
ALERTMANAGER_DEB_SHA256=4fb9aed15cfe8e0c32408e643ab32a1e41ee87d2cc26f18aeba928b1b0b98ae7
MLFLOW_VENV="$MONITORING_TOOLS_DIR/mlflow-venv"
MLFLOW_VERSION=3.17.2

prometheus_bin() { printf '%s' "$MONITORING_DIR/usr/bin/prometheus"; }
promtool_bin() { printf '%s' "$MONITORING_DIR/usr/bin/promtool"; }
amtool_bin() { printf '%s' "$MONITORING_DIR/usr/bin/amtool"; }
mlflow_bin() { printf '%s' "$MLFLOW_VENV/bin/mlflow"; }
# An empty, fully migrated tracking database the MLflow tests copy, so a test server starts
# without running MLflow's schema migrations each time.
MLFLOW_TEMPLATE_DB="$MONITORING_TOOLS_DIR/mlflow-template.sqlite"

prometheus_installed() { [[ -x $(prometheus_bin) && -x $(promtool_bin) && -x $(amtool_bin) ]]; }

# Downloads one pinned .deb into $2 and checks its sha256. Usage: fetch_deb NAME=VERSION DIR SHA256
fetch_deb() {
  local spec=$1 dir=$2 want=$3 file got
  if ! (cd "$dir" && apt-get download "$spec" >>"$MONITORING_DIR.log" 2>&1); then
    # A clean machine may have no package lists yet.
    command -v apt-get >/dev/null || fail "apt-get not found: Prometheus comes from Debian's $spec package"
    say "monitoring: apt-get download $spec failed; updating the package lists once"
    apt-get update >>"$MONITORING_DIR.log" 2>&1 || fail "apt-get update failed; see $MONITORING_DIR.log"
    (cd "$dir" && apt-get download "$spec" >>"$MONITORING_DIR.log" 2>&1) ||
      fail "apt-get download $spec failed (the pinned version may have left the archive: update the pin in $BASH_SOURCE); see $MONITORING_DIR.log"
  fi
  file=$(ls "$dir"/*.deb | head -n1)
  got=$(sha256sum "$file" | cut -d' ' -f1)
  [[ $got == "$want" ]] || fail "monitoring: $file has sha256 $got, expected $want"
  dpkg-deb -x "$file" "$MONITORING_DIR" || fail "monitoring: could not unpack $file"
  rm -f "$file"
}

prometheus_install() {
  prometheus_installed && return 0
  say "monitoring: unpacking Debian's prometheus $PROMETHEUS_DEB_VERSION and alertmanager $ALERTMANAGER_DEB_VERSION into $MONITORING_DIR (first run only)"
  local tmp
  mkdir -p "$MONITORING_DIR"
  tmp=$(mktemp -d)
  # apt's sandbox user must be able to write the download folder.
  chmod 777 "$tmp"
  fetch_deb "prometheus=$PROMETHEUS_DEB_VERSION" "$tmp" "$PROMETHEUS_DEB_SHA256"
  fetch_deb "prometheus-alertmanager=$ALERTMANAGER_DEB_VERSION" "$tmp" "$ALERTMANAGER_DEB_SHA256"
  rm -rf "$tmp"
  prometheus_installed || fail "monitoring: prometheus, promtool or amtool missing under $MONITORING_DIR/usr/bin after unpacking"
}

mlflow_package_installed() {
  [[ -x $(mlflow_bin) ]] &&
    "$MLFLOW_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mlflow') != '$MLFLOW_VERSION')" 2>/dev/null
}

mlflow_installed() { mlflow_package_installed && [[ -s $MLFLOW_TEMPLATE_DB ]]; }

# Its own venv (like pgserver's): the trainer's MLflow logging is tested against this real server.
mlflow_install() {
  local log="$MONITORING_TOOLS_DIR/mlflow-venv.log"
  if ! mlflow_package_installed; then
    command -v python3 >/dev/null ||
      fail "python3 not found on PATH: it installs the MLflow tracking server from PyPI (Debian: apt-get install python3 python3-venv)"
    say "monitoring: installing mlflow==$MLFLOW_VERSION into $MLFLOW_VENV (first run only, about a minute)"
    rm -rf "$MLFLOW_VENV" "$MLFLOW_TEMPLATE_DB"
    python3 -m venv "$MLFLOW_VENV" >"$log" 2>&1 ||
      fail "python3 -m venv failed (Debian: apt-get install python3-venv); see $log"
    "$MLFLOW_VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: \
      "mlflow==$MLFLOW_VERSION" >>"$log" 2>&1 ||
      fail "pip could not install mlflow==$MLFLOW_VERSION; see $log"
    mlflow_package_installed || fail "mlflow installed but does not run; see $log"
  fi
  if [[ ! -s $MLFLOW_TEMPLATE_DB ]]; then
    rm -f "$MLFLOW_TEMPLATE_DB.tmp"
    "$(mlflow_bin)" db upgrade "sqlite:///$MLFLOW_TEMPLATE_DB.tmp" >>"$log" 2>&1 ||
      fail "mlflow db upgrade failed; see $log"
    mv "$MLFLOW_TEMPLATE_DB.tmp" "$MLFLOW_TEMPLATE_DB"
  fi
}

monitoring_install() {
  prometheus_install
  mlflow_install
}
