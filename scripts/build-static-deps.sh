#!/usr/bin/env bash
# Usage: scripts/build-static-deps.sh CC OPENSSL_TARGET
#
# Builds the pinned zlib (cmake/zlib.version) and OpenSSL (cmake/openssl.version) as
# static, position-independent libraries for liblwsj.so, and prints (on stdout, one
# line) the prefix that holds them: include/ and lib/{libz,libssl,libcrypto}.a.
#
# CC is the C compiler (a cross compiler for another target), OPENSSL_TARGET the
# target of OpenSSL's Configure (linux-x86_64, linux-aarch64, ...). A build is kept in
# ${LWSJ_CACHE_DIR:-$HOME/.cache/lwsj}/deps/<key>, the key a hash of the pins, the
# compiler's identity, the target and this script, so the build directories of the
# natives, the sanitizer run, the benchmarks and libwebsockets' own programs share one
# build instead of making four (an OpenSSL build takes minutes). Progress goes to stderr,
# the build logs next to the result.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf 'build-static-deps: %s\n' "$*" >&2; }
die() { printf 'build-static-deps: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: scripts/build-static-deps.sh CC OPENSSL_TARGET"
cc=$1
target=$2
command -v "$cc" >/dev/null 2>&1 || die "no C compiler $cc"
command -v perl >/dev/null 2>&1 || die "OpenSSL's Configure needs perl (Debian: apt-get install perl)"
command -v make >/dev/null 2>&1 || die "make is needed"

zlib_tar=$("$here/fetch-source.sh" zlib)
openssl_tar=$("$here/fetch-source.sh" openssl)

if [ -n "${LWSJ_CACHE_DIR:-}" ]; then
  cache_dir="$LWSJ_CACHE_DIR"
else
  cache_dir="${HOME:-/tmp}/.cache/lwsj"
fi

# what the libraries depend on: the sources, the compiler and how they are configured
# (the flags live in this script, so its own text is part of the key)
key=$( {
  sha256sum "$zlib_tar" "$openssl_tar" "${BASH_SOURCE[0]}" | cut -d ' ' -f 1
  "$cc" -dumpmachine
  "$cc" --version | head -n 1
  echo "$target"
} | sha256sum | cut -c 1-16)
prefix="$cache_dir/deps/$(basename "$cc")-$target-$key"
if [ -f "$prefix/.complete" ]; then
  printf '%s\n' "$prefix"
  exit 0
fi

mkdir -p "$cache_dir/deps"
exec 9>"$cache_dir/deps/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9 # another build directory may be making the same libraries right now
  if [ -f "$prefix/.complete" ]; then
    printf '%s\n' "$prefix"
    exit 0
  fi
fi

# a cross compiler (aarch64-linux-gnu-gcc) comes with its own archiver: the host's ar
# cannot index another architecture's objects
tool_prefix=""
case "$(basename "$cc")" in
  *-gcc) tool_prefix="$(dirname "$cc")/$(basename "$cc" gcc)" ;;
esac
if [ -n "$tool_prefix" ] && [ -x "${tool_prefix}ar" ]; then
  export AR="${tool_prefix}ar" RANLIB="${tool_prefix}ranlib"
fi

work=$(mktemp -d "$cache_dir/deps/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/prefix"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
cflags="-fPIC -fvisibility=hidden" # on top of each project's own optimisation flags

log "zlib: building $(basename "$zlib_tar") with $cc (log: $prefix/zlib.log)"
mkdir -p "$work/zlib" "$stage"
tar -xzf "$zlib_tar" -C "$work/zlib" --strip-components=1
(
  cd "$work/zlib"
  CC="$cc" CFLAGS="$cflags" ./configure --static --prefix="$stage"
  make -j "$jobs" libz.a
  make install
) >"$work/zlib.log" 2>&1 || { tail -n 30 "$work/zlib.log" >&2; die "zlib did not build"; }

log "OpenSSL: building $(basename "$openssl_tar") for $target with $cc; minutes (log: $prefix/openssl.log)"
mkdir -p "$work/openssl"
tar -xzf "$openssl_tar" -C "$work/openssl" --strip-components=1
(
  cd "$work/openssl"
  # libraries only, static; no loadable modules, engines or DSO loading, and no
  # openssl.cnf read at start-up (the host's may be written for another OpenSSL), so
  # nothing is looked for on the target's disk but the CA store under /etc/ssl
  CC="$cc" ./Configure "$target" no-shared no-module no-dso no-engine no-autoload-config no-tests no-docs \
    --prefix="$stage" --libdir=lib --openssldir=/etc/ssl $cflags
  make -j "$jobs" build_libs
  make install_dev
) >"$work/openssl.log" 2>&1 || { tail -n 30 "$work/openssl.log" >&2; die "OpenSSL did not build"; }

for f in lib/libz.a lib/libssl.a lib/libcrypto.a include/zlib.h include/openssl/ssl.h; do
  [ -f "$stage/$f" ] || die "the build left no $f"
done
cp "$work/zlib.log" "$work/openssl.log" "$stage/"
touch "$stage/.complete"
rm -rf "$prefix"
mv "$stage" "$prefix"
log "done: $prefix"
printf '%s\n' "$prefix"
