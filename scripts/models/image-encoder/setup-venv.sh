#!/usr/bin/env bash
# Creates .venv-image-training/ (ignored) with the image-encoder trainer's packages from
# requirements.txt (hash-pinned wheels from PyPI). Idempotent: a venv whose stamp matches
# the requirements' checksum is kept. Only `npm run train:image-encoder` needs it; serving,
# tests and the quick start do not (they run the exported ONNX through onnxruntime-node).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
venv="${IMAGE_TRAINING_VENV:-$root/.venv-image-training}"
req="$root/scripts/models/image-encoder/requirements.txt"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && "$(cat "$venv/.requirements-sha256" 2>/dev/null)" == "$want" ]]; then
  echo "$venv is up to date" >&2
  exit 0
fi
python="${PYTHON:-python3}"
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed for the pinned wheels, found {sys.version}"'
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$req"
echo "$want" >"$venv/.requirements-sha256"
echo "installed the image-encoder trainer into $venv" >&2
