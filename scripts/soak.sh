#!/usr/bin/env bash
# Usage: scripts/soak.sh [--quick] [--no-build] [extra Maven arguments]
#
# The soak run: an lwsj server (echo + broadcast) in one JVM with -Xmx256m, driven by
# raw-socket clients in the same JVM (java/lwsj/src/test/java/io/lwsj/SoakTest.java):
#
#   full (default)  100,000 connect / echo / close cycles on 8 threads, then a 60 s
#                   broadcast run to 100 receivers (every receiver must get every
#                   message, in order)
#   --quick         10,000 cycles and a 10 s broadcast to 50 receivers (about a minute;
#                   what CI runs)
#
# Process RSS and Java heap (used after GC) are printed after a warm-up and at the end;
# the run fails if RSS grew by more than 64 MiB or the heap by more than 16 MiB, if any
# connection or fd is left open, or if any message is lost. Override the numbers with
# -Dlwsj.soak.cycles=N -Dlwsj.soak.threads=N -Dlwsj.soak.broadcastSeconds=N
# -Dlwsj.soak.receivers=N -Dlwsj.soak.rssGrowthMiB=N -Dlwsj.soak.heapGrowthMiB=N.
#
# --no-build uses the lwsj-natives jar already in the local Maven repository (from
# `mvn install`); otherwise the natives and the library are built first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=full
build=1
extra=()
for a in "$@"; do
  case "$a" in
    --quick) mode=quick ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) extra+=("$a") ;;
  esac
done

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ "$build" = 1 ]; then
  log "building the natives and the library (mvn install -DskipTests)"
  mvn -q -B -DskipTests install -pl java/natives,java/lwsj -am "${extra[@]}"
fi

log "running the $mode soak"
out=$(mktemp "${TMPDIR:-/tmp}/lwsj-soak.XXXXXX")
trap 'rm -f "$out"' EXIT
set +e
mvn -B -pl java/lwsj test-compile surefire:test \
  -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  "-Dlwsj.soak=$mode" "-DargLine=-Xmx256m -XX:+UseG1GC" \
  "${extra[@]}" > "$out" 2>&1
rc=$?
set -e
grep '^SOAK ' "$out" || true
if [ "$rc" -ne 0 ] || ! grep -q '^SOAK PASS' "$out"; then
  grep -E 'Tests run:|FAIL|ERROR|AssertionError|expected' "$out" | head -40 >&2
  log "FAILED (Maven exit status $rc; full log kept in $out.log)"
  cp "$out" "$out.log"
  exit 1
fi
log "passed"
