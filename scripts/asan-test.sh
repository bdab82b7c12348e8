#!/usr/bin/env bash
# Usage: scripts/asan-test.sh [extra Maven arguments]
# Builds libwebsockets (with lwsj's patches) and the glue with AddressSanitizer + UBSan
# (Maven profile "asan", build output in target/asan, separate from the normal build)
# and runs:
#   - the native tests (ctest: glue_test, hostile_test) with ASan, UBSan and
#     LeakSanitizer: there the whole process is ours, so every native allocation of the
#     glue and of libwebsockets that is not freed by exit is reported;
#   - the Java test suite with the ASan runtime preloaded into the test JVM only (not
#     into Maven, CMake or the compiler). LeakSanitizer cannot run inside a JVM (its
#     stop-the-world tracer fails there, and it would report the JVM's own
#     allocations), so leaks are off in the JVM; scripts/soak.sh covers memory growth
#     of the whole process instead.
# Fails when Maven fails or when any sanitizer report appears in the output, also a
# UBSan "runtime error" that did not stop the test run.
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
echo "asan-test: JVM ASAN_OPTIONS=$asan_options UBSAN_OPTIONS=$ubsan_options"
echo "asan-test: native tests with ASan defaults (LeakSanitizer on)"
log=$(mktemp "${TMPDIR:-/tmp}/lwsj-asan.XXXXXX")
trap 'rm -f "$log"' EXIT
set +e
# ASAN_OPTIONS / UBSAN_OPTIONS are unset for Maven itself, so that ctest's programs get
# the defaults (leak detection on); the test JVM gets the options above from the pom.
# (the cross-built aarch64 library is left out: it would be built again, unsanitized)
env -u ASAN_OPTIONS -u UBSAN_OPTIONS mvn -B -P 'asan,!cross-linux-aarch64' verify -pl java/lwsj -am \
  "-Dlwsj.asan.runtime=$asan_rt" \
  "-Dlwsj.asan.options=$asan_options" \
  "-Dlwsj.ubsan.options=$ubsan_options" \
  "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" || true)
if [ "$reports" -gt 0 ]; then
  echo "asan-test: $reports sanitizer report(s):" >&2
  grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: |runtime error:' "$log" | sort | uniq -c >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "asan-test: Maven failed (exit status $rc)" >&2
  exit "$rc"
fi
echo "asan-test: no sanitizer reports, all tests passed"
