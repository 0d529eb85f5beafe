#!/usr/bin/env bash
# Installs a real S3-compatible HTTP server for the artifact-store tests: moto's server mode
# (moto[server] from PyPI, version-pinned) in .infra/moto-venv. No MinIO: it is not on a registry.
# Idempotent; npm run infra:up calls it. The tests start .infra/moto-venv/bin/moto_server themselves.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MOTO_VERSION=5.2.5
venv="$root/.infra/moto-venv"
installed() {
  [[ -x $venv/bin/moto_server ]] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null
}
installed && exit 0
command -v python3 >/dev/null || { echo "s3-server: python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
mkdir -p "$root/.infra"
log="$root/.infra/moto-venv.log"
echo "s3-server: installing moto[server]==$MOTO_VERSION into $venv (first run only)" >&2
rm -rf "$venv"
python3 -m venv "$venv" >"$log" 2>&1
"$venv/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >>"$log" 2>&1 ||
  { echo "s3-server: pip could not install moto[server]==$MOTO_VERSION; see $log" >&2; exit 1; }
installed || { echo "s3-server: moto installed but does not run; see $log" >&2; exit 1; }
