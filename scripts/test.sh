#!/usr/bin/env bash
# The whole test suite, as CI runs it: starts the real Kafka broker and the
# real Postgres server (scripts/infra), then typechecks, lints and runs every
# test. Tests that need those servers fail (never skip) when CI=true.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."

started_here=0
cleanup() {
  if [ "$started_here" = 1 ] && [ "${KEEP_INFRA:-}" != 1 ]; then bash scripts/infra/down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if ! bash scripts/infra/status.sh >/dev/null 2>&1; then started_here=1; fi
bash scripts/infra/up.sh
set -a; . .infra/env; set +a

echo "== typecheck"; npx turbo run typecheck --output-logs=errors-only
echo "== lint"; npx eslint . --max-warnings=0 && npx prettier --check . --log-level warn
echo "== tests"; npx vitest run "$@"
