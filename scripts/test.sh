#!/usr/bin/env bash
# Usage: scripts/test.sh [extra Maven arguments]
# Builds everything (libwebsockets, the native glue, the Java modules) and runs every
# test: the native ctest suite and the Java tests. This is the command CI runs.
# On Debian/Ubuntu it first installs the packages it needs and misses
# (scripts/packages.list, as root or with sudo; otherwise it says what to run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib-packages.sh
ensure_packages test
exec mvn -B verify "$@"
