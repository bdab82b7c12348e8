#!/usr/bin/env bash
# Usage: scripts/fetch-libwebsockets.sh [DEST_DIR]
#
# Prints (on stdout, one line) the path of libwebsockets-<version>.tar.gz, the
# release pinned in cmake/libwebsockets.version, after checking its SHA-256
# against the pin. Progress and errors go to stderr.
#
# Where the archive comes from, first match wins:
#   1. $LWS_SOURCE_TARBALL, a local file (a checksum mismatch is an error);
#   2. the cache, ${LWSJ_CACHE_DIR:-$HOME/.cache/lwsj}/libwebsockets-<version>.tar.gz;
#   3. the Debian source package's .orig.tar.gz, found through a temporary deb-src
#      entry built from the mirrors this machine's apt already uses, with a private
#      apt state directory (the system's apt configuration is not touched);
#      suites tried: ${LWSJ_DEBIAN_SUITES:-trixie sid bookworm-backports};
#   4. the upstream release tarball on GitHub.
# Whatever was downloaded or given is verified, then stored in the cache.
# With DEST_DIR, the verified archive is also copied there and that copy's path
# is printed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pin_file="$here/../cmake/libwebsockets.version"

log() { printf 'fetch-libwebsockets: %s\n' "$*" >&2; }
die() { printf 'fetch-libwebsockets: error: %s\n' "$*" >&2; exit 1; }

[ -r "$pin_file" ] || die "cannot read the pin file $pin_file"
pin() { sed -n "s/^$1=//p" "$pin_file" | tail -n 1 | tr -d '[:space:]'; }
LWS_VERSION=$(pin LWS_VERSION)
LWS_SHA256=$(pin LWS_SHA256)
[ -n "$LWS_VERSION" ] || die "LWS_VERSION is missing from $pin_file"
[[ "$LWS_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "LWS_SHA256 in $pin_file is not a SHA-256 hex digest"

name="libwebsockets-$LWS_VERSION.tar.gz"
dest_dir="${1:-}"
if [ -n "${LWSJ_CACHE_DIR:-}" ]; then
  cache_dir="$LWSJ_CACHE_DIR"
elif [ -n "${HOME:-}" ]; then
  cache_dir="$HOME/.cache/lwsj"
else
  cache_dir="${TMPDIR:-/tmp}/lwsj-cache-$(id -u)"
fi
cached="$cache_dir/$name"

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
  [ "$actual" = "$LWS_SHA256" ] && return 0
  die "SHA-256 mismatch for $1 (from $2)
  expected: $LWS_SHA256  (pinned in cmake/libwebsockets.version for libwebsockets $LWS_VERSION)
  actual:   $actual
  Refusing to use this file. If the pin itself is meant to change, edit cmake/libwebsockets.version."
}

# emit FILE: print the final path, copying to DEST_DIR first when one was given
emit() {
  local file=$1
  if [ -n "$dest_dir" ]; then
    mkdir -p "$dest_dir"
    local target
    target="$(cd "$dest_dir" && pwd)/$name"
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
if [ -n "${LWS_SOURCE_TARBALL:-}" ]; then
  [ -f "$LWS_SOURCE_TARBALL" ] || die "LWS_SOURCE_TARBALL=$LWS_SOURCE_TARBALL is not a file"
  verify "$LWS_SOURCE_TARBALL" "LWS_SOURCE_TARBALL"
  if (store "$LWS_SOURCE_TARBALL") 2>/dev/null; then
    emit "$cached"
  fi
  log "warning: could not write the cache $cache_dir; using $LWS_SOURCE_TARBALL as is"
  emit "$LWS_SOURCE_TARBALL"
fi

# --- 2. the cache -----------------------------------------------------------------
if [ -f "$cached" ]; then
  if [ "$(sha256_of "$cached")" = "$LWS_SHA256" ]; then
    emit "$cached"
  fi
  log "warning: discarding $cached: its SHA-256 does not match the pin"
  rm -f "$cached"
fi

mkdir -p "$cache_dir" 2>/dev/null && [ -w "$cache_dir" ] ||
  die "cache directory $cache_dir is not writable; set LWSJ_CACHE_DIR or LWS_SOURCE_TARBALL"
work=$(mktemp -d "$cache_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
download="$work/$name"

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

# --- 3. Debian source package -------------------------------------------------------
# Lines "URI<TAB>keyring" for each archive this machine's apt uses (security archives
# left out: they only carry <suite>-security). keyring is a Signed-By file or empty.
apt_archives() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        on = 1; uris = ""; key = ""
        for (i = 1; i <= NF; i++) {
          l = $i
          if (l ~ /^[ \t]*#/) continue
          low = tolower(l)
          if (low ~ /^enabled:[ \t]*no/) on = 0
          if (low ~ /^uris:/) { sub(/^[^:]*:[ \t]*/, "", l); uris = uris " " l }
          if (low ~ /^signed-by:[ \t]*\//) { sub(/^[^:]*:[ \t]*/, "", l); key = l }
        }
        if (on) { n = split(uris, u, /[ \t]+/); for (j = 1; j <= n; j++) if (u[j] != "") print u[j] "\t" key }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" || $1 == "deb-src" {
        i = 2; key = ""
        if ($i ~ /^\[/) {
          for (; i <= NF; i++) {
            if ($i ~ /signed-by=\//) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) }
            if ($i ~ /\]$/) break
          }
          i++
        }
        print $i "\t" key
      }' "$f"
  done
}

from_debian() {
  command -v apt-get >/dev/null 2>&1 || { log "apt-get not found; skipping the Debian source package"; return 1; }
  local archives
  archives=$(apt_archives | sed -E 's#/+\t#\t#' | grep -E '^https?://' | grep -vE -- '-security[[:space:]]' | awk -F '\t' '!seen[$1]++') || true
  [ -n "$archives" ] || { log "no usable http(s) archive in the apt sources; skipping Debian"; return 1; }

  local apt="$work/apt"
  mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial"
  local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
              -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
              -o "Acquire::Languages=none" -o "APT::Get::List-Cleanup=false")
  [ "$(id -u)" = 0 ] && opts+=(-o "APT::Sandbox::User=root")

  local want="libwebsockets_$LWS_VERSION.orig.tar.gz" suite uri key orig
  for suite in ${LWSJ_DEBIAN_SUITES:-trixie sid bookworm-backports}; do
    : > "$apt/sources.list.d/lwsj-src.sources"
    while IFS=$'\t' read -r uri key; do
      {
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$suite"
        [ -n "$key" ] && [ -r "$key" ] && printf 'Signed-By: %s\n' "$key"
        printf '\n'
      } >> "$apt/sources.list.d/lwsj-src.sources"
    done <<< "$archives"

    log "looking for $want in Debian $suite (temporary deb-src entry, private apt state)"
    if ! apt-get -q "${opts[@]}" update > "$apt/update.log" 2>&1; then
      log "apt-get update for $suite failed: $(grep -E '^(E|Err):' "$apt/update.log" | head -n 2 | tr '\n' ' ')"
      continue
    fi
    if ! apt-get -q "${opts[@]}" source --print-uris "libwebsockets/$suite" > "$apt/uris.txt" 2> "$apt/source.log"; then
      log "no libwebsockets source package in $suite: $(head -n 1 "$apt/source.log")"
      continue
    fi
    orig=$(awk -v want="$want" '$2 == want { gsub(/\047/, "", $1); print $1; exit }' "$apt/uris.txt")
    if [ -z "$orig" ]; then
      log "$suite has $(grep -oE "libwebsockets_[^ ']*\.orig\.tar\.[a-z0-9]+" "$apt/uris.txt" | head -n 1 || echo 'no orig archive'), not $want"
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

# --- 4. upstream release on GitHub ------------------------------------------------
from_github() {
  local url="https://github.com/warmcat/libwebsockets/archive/refs/tags/v$LWS_VERSION.tar.gz"
  log "downloading $url"
  fetch_url "$url" "$download" || { log "download of $url failed"; return 1; }
  verify "$download" "$url"
}

if from_debian || from_github; then
  store "$download"
  log "verified and cached $cached"
  emit "$cached"
fi
die "could not obtain $name from Debian or GitHub; download it yourself and set LWS_SOURCE_TARBALL=/path/to/$name"
