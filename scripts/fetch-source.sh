#!/usr/bin/env bash
# Usage: scripts/fetch-source.sh NAME [DEST_DIR]
#
# Prints (on stdout, one line) the path of the source archive pinned in
# cmake/NAME.version, after checking its SHA-256 against the pin. Progress and errors
# go to stderr. The pin file holds KEY=VALUE lines whose keys share one prefix P:
#   P_VERSION        the release                                   (required)
#   P_SHA256         the archive's SHA-256                         (required)
#   P_ARCHIVE        the name it is cached under    (default NAME-VERSION.tar.gz)
#   P_DEBIAN_SOURCE  Debian's source package                       (default NAME)
#   P_DEBIAN_ORIG    its orig archive    (default SOURCE_VERSION.orig.tar.gz)
#   P_UPSTREAM_URL   the upstream release archive                  (optional)
#
# Where the archive comes from, first match wins:
#   1. $P_SOURCE_TARBALL, a local file (a checksum mismatch is an error);
#   2. the cache, ${LWSJ_CACHE_DIR:-$HOME/.cache/lwsj}/ARCHIVE;
#   3. Debian's orig archive, from the pool of each mirror this machine's apt uses
#      (the pinned version, whether or not a suite's index still lists it);
#   4. the same through a temporary deb-src entry and apt-get source, with a private
#      apt state directory (the system's apt configuration is not touched); suites
#      tried: ${LWSJ_DEBIAN_SUITES:-trixie sid bookworm-backports};
#   5. P_UPSTREAM_URL.
# Whatever was downloaded or given is verified, then stored in the cache. With
# DEST_DIR, the verified archive is also copied there and that copy's path is printed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NAME=${1:-}
[ -n "$NAME" ] || { echo "usage: scripts/fetch-source.sh NAME [DEST_DIR]" >&2; exit 2; }
pin_file="$here/../cmake/$NAME.version"

log() { printf 'fetch-source %s: %s\n' "$NAME" "$*" >&2; }
die() { printf 'fetch-source %s: error: %s\n' "$NAME" "$*" >&2; exit 1; }

[ -r "$pin_file" ] || die "cannot read the pin file $pin_file"
P=$(sed -n 's/^\([A-Z0-9]*\)_VERSION=.*/\1/p' "$pin_file" | head -n 1)
[ -n "$P" ] || die "$pin_file has no <PREFIX>_VERSION line"
pin() { sed -n "s/^${P}_$1=//p" "$pin_file" | tail -n 1 | tr -d '[:space:]'; }
VERSION=$(pin VERSION)
SHA256=$(pin SHA256)
[[ "$SHA256" =~ ^[0-9a-f]{64}$ ]] || die "${P}_SHA256 in $pin_file is not a SHA-256 hex digest"
ARCHIVE=$(pin ARCHIVE)
ARCHIVE=${ARCHIVE:-$NAME-$VERSION.tar.gz}
DEBIAN_SOURCE=$(pin DEBIAN_SOURCE)
DEBIAN_SOURCE=${DEBIAN_SOURCE:-$NAME}
DEBIAN_ORIG=$(pin DEBIAN_ORIG)
DEBIAN_ORIG=${DEBIAN_ORIG:-${DEBIAN_SOURCE}_$VERSION.orig.tar.gz}
UPSTREAM_URL=$(pin UPSTREAM_URL)
given_var="${P}_SOURCE_TARBALL"
given=${!given_var:-}

dest_dir="${2:-}"
if [ -n "${LWSJ_CACHE_DIR:-}" ]; then
  cache_dir="$LWSJ_CACHE_DIR"
elif [ -n "${HOME:-}" ]; then
  cache_dir="$HOME/.cache/lwsj"
else
  cache_dir="${TMPDIR:-/tmp}/lwsj-cache-$(id -u)"
fi
cached="$cache_dir/$ARCHIVE"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "need sha256sum, shasum or openssl to verify the archive"
  fi
}

# verify FILE ORIGIN: stops the script unless FILE matches the pin
verify() {
  local actual
  actual=$(sha256_of "$1")
  [ "$actual" = "$SHA256" ] && return 0
  die "SHA-256 mismatch for $1 (from $2)
  expected: $SHA256  (pinned in cmake/$NAME.version for $NAME $VERSION)
  actual:   $actual
  Refusing to use this file. If the pin itself is meant to change, edit cmake/$NAME.version."
}

# emit FILE: print the final path, copying to DEST_DIR first when one was given
emit() {
  local file=$1
  if [ -n "$dest_dir" ]; then
    mkdir -p "$dest_dir"
    local target
    target="$(cd "$dest_dir" && pwd)/$ARCHIVE"
    if [ "$(cd "$(dirname "$file")" && pwd)/$(basename "$file")" != "$target" ]; then
      cp -f "$file" "$target.part.$$"
      mv -f "$target.part.$$" "$target"
    fi
    file=$target
  fi
  printf '%s\n' "$file"
  exit 0
}

# store FILE: atomically put a verified FILE into the cache
store() {
  mkdir -p "$cache_dir"
  cp -f "$1" "$cached.part.$$"
  mv -f "$cached.part.$$" "$cached"
}

# --- 1. an archive given by the caller ------------------------------------------
if [ -n "$given" ]; then
  [ -f "$given" ] || die "$given_var=$given is not a file"
  verify "$given" "$given_var"
  if (store "$given") 2>/dev/null; then
    emit "$cached"
  fi
  log "warning: could not write the cache $cache_dir; using $given as is"
  emit "$given"
fi

# --- 2. the cache -----------------------------------------------------------------
if [ -f "$cached" ]; then
  if [ "$(sha256_of "$cached")" = "$SHA256" ]; then
    emit "$cached"
  fi
  log "warning: discarding $cached: its SHA-256 does not match the pin"
  rm -f "$cached"
fi

mkdir -p "$cache_dir" 2>/dev/null && [ -w "$cache_dir" ] ||
  die "cache directory $cache_dir is not writable; set LWSJ_CACHE_DIR or $given_var"
work=$(mktemp -d "$cache_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
download="$work/$ARCHIVE"

fetch_url() { # fetch_url URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 --timeout=30 -O "$2" "$1"
  else
    log "neither curl nor wget is installed"
    return 1
  fi
}

# shellcheck source=lib-apt.sh
. "$here/lib-apt.sh"

# --- 3. Debian's pool, by the path Debian files every source package under ------------
from_debian_pool() {
  local pool uri key
  case "$DEBIAN_SOURCE" in
    lib?*) pool=${DEBIAN_SOURCE:0:4} ;;
    *) pool=${DEBIAN_SOURCE:0:1} ;;
  esac
  while IFS=$'\t' read -r uri key; do
    [ -n "$uri" ] || continue
    local url="$uri/pool/main/$pool/$DEBIAN_SOURCE/$DEBIAN_ORIG"
    log "downloading $url"
    if fetch_url "$url" "$download"; then
      verify "$download" "$url"
      return 0
    fi
  done <<< "$(debian_archives)"
  return 1
}

# --- 4. Debian's index, through a temporary deb-src entry ------------------------------
from_debian_index() {
  local archives
  archives=$(debian_archives)
  [ -n "$archives" ] || { log "no usable http(s) archive in the apt sources; skipping Debian"; return 1; }

  local apt="$work/apt"
  apt_private_opts "$apt"
  local opts=("${APT_OPTS[@]}")

  local suite uri key orig
  for suite in ${LWSJ_DEBIAN_SUITES:-trixie sid bookworm-backports}; do
    : > "$apt/sources.list.d/lwsj-src.sources"
    while IFS=$'\t' read -r uri key; do
      {
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$suite"
        [ -n "$key" ] && [ -r "$key" ] && printf 'Signed-By: %s\n' "$key"
        printf '\n'
      } >> "$apt/sources.list.d/lwsj-src.sources"
    done <<< "$archives"

    log "looking for $DEBIAN_ORIG in Debian $suite (temporary deb-src entry, private apt state)"
    if ! apt-get -q "${opts[@]}" update > "$apt/update.log" 2>&1; then
      log "apt-get update for $suite failed: $(grep -E '^(E|Err):' "$apt/update.log" | head -n 2 | tr '\n' ' ')"
      continue
    fi
    if ! apt-get -q "${opts[@]}" source --print-uris "$DEBIAN_SOURCE/$suite" > "$apt/uris.txt" 2> "$apt/source.log"; then
      log "no $DEBIAN_SOURCE source package in $suite: $(head -n 1 "$apt/source.log")"
      continue
    fi
    orig=$(awk -v want="$DEBIAN_ORIG" '$2 == want { gsub(/\047/, "", $1); print $1; exit }' "$apt/uris.txt")
    if [ -z "$orig" ]; then
      log "$suite has $(grep -oE "${DEBIAN_SOURCE}_[^ ']*\.orig\.tar\.[a-z0-9]+" "$apt/uris.txt" | head -n 1 || echo 'no orig archive'), not $DEBIAN_ORIG"
      continue
    fi
    log "downloading $orig"
    if fetch_url "$orig" "$download"; then
      verify "$download" "$orig"
      return 0
    fi
    log "download of $orig failed"
  done
  return 1
}

# --- 5. the upstream release ------------------------------------------------------------
from_upstream() {
  [ -n "$UPSTREAM_URL" ] || return 1
  log "downloading $UPSTREAM_URL"
  fetch_url "$UPSTREAM_URL" "$download" || { log "download of $UPSTREAM_URL failed"; return 1; }
  verify "$download" "$UPSTREAM_URL"
}

if from_debian_pool || from_debian_index || from_upstream; then
  store "$download"
  log "verified and cached $cached"
  emit "$cached"
fi
die "could not obtain $ARCHIVE; download it yourself and set $given_var=/path/to/$ARCHIVE"
