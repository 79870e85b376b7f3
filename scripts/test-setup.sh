#!/usr/bin/env bash
# Makes a PostgreSQL server with the pgvector extension reachable for the tests, on a fresh Debian machine.
# Idempotent: it does nothing when the extension can already be created at $TEST_DATABASE_URL.
#
# Steps, each only when needed:
#   1. install PostgreSQL from Debian's packages and start its cluster;
#   2. build pgvector from Debian's next-release source package against postgresql-server-dev (PGXS);
#   3. create the extension in the test database.
set -euo pipefail

TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
PGVECTOR_SUITE=${PGVECTOR_SUITE:-trixie}

log() { printf 'test-setup: %s\n' "$*" >&2; }
sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

vector_ready() {
  psql "$TEST_DATABASE_URL" -qtAc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null 2>&1
}

server_up() {
  psql "$TEST_DATABASE_URL" -qtAc 'SELECT 1' >/dev/null 2>&1
}

if vector_ready; then
  log "pgvector ready at ${TEST_DATABASE_URL%%\?*}"
  exit 0
fi

apt_updated=""
apt_update() { [ -n "$apt_updated" ] || { sudo_ apt-get update -qq; apt_updated=1; }; }

if ! command -v pg_config >/dev/null 2>&1 && ! ls /etc/postgresql >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian's packages"
  apt_update
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi

pgver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$pgver" ] || { log "no PostgreSQL cluster found under /etc/postgresql"; exit 1; }

if ! server_up; then
  log "starting PostgreSQL $pgver"
  sudo_ pg_ctlcluster --skip-systemctl-redirect "$pgver" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
  # A fresh Debian cluster has peer auth and no `test` database: allow local trust auth for the tests.
  if ! server_up; then
    hba=/etc/postgresql/$pgver/main/pg_hba.conf
    if ! grep -q 'conductbot-test' "$hba"; then
      log "allowing trust auth on 127.0.0.1 for the tests"
      sudo_ sed -i '1i host all all 127.0.0.1/32 trust # conductbot-test\nhost all all ::1/128 trust # conductbot-test' "$hba"
      sudo_ pg_ctlcluster --skip-systemctl-redirect "$pgver" main reload
    fi
    sudo_ su postgres -c "createdb test" 2>/dev/null || true
  fi
fi
server_up || { log "cannot connect to ${TEST_DATABASE_URL%%\?*}"; exit 1; }

if [ ! -f "/usr/share/postgresql/$pgver/extension/vector.control" ]; then
  log "building pgvector for PostgreSQL $pgver from Debian's $PGVECTOR_SUITE source package"
  apt_update
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-$pgver" build-essential dpkg-dev >/dev/null
  # The mirror the machine already uses (deb822 "URIs:" or one-line "deb" entries), not a comment.
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  src=/etc/apt/sources.list.d/conductbot-pgvector-src.list
  echo "deb-src ${mirror%/} $PGVECTOR_SUITE main" | sudo_ tee "$src" >/dev/null
  sudo_ apt-get update -qq
  work=$(mktemp -d)
  (cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1)
  dir=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  [ -n "$dir" ] || { log "apt-get source pgvector found nothing"; exit 1; }
  make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$pgver/bin/pg_config" OPTFLAGS="" >/dev/null
  sudo_ make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$pgver/bin/pg_config" install >/dev/null
  rm -rf "$work"
fi

vector_ready || { log "the vector extension cannot be created at ${TEST_DATABASE_URL%%\?*}"; exit 1; }
log "pgvector ready at ${TEST_DATABASE_URL%%\?*}"
