# PySpark for the trainer's Spark backend (packages/training/src/spark), installed once under
# .infra in its own venv: pyspark's sdist (it ships Spark's jars; Java 17 runs them) and py4j
# checksum-pinned (`pip --require-hashes`), numpy by version. Sourced by up.sh and
# env-file.sh; idempotent.
# shellcheck shell=bash

SPARK_VENV="${INFRA_TOOLS_DIR:-$INFRA_DIR}/spark-venv"
PYSPARK_VERSION=4.0.1
PYSPARK_SHA256=9d1f22d994f60369228397e3479003ffe2dd736ba79165003246ff7bd48e2c73
PY4J_VERSION=0.10.9.9
PY4J_SHA256=c7c26e4158defb37b0bb124933163641a2ff6e3a3913f7811b0ddbe07ed61533
# pyspark.ml needs numpy; a binary wheel for whatever Python this is (so pinned by version only).
NUMPY_VERSION=2.2.6

spark_python() { printf '%s' "$SPARK_VENV/bin/python"; }

spark_installed() {
  [[ -x $(spark_python) ]] &&
    "$(spark_python)" -c "import importlib.metadata as m, sys; sys.exit(m.version('pyspark') != '$PYSPARK_VERSION' or m.version('numpy') != '$NUMPY_VERSION')" 2>/dev/null
}

spark_install() {
  spark_installed && return 0
  command -v python3 >/dev/null ||
    fail "python3 not found on PATH: it installs pyspark (the trainer's Spark backend) from PyPI (Debian: apt-get install python3 python3-venv)"
  command -v java >/dev/null || fail "java not found on PATH: Spark runs on Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
  say "spark: installing pyspark==$PYSPARK_VERSION into $SPARK_VENV (first run only; a 430 MB download, about two minutes)"
  local log="${SPARK_VENV}.log" req
  rm -rf "$SPARK_VENV"
  python3 -m venv "$SPARK_VENV" >"$log" 2>&1 || fail "python3 -m venv failed (Debian: apt-get install python3-venv); see $log"
  req=$(mktemp)
  printf 'pyspark==%s --hash=sha256:%s\npy4j==%s --hash=sha256:%s\n' \
    "$PYSPARK_VERSION" "$PYSPARK_SHA256" "$PY4J_VERSION" "$PY4J_SHA256" >"$req"
  "$(spark_python)" -m pip install -q --disable-pip-version-check --require-hashes -r "$req" >>"$log" 2>&1 ||
    { rm -f "$req"; fail "pip could not install pyspark==$PYSPARK_VERSION; see $log"; }
  rm -f "$req"
  "$(spark_python)" -m pip install -q --disable-pip-version-check --only-binary=:all: "numpy==$NUMPY_VERSION" >>"$log" 2>&1 ||
    fail "pip could not install numpy==$NUMPY_VERSION; see $log"
  spark_installed || fail "pyspark installed but does not import; see $log"
}
