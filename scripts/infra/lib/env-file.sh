# Writes .infra/env, the shell-sourceable description of what is running now.
# shellcheck shell=bash

# shellcheck source=kafka-client.sh
source "$INFRA_SCRIPTS_DIR/lib/kafka-client.sh"
# shellcheck source=spark.sh
source "$INFRA_SCRIPTS_DIR/lib/spark.sh"

write_env_file() {
  local file="$INFRA_DIR/env" tmp
  mkdir -p "$INFRA_DIR"
  tmp=$(mktemp "$INFRA_DIR/env.XXXXXX")
  {
    echo "# Written by scripts/infra; lists only the services running when it was written."
    pg_running && echo "TEST_DATABASE_URL=postgresql://$PG_SUPERUSER@$PG_HOST:$PG_PORT/$PG_DATABASE"
    kafka_running && echo "TEST_KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
    # A librdkafka producer for the event-bus codec tests (scripts/infra/lib/kafka-client.sh).
    kafka_running && kafka_client_installed && echo "TEST_KAFKA_PYTHON=$(kafka_client_python)"
    # The broker's own jars hold the Java client (kafka-clients) for the Java-producer codec tests.
    kafka_running && echo "TEST_KAFKA_JAVA_CLASSPATH=$KAFKA_LIBS/*"
    # The secured listeners (lib/kafka-security.sh): SASL_SSL, and SSL with client certificates.
    if kafka_running && port_open "$KAFKA_HOST" "$KAFKA_SASL_SSL_PORT"; then
      echo "TEST_KAFKA_SASL_SSL_BROKERS=$KAFKA_HOST:$KAFKA_SASL_SSL_PORT"
      echo "TEST_KAFKA_SSL_BROKERS=$KAFKA_HOST:$KAFKA_SSL_PORT"
      echo "TEST_KAFKA_TLS_DIR=$KAFKA_TLS_DIR"
      echo "TEST_KAFKA_SASL_USERNAME=$KAFKA_SASL_USER"
      echo "TEST_KAFKA_SASL_PASSWORD=$(kafka_sasl_password)"
    fi
    # PySpark for the trainer's Spark backend tests (lib/spark.sh).
    spark_installed && echo "TEST_SPARK_PYTHON=$(spark_python)"
    # implicit for the trainer's implicit ALS backend tests (scripts/infra/implicit.sh; --gpu: the CUDA venv).
    [[ -x $INFRA_TOOLS_DIR/implicit-venv/bin/python ]] && echo "TEST_IMPLICIT_PYTHON=$INFRA_TOOLS_DIR/implicit-venv/bin/python"
    [[ -x $INFRA_TOOLS_DIR/implicit-gpu-venv/bin/python ]] &&
      echo "TEST_IMPLICIT_GPU_PYTHON=$INFRA_TOOLS_DIR/implicit-gpu-venv/bin/python"
    true
  } >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$file"
}
