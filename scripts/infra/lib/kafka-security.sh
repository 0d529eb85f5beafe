# The local broker's secured listeners: a test CA, the broker's and a client's certificates
# (openssl), and one SASL user known to PLAIN (the broker's JAAS config) and to SCRAM-SHA-256/512
# (credentials stored in the cluster's metadata). Sourced by kafka.sh; every step is idempotent.
# shellcheck shell=bash

KAFKA_TLS_DIR="$KAFKA_DIR/tls"
KAFKA_SASL_USER=recgraph-test

# Generated once per state directory; test-only (loopback broker), kept beside the certificates.
kafka_sasl_password() {
  local file="$KAFKA_TLS_DIR/sasl-password"
  if [[ ! -s $file ]]; then
    mkdir -p "$KAFKA_TLS_DIR"
    (umask 077 && openssl rand -hex 24 >"$file")
  fi
  cat "$file"
}

# One certificate signed by the test CA. Usage: kafka_tls_issue NAME SUBJECT EXTENSIONS
kafka_tls_issue() {
  local name=$1 subject=$2 ext=$3 d=$KAFKA_TLS_DIR
  openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "$subject" 2>/dev/null &&
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 825 -sha256 \
      -extfile <(printf '%s\n' "$ext") -out "$d/$name.pem" 2>/dev/null &&
    rm -f "$d/$name.csr"
}

# ca.pem, broker-keystore.pem (PKCS#8 key + chain, Kafka's PEM keystore), client.pem + client.key.
# Regenerated only when missing or within a day of expiry.
kafka_tls_material() {
  local d=$KAFKA_TLS_DIR
  if [[ -s $d/broker-keystore.pem && -s $d/client.key ]] &&
    openssl x509 -checkend 86400 -noout -in "$d/broker.pem" >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in "$d/client.pem" >/dev/null 2>&1; then
    return 0
  fi
  command -v openssl >/dev/null || fail "openssl not found on PATH: it makes the test broker's TLS certificates (Debian: apt-get install openssl)"
  mkdir -p "$d"
  chmod 700 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 3650 \
    -subj "/CN=Recgraph test CA" 2>/dev/null || fail "kafka: openssl could not create the test CA"
  kafka_tls_issue broker "/CN=localhost" \
    $'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth' ||
    fail "kafka: openssl could not issue the broker certificate"
  kafka_tls_issue client "/CN=$KAFKA_SASL_USER" 'extendedKeyUsage=clientAuth' ||
    fail "kafka: openssl could not issue the client certificate"
  cat "$d/broker.key" "$d/broker.pem" "$d/ca.pem" >"$d/broker-keystore.pem"
  say "kafka: issued test TLS certificates in $d"
}

kafka_scram_marker_value() {
  printf '%s:%s' "$KAFKA_SASL_USER" "$(kafka_sasl_password)" | sha256sum | cut -d' ' -f1
}
kafka_scram_mark() { kafka_scram_marker_value >"$KAFKA_DIR/data/.scram-users"; }

# StorageTool format arguments that create the SCRAM user with a fresh cluster (no extra JVM start).
kafka_scram_format_args() {
  local pw m
  pw=$(kafka_sasl_password)
  for m in SCRAM-SHA-256 SCRAM-SHA-512; do
    printf '%s\n' --add-scram "$m=[name=$KAFKA_SASL_USER,iterations=4096,password=$pw]"
  done
}

# SCRAM credentials live in the cluster metadata, so they are added once per data directory
# (the marker holds the password's hash: a new password re-adds them).
kafka_scram_users() {
  local marker="$KAFKA_DIR/data/.scram-users" want have="" pw
  pw=$(kafka_sasl_password)
  want=$(kafka_scram_marker_value)
  [[ -f $marker ]] && have=$(<"$marker")
  [[ $want == "$have" ]] && return 0
  local mechanism
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do # the broker takes one credential change per request
    timeout 60 java -cp "$(kafka_classpath)" -Dlog4j.configuration="file:$INFRA_SCRIPTS_DIR/kafka/tools-log4j.properties" \
      kafka.admin.ConfigCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --alter --entity-type users \
      --entity-name "$KAFKA_SASL_USER" --add-config "$mechanism=[iterations=4096,password=$pw]" \
      >>"$KAFKA_DIR/logs/scram.log" 2>&1 || fail "kafka: could not add the $mechanism user; see $KAFKA_DIR/logs/scram.log"
  done
  kafka_scram_mark
  say "kafka: SCRAM-SHA-256/512 credentials for $KAFKA_SASL_USER added"
}
