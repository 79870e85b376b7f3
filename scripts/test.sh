#!/usr/bin/env bash
# The project's test command (README.md): on a fresh Debian machine it first makes a PostgreSQL server with the
# pgvector extension reachable (scripts/test-setup.sh), then runs go vet and the race-enabled tests of every
# package, with the PostgreSQL contract tests switched on through TEST_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
./scripts/test-setup.sh

echo "== go vet ./..."
go vet ./...
echo "== go test -race ./..."
go test -race -count=1 "$@" ./...
