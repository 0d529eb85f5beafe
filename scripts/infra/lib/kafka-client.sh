# Python's confluent-kafka (librdkafka) from PyPI: the "someone else's client" the event-bus
# tests produce with (gzip, snappy, lz4, zstd batches). Sourced by up.sh and env-file.sh.
# shellcheck shell=bash

KAFKA_CLIENT_VENV="$INFRA_TOOLS_DIR/kafka-client-venv"
CONFLUENT_KAFKA_VERSION=2.16.1

kafka_client_python() { printf '%s' "$KAFKA_CLIENT_VENV/bin/python"; }

kafka_client_installed() {
  [[ -x $(kafka_client_python) ]] &&
    "$(kafka_client_python)" -c "import confluent_kafka, importlib.metadata as m, sys; sys.exit(m.version('confluent-kafka') != '$CONFLUENT_KAFKA_VERSION')" 2>/dev/null
}

# Its own venv, like pgserver's: the wheel bundles librdkafka with every codec, nothing is compiled.
kafka_client_install() {
  kafka_client_installed && return 0
  command -v python3 >/dev/null ||
    fail "python3 not found on PATH: it installs confluent-kafka (the tests' librdkafka producer) from PyPI (Debian: apt-get install python3 python3-venv)"
  say "kafka: installing confluent-kafka==$CONFLUENT_KAFKA_VERSION into $KAFKA_CLIENT_VENV (first run only)"
  rm -rf "$KAFKA_CLIENT_VENV"
  python3 -m venv "$KAFKA_CLIENT_VENV" >"$INFRA_DIR/kafka-client-venv.log" 2>&1 ||
    fail "python3 -m venv failed (Debian: apt-get install python3-venv); see $INFRA_DIR/kafka-client-venv.log"
  "$(kafka_client_python)" -m pip install -q --disable-pip-version-check --only-binary=:all: \
    "confluent-kafka==$CONFLUENT_KAFKA_VERSION" >>"$INFRA_DIR/kafka-client-venv.log" 2>&1 ||
    fail "pip could not install confluent-kafka==$CONFLUENT_KAFKA_VERSION (is there a wheel for $(python3 -V)?); see $INFRA_DIR/kafka-client-venv.log"
  kafka_client_installed || fail "confluent-kafka installed but does not import; see $INFRA_DIR/kafka-client-venv.log"
}
