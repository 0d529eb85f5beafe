#!/usr/bin/env bash
# Installs the learned re-ranker's trainer (packages/training/src/reranker): LightGBM (lambdarank)
# and onnxmltools, which converts its booster to ONNX for onnxruntime-node in serving. PyPI,
# version-pinned, in its own venv .infra/ranker-venv. Idempotent; npm run infra:up calls it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The pins live in one file, read by this script and by the Dockerfile's trainer image.
requirements="$root/scripts/infra/requirements-ranker.txt"
venv="$root/.infra/ranker-venv"
installed() {
  [[ -x $venv/bin/python ]] &&
    "$venv/bin/python" - "$requirements" <<'PY' 2>/dev/null
import importlib.metadata as m, re, sys
import lightgbm, onnxmltools  # noqa: F401 (they must import, not only be listed)
pins = [re.match(r"([\w.-]+)==([\w.]+)", l) for l in open(sys.argv[1]) if not l.startswith("#")]
sys.exit(any(p and m.version(p[1]) != p[2] for p in pins))
PY
}
installed && exit 0
command -v python3 >/dev/null || { echo "ranker: python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
mkdir -p "$root/.infra"
log="$root/.infra/ranker-venv.log"
echo "ranker: installing $(grep -E '^(lightgbm|onnxmltools)==' "$requirements" | paste -sd ' ') into $venv (first run only)" >&2
rm -rf "$venv"
python3 -m venv "$venv" >"$log" 2>&1
"$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: -r "$requirements" >>"$log" 2>&1 ||
  { echo "ranker: pip could not install lightgbm/onnxmltools; see $log" >&2; exit 1; }
installed || { echo "ranker: lightgbm/onnxmltools installed but do not import; see $log" >&2; exit 1; }
