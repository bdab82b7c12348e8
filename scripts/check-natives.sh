#!/usr/bin/env bash
# Usage: scripts/check-natives.sh [JAR_OR_SO...]
#
# Checks every liblwsj.so in the natives jars (default: java/natives/target/*.jar) for
# what makes it load on machines other than the one that built it, and prints, for
# each: its architecture, its NEEDED list, the newest GLIBC symbol version it imports,
# and how many symbols it exports that are not lwsj_*. It fails (exit 1) when
#   - a NEEDED library is not one of libc, libm, libdl, libpthread, librt and the
#     dynamic loader (OpenSSL and zlib must be inside);
#   - an imported symbol needs a glibc newer than $LWSJ_GLIBC_BASELINE (default 2.17,
#     the manylinux2014 line: RHEL/CentOS 7 and everything newer); the offending
#     symbols are listed;
#   - any symbol but lwsj_* is exported;
#   - a library sits in a jar folder of another architecture (natives/linux_64 must hold
#     x86-64, natives/linux_arm64 AArch64: the loader picks the folder by os.arch);
#   - the all-platforms jar (lwsj-natives-<version>.jar, no classifier) lacks a platform
#     that a platform jar beside it has.
# Reads ELF files with readelf only, so it checks every architecture on any host.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
baseline=${LWSJ_GLIBC_BASELINE:-2.17}
die() { echo "check-natives: $*" >&2; exit 2; }
command -v readelf >/dev/null 2>&1 || die "readelf is needed (Debian: binutils)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed (to read the jars)"

inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
    shopt -s nullglob
    inputs=("$root"/java/natives/target/lwsj-natives-*.jar)
    shopt -u nullglob
    [ ${#inputs[@]} -gt 0 ] || die "no natives jar in java/natives/target (build with mvn -DskipTests install)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

allowed_needed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
newer() { # newer A B: true when version A is newer than version B
    [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]
}

failed=0
all_jar="" in_all_jar="" in_platform_jars=""
check_so() { # label file
    local label=$1 so=$2 arch needed bad_needed newest over exported
    arch=$(readelf -h "$so" | sed -n 's/^ *Machine: *//p')
    needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    bad_needed=$(grep -Ev "$allowed_needed" <<<"$needed" || true)
    newest=$(readelf --dyn-syms -W "$so" | grep -o '@GLIBC_[0-9.]*' | sed 's/@GLIBC_//' | sort -uV | tail -n 1)
    over=$(readelf --dyn-syms -W "$so" | awk '$7 == "UND" { print $8 }' | grep '@GLIBC_' | while read -r s; do
        v=${s##*@GLIBC_}
        if newer "$v" "$baseline"; then echo "$s"; fi
    done | sort -u)
    # defined, global or weak, not the version-definition symbols the version script makes
    exported=$(readelf --dyn-syms -W "$so" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $4 != "SECTION" { print $8 }' \
        | sed 's/@.*//' | grep -v '^lwsj_' | grep -v '^LWSJ_' | sort -u || true)
    printf '%s\n' "$label"
    printf '  architecture: %s\n' "$arch"
    printf '  NEEDED:       %s\n' "$(tr '\n' ' ' <<<"$needed")"
    printf '  newest GLIBC: %s (baseline %s)\n' "${newest:-none}" "$baseline"
    printf '  exported, not lwsj_*: %s\n' "$(grep -c . <<<"$exported" || true)"
    if [ -n "$bad_needed" ]; then
        printf '  FAIL: needs %s\n' "$(tr '\n' ' ' <<<"$bad_needed")"
        failed=1
    fi
    if [ -n "$over" ]; then
        printf '  FAIL: symbols newer than GLIBC_%s: %s\n' "$baseline" "$(tr '\n' ' ' <<<"$over")"
        failed=1
    fi
    if [ -n "$exported" ]; then
        printf '  FAIL: exports %s\n' "$(head -n 20 <<<"$exported" | tr '\n' ' ')"
        failed=1
    fi
    local folder expected=""
    folder=$(basename "$(dirname "$so")")
    case "$folder" in
        linux_64) expected="Advanced Micro Devices X86-64" ;;
        linux_arm64) expected="AArch64" ;;
    esac
    if [ -n "$expected" ] && [ "$arch" != "$expected" ]; then
        printf '  FAIL: an %s library in natives/%s\n' "$arch" "$folder"
        failed=1
    fi
}

n=0
for in in "${inputs[@]}"; do
    case "$in" in
        *.jar)
            d="$work/$(basename "$in" .jar)"
            mkdir -p "$d"
            python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2], [n for n in z.namelist() if n.endswith(".so")])' "$in" "$d"
            while IFS= read -r so; do
                check_so "$(basename "$in")!${so#"$d"/}" "$so"
                n=$((n + 1))
                platform=$(basename "$(dirname "$so")")
                case "$(basename "$in")" in
                    lwsj-natives-*-linux-*.jar) in_platform_jars="$in_platform_jars $platform" ;;
                    lwsj-natives-*.jar) all_jar=$(basename "$in"); in_all_jar="$in_all_jar $platform" ;;
                esac
            done < <(find "$d" -name '*.so' | sort)
            ;;
        *) check_so "$in" "$in"; n=$((n + 1)) ;;
    esac
done
[ "$n" -gt 0 ] || die "no .so found in ${inputs[*]}"
if [ -n "$all_jar" ]; then
    for platform in $in_platform_jars; do
        if ! grep -qw -- "$platform" <<<"$in_all_jar"; then
            printf '%s\n  FAIL: has no natives/%s, which a platform jar beside it has\n' "$all_jar" "$platform"
            failed=1
        fi
    done
    printf '%s holds:%s\n' "$all_jar" "$in_all_jar"
fi
if [ "$failed" = 1 ]; then
    echo "check-natives: FAILED" >&2
    exit 1
fi
echo "check-natives: $n libraries, all within the baseline"
