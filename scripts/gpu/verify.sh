#!/usr/bin/env bash
# Verifies the GPU training path on a machine with an NVIDIA GPU, in one command:
#   1. installs implicit with the CUDA 13 runtime (scripts/infra/implicit.sh --gpu, hash-pinned,
#      ~1 GB the first time; IMPLICIT_WHEELHOUSE=DIR installs offline from the same wheels),
#   2. runs the implicit backend's tests: the CPU part, and the GPU part (auto picks the GPU; the
#      GPU fit's holdout NDCG@10 within 5 % of implicit's CPU solver's and the native solver's),
#   3. times ALS on the GPU beside the native CPU kernels and implicit's CPU solver
#      (npm run bench -- recsys-gpu) and prints the table.
# Needs: nvidia-smi and a driver for CUDA 13 (580+), Node ≥ 20.19 with `npm ci` done, python3.11.
# MovieLens-small is used when ../shared/data/movielens-small or MOVIELENS_RATINGS has it;
# otherwise a seeded synthetic store. --quick: the bench's smaller synthetic size.
# Exit status: non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
quick=()
[[ ${1:-} == --quick ]] && quick=(--quick)

command -v nvidia-smi >/dev/null || { echo "verify: nvidia-smi not found: this needs an NVIDIA GPU and its driver" >&2; exit 1; }
nvidia-smi -L | grep -q '^GPU ' || { echo "verify: nvidia-smi lists no GPU" >&2; exit 1; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

echo "== implicit with the CUDA runtime"
py=$(bash scripts/infra/implicit.sh --gpu)
"$py" packages/training/src/implicit/als_implicit.py probe
export TEST_IMPLICIT_PYTHON=$py TEST_IMPLICIT_GPU_PYTHON=$py IMPLICIT_PYTHON=$py

echo "== tests (packages/training/test/implicit-als.test.ts)"
npx vitest run packages/training/test/implicit-als.test.ts

echo "== ALS fit time, GPU vs CPU (npm run bench -- recsys-gpu)"
npm run -s bench -- recsys-gpu "${quick[@]}"
