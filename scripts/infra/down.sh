#!/usr/bin/env bash
# Stops what scripts/infra/up.sh started; fine when nothing runs. Data in .infra/ is kept.
# Usage: scripts/infra/down.sh [all|kafka|postgres]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$INFRA_SCRIPTS_DIR/lib/kafka.sh"
source "$INFRA_SCRIPTS_DIR/lib/postgres.sh"
source "$INFRA_SCRIPTS_DIR/lib/env-file.sh"

parse_services "${1:-all}"
take_infra_lock

if ((WANT_KAFKA)); then kafka_down; fi
if ((WANT_PG)); then pg_down; fi
write_env_file
