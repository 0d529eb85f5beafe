#!/usr/bin/env bash
# Installs Apache Airflow (PyPI) into .infra/airflow-venv for the DAG test
# (monitoring/test/airflow-dag.test.ts runs `airflow dags test` on monitoring/airflow/recgraph_dag.py),
# every dependency pinned by scripts/infra/airflow-constraints.txt, and an empty, migrated metadata
# database (`airflow db migrate`, SQLite) that the test copies into its own AIRFLOW_HOME.
# Idempotent: a second run with the same pins returns at once. npm run infra:up calls it.
# First install: about 50 s on a quiet machine (pip's wheel cache empty), 300 MB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
AIRFLOW_VERSION=3.3.2
constraints="$root/scripts/infra/airflow-constraints.txt"
venv="$root/.infra/airflow-venv"
template="$root/.infra/airflow-template.db"
log="$root/.infra/airflow-venv.log"
# The pins the venv was built from: changed pins rebuild it.
stamp="$venv/.constraints.sha256"
want=$(sha256sum "$constraints" | cut -d' ' -f1)

installed() {
  [[ -x $venv/bin/airflow && -s $stamp && $(<"$stamp") == "$want" ]] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('apache-airflow') != '$AIRFLOW_VERSION')" 2>/dev/null
}

if ! installed; then
  command -v python3 >/dev/null || { echo "airflow: python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
  mkdir -p "$root/.infra"
  echo "airflow: installing apache-airflow==$AIRFLOW_VERSION into $venv (first run only, about a minute)" >&2
  rm -rf "$venv" "$template"
  python3 -m venv "$venv" >"$log" 2>&1
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: \
    -c "$constraints" "apache-airflow==$AIRFLOW_VERSION" >>"$log" 2>&1 ||
    { echo "airflow: pip could not install apache-airflow==$AIRFLOW_VERSION; see $log" >&2; exit 1; }
  printf '%s' "$want" >"$stamp"
  installed || { echo "airflow: installed but does not run; see $log" >&2; exit 1; }
fi

if [[ ! -s $template ]]; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$home/airflow.db" \
    "$venv/bin/airflow" db migrate >>"$log" 2>&1 ||
    { echo "airflow: airflow db migrate failed; see $log" >&2; exit 1; }
  mv "$home/airflow.db" "$template.tmp"
  mv "$template.tmp" "$template"
fi
