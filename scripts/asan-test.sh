#!/usr/bin/env bash
# Usage: scripts/asan-test.sh [extra Maven arguments]
# Builds libwebsockets and the glue with AddressSanitizer + UBSan (Maven profile
# "asan", build output in target/asan, separate from the normal build) and runs the
# native tests and the Java test suite with the ASan runtime preloaded into the
# test JVM only (not into Maven, CMake or the compiler).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cc=${CC:-gcc}
asan_rt=$("$cc" -print-file-name=libasan.so)
case "$asan_rt" in
  /*) [ -e "$asan_rt" ] || { echo "asan-test: $asan_rt does not exist" >&2; exit 1; } ;;
  *)  echo "asan-test: $cc does not know libasan.so (install libasan for $cc)" >&2; exit 1 ;;
esac

# The JVM uses SIGSEGV internally (implicit null checks, safepoints): ASan must not
# take it over. Leak detection would report the JVM's own allocations.
asan_options=${ASAN_OPTIONS:-detect_leaks=0:handle_segv=0}
ubsan_options=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "asan-test: runtime $asan_rt"
echo "asan-test: ASAN_OPTIONS=$asan_options UBSAN_OPTIONS=$ubsan_options"
exec mvn -B -P asan verify -pl java/lwsj -am \
  "-Dlwsj.asan.runtime=$asan_rt" \
  "-Dlwsj.asan.options=$asan_options" \
  "-Dlwsj.ubsan.options=$ubsan_options" \
  "$@"
