# scripts/lib-apt.sh - sourced: what this machine's apt knows, for scripts that fetch from
# Debian without touching the system's apt configuration (fetch-source.sh, aarch64-smoke.sh).

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

# The http(s) archives of apt_archives, each once, without the security archives.
debian_archives() {
  command -v apt-get >/dev/null 2>&1 || return 0
  apt_archives | sed -E 's#/+\t#\t#' | grep -E '^https?://' | grep -vE -- '-security[[:space:]]' \
    | awk -F '\t' '!seen[$1]++' || true
}

# apt_private_opts DIR: the apt-get options of a private apt state in DIR (lists, cache
# and sources of its own; the system's configuration is not read or written), in the
# array APT_OPTS. Entries go into DIR/sources.list.d.
apt_private_opts() {
  mkdir -p "$1/sources.list.d" "$1/lists/partial" "$1/cache/archives/partial"
  APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$1/sources.list.d"
            -o "Dir::State::Lists=$1/lists" -o "Dir::Cache=$1/cache"
            -o "Acquire::Languages=none" -o "APT::Get::List-Cleanup=false")
  if [ "$(id -u)" = 0 ]; then APT_OPTS+=(-o "APT::Sandbox::User=root"); fi
}
