#!/usr/bin/env bash
# Reports whether the local Kafka broker and Postgres are running. Exit 0 only when all asked for are up.
# Usage: scripts/infra/status.sh [all|kafka|postgres]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$INFRA_SCRIPTS_DIR/lib/kafka.sh"
source "$INFRA_SCRIPTS_DIR/lib/postgres.sh"

parse_services "${1:-all}"
ok=0
if ((WANT_KAFKA)); then kafka_status; kafka_running || ok=1; fi
if ((WANT_PG)); then pg_status; pg_running || ok=1; fi
exit $ok
