#!/usr/bin/env bash
# Creates (once) the benchmark's Python virtualenv with `implicit` from PyPI, pinned by version and
# hash (scripts/bench/requirements-implicit.txt), and prints its python's path. Idempotent: an
# existing venv whose packages match the requirements is reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/.infra/bench-implicit-venv"
REQ="$ROOT/scripts/bench/requirements-implicit.txt"
PY="$VENV/bin/python"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ -x $PY && -f $STAMP && "$(cat "$STAMP")" == "$want" ]] && "$PY" -c 'import implicit' 2>/dev/null; then
  echo "$PY"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 not found (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
echo "bench: installing implicit into $VENV (first run only)" >&2
rm -rf "$VENV"
mkdir -p "$ROOT/.infra"
python3 -m venv "$VENV" >&2
"$PY" -m pip install -q --disable-pip-version-check --only-binary=:all: --require-hashes -r "$REQ" >&2 ||
  { echo "pip could not install $REQ (wheels are pinned for CPython 3.11, this is $(python3 -V))" >&2; exit 1; }
"$PY" -c 'import implicit' || { echo "implicit installed but does not import" >&2; exit 1; }
echo "$want" >"$STAMP"
echo "$PY"
