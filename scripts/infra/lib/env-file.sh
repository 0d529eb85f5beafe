# Writes .infra/env, the shell-sourceable description of what is running now.
# shellcheck shell=bash

# shellcheck source=kafka-client.sh
source "$INFRA_SCRIPTS_DIR/lib/kafka-client.sh"

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
    true
  } >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$file"
}
