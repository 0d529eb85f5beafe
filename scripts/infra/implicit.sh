#!/usr/bin/env bash
# Creates (once) the virtualenv with `implicit` from PyPI that the trainer's implicit ALS backend
# (packages/training/src/implicit, IMPLICIT_PYTHON) and `npm run bench -- recsys-als` use, pinned by
# version and hash, and prints its python's path. Idempotent: a venv whose requirements match is
# reused (well under a second). npm run infra:up calls it.
#   scripts/infra/implicit.sh          CPU: requirements-implicit.txt (~50 MB, seconds)
#   scripts/infra/implicit.sh --gpu    and the CUDA 13 runtime implicit's GPU extension links
#                                      (requirements-implicit-gpu.txt: rmm-cu13, cuBLAS, cuRAND,
#                                      cudart; ~1 GB) into .infra/implicit-gpu-venv
# IMPLICIT_WHEELHOUSE=DIR installs from a directory of the same wheels, without an index (a
# machine with no network: `pip download` them elsewhere with the same files).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/infra"
REQS=("$HERE/requirements-implicit.txt")
VENV="$ROOT/.infra/implicit-venv"
if [[ ${1:-} == --gpu ]]; then
  REQS+=("$HERE/requirements-implicit-gpu.txt")
  VENV="$ROOT/.infra/implicit-gpu-venv"
elif [[ -n ${1:-} ]]; then
  echo "usage: $0 [--gpu]" >&2
  exit 2
fi
PY="$VENV/bin/python"
STAMP="$VENV/.requirements.sha256"
want="$(cat "${REQS[@]}" | sha256sum | cut -d' ' -f1)"
if [[ -x $PY && -f $STAMP && "$(cat "$STAMP")" == "$want" ]] && "$PY" -c 'import implicit' 2>/dev/null; then
  echo "$PY"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 not found (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
echo "implicit: installing into $VENV (first run only)" >&2
rm -rf "$VENV"
mkdir -p "$ROOT/.infra"
python3 -m venv "$VENV" >&2
args=(-q --disable-pip-version-check --only-binary=:all: --require-hashes)
for r in "${REQS[@]}"; do args+=(-r "$r"); done
if [[ -n ${IMPLICIT_WHEELHOUSE:-} ]]; then args+=(--no-index --find-links "$IMPLICIT_WHEELHOUSE"); fi
"$PY" -m pip install "${args[@]}" >&2 ||
  { echo "pip could not install ${REQS[*]} (wheels are pinned for CPython 3.11–3.13 on x86-64 Linux, this is $(python3 -V))" >&2; exit 1; }
"$PY" -c 'import implicit' || { echo "implicit installed but does not import" >&2; exit 1; }
echo "$want" >"$STAMP"
echo "$PY"
