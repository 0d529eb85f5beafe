#!/usr/bin/env bash
# Builds tools/deploycheck (Go: k8s.io/api strict decoding, compose-go) from the Go module
# proxy once per version of its sources, caches it under .infra/bin, and runs it:
#   scripts/deploy/deploycheck.sh k8s <rendered.yaml>
#   scripts/deploy/deploycheck.sh compose docker-compose.yml --env-file <file>
#   scripts/deploy/deploycheck.sh --build       (build only; npm run infra:up calls this)
# Modules are verified against tools/deploycheck/go.sum (the checksum database pins them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$root/tools/deploycheck"
key="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)"
bin="$root/.infra/bin/deploycheck-$key"
if [[ ! -x $bin ]]; then
  command -v go >/dev/null || { echo "deploycheck: Go is required to build tools/deploycheck (https://go.dev/dl/)" >&2; exit 1; }
  mkdir -p "$root/.infra/bin"
  echo "deploycheck: building $bin (first run downloads k8s.io/api and compose-go from the Go module proxy)" >&2
  (cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  # Older builds are dead weight.
  find "$root/.infra/bin" -maxdepth 1 -name 'deploycheck-*' ! -name "deploycheck-$key" -delete
fi
[[ ${1:-} == --build ]] && exit 0
exec "$bin" "$@"
