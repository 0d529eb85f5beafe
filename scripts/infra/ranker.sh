#!/usr/bin/env bash
# Installs the learned re-ranker's trainer (packages/training/src/reranker): LightGBM (lambdarank)
# and onnxmltools, which converts its booster to ONNX for onnxruntime-node in serving. PyPI,
# version-pinned, in its own venv .infra/ranker-venv. Idempotent; npm run infra:up calls it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIGHTGBM_VERSION=4.7.0
ONNXMLTOOLS_VERSION=1.16.0
ONNX_VERSION=1.23.2
NUMPY_VERSION=2.2.6
# onnxmltools imports packaging without declaring it.
PACKAGING_VERSION=26.3
venv="$root/.infra/ranker-venv"
installed() {
  [[ -x $venv/bin/python ]] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys, lightgbm, onnxmltools
sys.exit(m.version('lightgbm') != '$LIGHTGBM_VERSION' or m.version('onnxmltools') != '$ONNXMLTOOLS_VERSION' or m.version('onnx') != '$ONNX_VERSION')" 2>/dev/null
}
installed && exit 0
command -v python3 >/dev/null || { echo "ranker: python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
mkdir -p "$root/.infra"
log="$root/.infra/ranker-venv.log"
echo "ranker: installing lightgbm==$LIGHTGBM_VERSION and onnxmltools==$ONNXMLTOOLS_VERSION into $venv (first run only)" >&2
rm -rf "$venv"
python3 -m venv "$venv" >"$log" 2>&1
"$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: \
  "lightgbm==$LIGHTGBM_VERSION" "onnxmltools==$ONNXMLTOOLS_VERSION" "onnx==$ONNX_VERSION" "numpy==$NUMPY_VERSION" "packaging==$PACKAGING_VERSION" >>"$log" 2>&1 ||
  { echo "ranker: pip could not install lightgbm/onnxmltools; see $log" >&2; exit 1; }
installed || { echo "ranker: lightgbm/onnxmltools installed but do not import; see $log" >&2; exit 1; }
