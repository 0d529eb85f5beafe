#!/usr/bin/env bash
# The whole test suite, as CI runs it: starts the real Kafka broker and the
# real Postgres server (scripts/infra), then typechecks, lints and runs every
# test. Tests that need those servers fail (never skip) when CI=true.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."

started_here=0
cleanup() {
  # A failed typecheck or lint must not stop the servers while up.sh is still starting them.
  if [ -n "${infra_pid:-}" ]; then wait "$infra_pid" 2>/dev/null || true; fi
  if [ "$started_here" = 1 ] && [ "${KEEP_INFRA:-}" != 1 ]; then bash scripts/infra/down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if ! bash scripts/infra/status.sh >/dev/null 2>&1; then started_here=1; fi
# The servers start (and, on a fresh clone, their tools download) while the code is typechecked
# and linted: the one waits on the network and disks, the others on the CPU.
infra_log=$(mktemp)
bash scripts/infra/up.sh >"$infra_log" 2>&1 &
infra_pid=$!

echo "== typecheck"; npx turbo run typecheck --output-logs=errors-only
echo "== lint"; npx eslint . --max-warnings=0 && npx prettier --check . --log-level warn

echo "== infra"
infra_rc=0; wait "$infra_pid" || infra_rc=$?
cat "$infra_log"; rm -f "$infra_log"
if [ "$infra_rc" != 0 ]; then echo "infra: scripts/infra/up.sh failed (exit $infra_rc)" >&2; exit "$infra_rc"; fi
set -a; . .infra/env; set +a
echo "== tests"
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi
# The outage test (about two minutes, mostly waiting on servers it stops and starts) runs its own
# private Postgres and Kafka, so it runs beside the rest, in a vitest process of its own, its output
# printed when it ends; either run failing fails the suite.
beside=gateway/test/outage.test.ts
beside_log=$(mktemp)
npx vitest run "$beside" >"$beside_log" 2>&1 &
beside_pid=$!
main_rc=0; npx vitest run --exclude "$beside" || main_rc=$?
beside_rc=0; wait "$beside_pid" || beside_rc=$?
echo "== $beside (run beside the rest)"; cat "$beside_log"; rm -f "$beside_log"
if [ "$main_rc" != 0 ] || [ "$beside_rc" != 0 ]; then exit 1; fi
