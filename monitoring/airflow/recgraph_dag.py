"""Recgraph's nightly pipeline for Apache Airflow: import -> features rebuild -> train -> embeddings.

The same work as the `train` CronJob (k8s/base/train.yaml), as separate tasks so a failed step
retries alone and each shows its own duration. Every task runs one of the project's npm scripts
in a Recgraph checkout or image (RECGRAPH_DIR), with the usual settings (DATABASE_URL, ...) in
the worker's environment; the scripts validate them and exit non-zero with a clear message.

  RECGRAPH_DIR          where the project lives on the worker (default /app, the image's)
  RECGRAPH_IMPORT_ARGS  arguments of `npm run import` (e.g. "catalog /data/catalog.jsonl");
                        unset: nothing is imported and the run goes on with the data in place
  RECGRAPH_TRAIN_ARGS   arguments of `npm run train` (e.g. "--algorithm als --factors 64")
  RECGRAPH_TASK_RETRIES retries of a failed task, 10 minutes apart (default 2; the CI test sets 0
                        so that a failure fails the run at once)
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime, timedelta

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator

RECGRAPH_DIR = os.environ.get("RECGRAPH_DIR", "/app")
IMPORT_ARGS = os.environ.get("RECGRAPH_IMPORT_ARGS", "")
TRAIN_ARGS = os.environ.get("RECGRAPH_TRAIN_ARGS", "")
RETRIES = int(os.environ.get("RECGRAPH_TASK_RETRIES", "2"))


def npm(script: str, args: str = "") -> str:
    """The shell command running `npm run <script> -- <args>` in the project directory."""
    command = f"cd {shlex.quote(RECGRAPH_DIR)} && npm run --silent {shlex.quote(script)}"
    return f"{command} -- {args}" if args else command


with DAG(
    dag_id="recgraph_nightly",
    description="Import, rebuild online features, train and promote, refresh product embeddings",
    schedule="0 3 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # The trainer's own lock also keeps two runs from training at once.
    max_active_runs=1,
    default_args={"retries": RETRIES, "retry_delay": timedelta(minutes=10)},
    tags=["recgraph"],
) as dag:
    import_data = BashOperator(
        task_id="import",
        bash_command=npm("import", IMPORT_ARGS)
        if IMPORT_ARGS
        else "echo 'RECGRAPH_IMPORT_ARGS unset: nothing to import'",
        execution_timeout=timedelta(hours=2),
    )
    rebuild_features = BashOperator(
        task_id="features_rebuild",
        bash_command=npm("features:rebuild"),
        execution_timeout=timedelta(hours=1),
    )
    train = BashOperator(
        task_id="train",
        bash_command=npm("train", TRAIN_ARGS),
        execution_timeout=timedelta(hours=4),
    )
    embeddings = BashOperator(
        task_id="embeddings",
        bash_command=npm("embeddings"),
        execution_timeout=timedelta(hours=2),
    )

    import_data >> rebuild_features >> train >> embeddings
