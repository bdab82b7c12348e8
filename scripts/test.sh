#!/usr/bin/env bash
# Usage: scripts/test.sh [extra Maven arguments]
# Builds everything (libwebsockets, the native glue, the Java modules) and runs every
# test: the native ctest suite and the Java tests. This is the command CI runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec mvn -B verify "$@"
