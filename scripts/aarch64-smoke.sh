#!/usr/bin/env bash
# Usage: scripts/aarch64-smoke.sh
#
# Runs the platform smoke test (io.lwsj.examples.smoke.PlatformSmoke: load liblwsj.so,
# echo over ws://, wss:// and with permessage-deflate) on an aarch64 JVM under
# qemu-user, with lwsj's all-platforms natives jar on its class path: the loader has to
# pick the aarch64 library from it by os.arch.
#
# The JVM is Debian's openjdk-17-jre-headless for arm64 with the few arm64 libraries it
# loads, fetched with apt-get download through a private apt state (the system's apt
# configuration and its packages are not touched) and unpacked into build/aarch64-root,
# which qemu uses as the root for the JVM's libraries. Needs qemu-aarch64 (Debian:
# qemu-user), and the natives jars built with gcc-aarch64-linux-gnu installed
# (mvn -DskipTests install).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib-apt.sh
. "$root/scripts/lib-apt.sh"
log() { printf 'aarch64-smoke: %s\n' "$*" >&2; }
die() { printf 'aarch64-smoke: error: %s\n' "$*" >&2; exit 1; }

qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || die "qemu-aarch64 is needed (Debian: apt-get install qemu-user)"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is needed"
command -v openssl >/dev/null 2>&1 || die "the openssl command is needed (a throwaway certificate)"
shopt -s nullglob
jars=("$root"/java/natives/target/lwsj-natives-*-linux-aarch64.jar)
shopt -u nullglob
[ ${#jars[@]} -eq 1 ] || die "no linux-aarch64 natives jar in java/natives/target (install gcc-aarch64-linux-gnu, then mvn -DskipTests install)"
all_platforms_jar=${jars[0]%-linux-aarch64.jar}.jar
[ -f "$all_platforms_jar" ] || die "no all-platforms natives jar: $all_platforms_jar"

# ---- the arm64 JVM ------------------------------------------------------------------------
packages=(libc6 libgcc-s1 libstdc++6 zlib1g openjdk-17-jre-headless)
sysroot=$root/build/aarch64-root
if [ ! -x "$sysroot/usr/lib/jvm/java-17-openjdk-arm64/bin/java" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    apt_private_opts "$work/apt"
    archives=$(debian_archives)
    [ -n "$archives" ] || die "no http(s) archive in this machine's apt sources"
    suites=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    while IFS=$'\t' read -r uri key; do
        {
            printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nArchitectures: arm64\n' "$uri" "$suites"
            if [ -n "$key" ] && [ -r "$key" ]; then printf 'Signed-By: %s\n' "$key"; fi
            printf '\n'
        } >>"$work/apt/sources.list.d/arm64.sources"
    done <<<"$archives"
    opts=("${APT_OPTS[@]}" -o "APT::Architectures::=arm64" -o "APT::Architecture=arm64")
    log "fetching the arm64 index of $suites (private apt state)"
    apt-get -q "${opts[@]}" update >"$work/update.log" 2>&1 \
        || { tail -n 5 "$work/update.log" >&2; die "apt-get update for arm64 failed"; }
    mkdir -p "$work/debs"
    log "downloading ${packages[*]} (arm64)"
    (cd "$work/debs" && apt-get -q "${opts[@]}" download "${packages[@]/%/:arm64}") >"$work/download.log" 2>&1 \
        || { tail -n 5 "$work/download.log" >&2; die "apt-get download failed"; }
    rm -rf "$sysroot.new"
    mkdir -p "$sysroot.new"
    for deb in "$work"/debs/*.deb; do
        dpkg-deb -x "$deb" "$sysroot.new"
    done
    rm -rf "$sysroot"
    mv "$sysroot.new" "$sysroot"
fi
java_arm64=$sysroot/usr/lib/jvm/java-17-openjdk-arm64/bin/java
[ -x "$java_arm64" ] || die "the arm64 JVM is not where Debian puts it: $java_arm64"

# ---- the class path: the examples' with the all-platforms natives jar instead -------------
host_cp=$("$root/scripts/example.sh" --classpath) || die "scripts/example.sh --classpath failed"
cp=""
IFS=: read -r -a entries <<<"$host_cp"
for e in "${entries[@]}"; do
    case "$(basename "$e")" in
        lwsj-natives-*.jar) ;; # the host's platform jar
        *) cp="$cp$e:" ;;
    esac
done
cp="$cp$all_platforms_jar"

# ---- a throwaway certificate ---------------------------------------------------------------
certs=$(mktemp -d)
trap 'rm -rf "$certs" "${work:-}"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$certs/key.pem" -out "$certs/cert.pem" >/dev/null 2>&1 \
    || die "openssl could not make a certificate"

log "running PlatformSmoke on $("$qemu" -L "$sysroot" "$java_arm64" -version 2>&1 | head -n 1) under $(basename "$qemu")"
"$qemu" -L "$sysroot" "$java_arm64" -Xshare:off -XX:+UseSerialGC -Xmx256m \
    -Djava.io.tmpdir="$certs" -cp "$cp" io.lwsj.examples.smoke.PlatformSmoke \
    "$certs/cert.pem" "$certs/cert.pem" "$certs/key.pem"
