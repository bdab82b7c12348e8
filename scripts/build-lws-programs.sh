#!/usr/bin/env bash
# Usage: scripts/build-lws-programs.sh [OUT_DIR]
#
# Builds libwebsockets' own test programs from the pinned source (the archive that
# scripts/fetch-libwebsockets.sh verifies), for the interop tests:
#   OUT_DIR/bin/libwebsockets-test-client   (test-apps/test-client.c)
#   OUT_DIR/bin/libwebsockets-test-server   (test-apps/test-server.c)
# and prints OUT_DIR/bin on stdout. OUT_DIR defaults to build/lws-programs (ignored by
# git). Only these two programs and the static library they link are built, from the
# pristine archive: lwsj's own patches to libwebsockets (cmake/patches) are left out,
# so that the programs behave as libwebsockets does for everyone else.
#
# The result is cached: a later run with the same pin and the same build settings
# (this script) returns at once. Concurrent runs wait for each other (flock).
# Progress and errors go to stderr; the build log is OUT_DIR/build.log.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build/lws-programs}
programs=(test-client test-server)

log() { printf 'build-lws-programs: %s\n' "$*" >&2; }
die() { printf 'build-lws-programs: error: %s\n' "$*" >&2; exit 1; }

for tool in cmake make tar cc; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (see .ci/run for the packages)"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)

# one build at a time per OUT_DIR
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out/.lock"
  flock -w 1800 9 || die "timed out waiting for another build in $out"
fi

# Everything the result depends on: the pin and this script's commands (which hold the
# flags; comment lines do not count).
key=$( { cat "$root/cmake/libwebsockets.version"; grep -v '^[[:space:]]*#' "${BASH_SOURCE[0]}"; } |
  cksum | cut -d ' ' -f 1)
stamp=$out/.built-$key

have_all() {
  local p
  for p in "${programs[@]}"; do
    [ -x "$out/bin/libwebsockets-$p" ] || return 1
  done
}

if [ -f "$stamp" ] && have_all; then
  printf '%s\n' "$out/bin"
  exit 0
fi

tarball=$("$root/scripts/fetch-libwebsockets.sh")
[ -f "$tarball" ] || die "scripts/fetch-libwebsockets.sh gave no archive"

log "building libwebsockets' ${programs[*]} from $(basename "$tarball") in $out (log: $out/build.log)"
rm -rf "$out/src" "$out/cmake" "$out/bin" "$out"/.built-*
mkdir -p "$out/src" "$out/cmake"
tar -xzf "$tarball" -C "$out/src" --strip-components=1

jobs=$( (command -v nproc >/dev/null 2>&1 && nproc) || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

# The library as lwsj builds it (cmake/libwebsockets.cmake): static, OpenSSL, zlib
# for permessage-deflate, no HTTP/2; plus the two test apps and nothing else. The
# programs use lws' own event loop (no external poll). Info-level logs are compiled
# in (a release build leaves them out): the test client logs what it receives there.
if ! {
  cmake -S "$out/src" -B "$out/cmake" \
    -DCMAKE_BUILD_TYPE=Release \
    -DLWS_WITH_STATIC=ON -DLWS_WITH_SHARED=OFF \
    -DLWS_WITH_SSL=ON -DLWS_WITH_ZLIB=ON -DLWS_WITH_BUNDLED_ZLIB=OFF \
    -DLWS_WITHOUT_EXTENSIONS=OFF \
    -DLWS_WITH_HTTP2=OFF \
    -DLWS_IPV6=ON \
    -DLWS_WITHOUT_TESTAPPS=OFF \
    -DLWS_WITHOUT_TEST_SERVER=OFF -DLWS_WITHOUT_TEST_CLIENT=OFF \
    -DLWS_WITHOUT_TEST_SERVER_EXTPOLL=ON -DLWS_WITHOUT_TEST_PING=ON \
    -DLWS_WITH_MINIMAL_EXAMPLES=OFF \
    -DLWS_LOGGING_BITFIELD_SET=8 \
    -DDISABLE_WERROR=ON \
    -DLWS_HAVE_LIBCAP=OFF &&
  cmake --build "$out/cmake" --parallel "$jobs" --target "${programs[@]}"
} > "$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  die "the build failed; see $out/build.log"
fi

mkdir -p "$out/bin"
for p in "${programs[@]}"; do
  exe=$(find "$out/cmake" -type f -name "libwebsockets-$p" -perm -u+x | head -n 1)
  [ -n "$exe" ] || die "libwebsockets-$p was not built; see $out/build.log"
  cp -f "$exe" "$out/bin/"
done
have_all || die "programs missing after the build"
# the sources and objects are not needed any more
rm -rf "$out/src" "$out/cmake"
touch "$stamp"
log "built $out/bin"
printf '%s\n' "$out/bin"
