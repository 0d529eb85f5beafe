# Single-node KRaft Kafka broker from Maven Central jars. Sourced by up/down/status.
# shellcheck shell=bash

KAFKA_DIR="$INFRA_DIR/kafka"
KAFKA_LIBS="$INFRA_TOOLS_DIR/kafka/libs"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_POM="$INFRA_SCRIPTS_DIR/kafka/pom.xml"
KAFKA_MAIN=kafka.Kafka
# shellcheck source=kafka-security.sh
source "$INFRA_SCRIPTS_DIR/lib/kafka-security.sh"

require_java() {
  command -v java >/dev/null ||
    fail "java not found on PATH: Kafka needs Java 11 or newer, 17 recommended (Debian: apt-get install openjdk-17-jre-headless)"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  [[ -n $major && $major -ge 11 ]] ||
    fail "java ${major:-?} found; Kafka 3.9 needs Java 11 or newer (17 recommended)"
}

kafka_classpath() { printf '%s/*' "$KAFKA_LIBS"; }

# Resolves the broker jars once; the marker holds the pom's hash so editing the pom re-resolves.
kafka_fetch_libs() {
  local want have=""
  want=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  [[ -f $KAFKA_LIBS/.resolved ]] && have=$(<"$KAFKA_LIBS/.resolved")
  [[ $want == "$have" ]] && return 0
  command -v mvn >/dev/null ||
    fail "mvn not found on PATH: it fetches the Kafka jars from Maven Central once (Debian: apt-get install maven)"
  say "kafka: resolving broker jars from Maven Central (first run only)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$KAFKA_DIR/mvn.log" 2>&1 ||
    fail "mvn could not resolve the Kafka jars; see $KAFKA_DIR/mvn.log"
  echo "$want" >"$KAFKA_LIBS/.resolved"
}

kafka_running() { pid_alive "$KAFKA_PID" "$KAFKA_MAIN"; }

# Metadata + ApiVersions round trips: proves the broker serves clients, not just that the port is bound.
kafka_healthy() {
  timeout 30 java -cp "$(kafka_classpath)" -Dlog4j.configuration="file:$INFRA_SCRIPTS_DIR/kafka/tools-log4j.properties" \
    kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" 2>/dev/null | grep -q 'Metadata(3)'
}

# The broker's configuration from the template: listeners, TLS material and the PLAIN user's credentials.
kafka_render_config() {
  sed -e "s|@DATA_DIR@|$KAFKA_DIR/data|" \
      -e "s|@HOST@|$KAFKA_HOST|g" \
      -e "s|@PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@SASL_SSL_PORT@|$KAFKA_SASL_SSL_PORT|g" \
      -e "s|@SSL_PORT@|$KAFKA_SSL_PORT|g" \
      -e "s|@TLS_DIR@|$KAFKA_TLS_DIR|g" \
      -e "s|@SASL_USER@|$KAFKA_SASL_USER|g" \
      -e "s|@SASL_PASSWORD@|$(kafka_sasl_password)|g" \
      "$INFRA_SCRIPTS_DIR/kafka/server.properties"
}

kafka_up() {
  mkdir -p "$KAFKA_DIR"
  kafka_tls_material
  if kafka_running; then
    # A broker started from an older template (e.g. before the secured listeners) restarts once.
    if kafka_render_config | cmp -s - "$KAFKA_DIR/server.properties"; then
      kafka_scram_users
      say "kafka: already running (pid $(<"$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"
      return 0
    fi
    say "kafka: the broker's configuration changed (scripts/infra/kafka/server.properties); restarting it"
    kafka_down
  fi
  require_java
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_SSL_PORT"; do
    port_open "$KAFKA_HOST" "$p" && fail "port $KAFKA_HOST:$p is taken by another process; stop it or free the port"
  done
  kafka_fetch_libs

  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  (umask 077 && kafka_render_config >"$KAFKA_DIR/server.properties")

  local jvm_log=(-Dlog4j.configuration="file:$INFRA_SCRIPTS_DIR/kafka/log4j.properties" -Dkafka.logs.dir="$KAFKA_DIR/logs")
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(java -cp "$(kafka_classpath)" "${jvm_log[@]}" kafka.tools.StorageTool random-uuid) ||
      fail "kafka: StorageTool random-uuid failed"
    local scram=()
    mapfile -t scram < <(kafka_scram_format_args)
    java -cp "$(kafka_classpath)" "${jvm_log[@]}" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$KAFKA_DIR/server.properties" "${scram[@]}" >"$KAFKA_DIR/logs/format.log" 2>&1 ||
      fail "kafka: formatting storage failed; see $KAFKA_DIR/logs/format.log"
    kafka_scram_mark
    say "kafka: formatted storage (cluster $cluster_id)"
  fi

  # 9>&- below: the broker must not inherit (and so hold forever) the infra lock's descriptor.
  say "kafka: starting broker on $KAFKA_HOST:$KAFKA_PORT"
  nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "${jvm_log[@]}" -cp "$(kafka_classpath)" "$KAFKA_MAIN" "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/logs/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID"

  if ! wait_until 90 port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    kafka_running || fail "kafka: broker exited during start-up; see $KAFKA_DIR/logs/server.log and stdout.log"
    fail "kafka: broker did not open $KAFKA_HOST:$KAFKA_PORT within 90s; see $KAFKA_DIR/logs/server.log"
  fi
  wait_until 60 kafka_healthy || fail "kafka: broker does not answer metadata requests; see $KAFKA_DIR/logs/server.log"
  kafka_scram_users
  say "kafka: ready (pid $(<"$KAFKA_PID")); SASL_SSL on :$KAFKA_SASL_SSL_PORT, SSL with client certificates on :$KAFKA_SSL_PORT"
}

kafka_down() {
  if ! kafka_running; then
    rm -f "$KAFKA_PID"
    say "kafka: not running"
    return 0
  fi
  local pid
  pid=$(<"$KAFKA_PID")
  say "kafka: stopping (pid $pid)"
  stop_pid "$pid" 45
  rm -f "$KAFKA_PID"
  say "kafka: stopped"
}

kafka_status() {
  if kafka_running; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      say "kafka: running (pid $(<"$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"
    else
      say "kafka: process $(<"$KAFKA_PID") alive but $KAFKA_HOST:$KAFKA_PORT not open (starting or stuck?)"
    fi
  else
    say "kafka: stopped"
  fi
}
