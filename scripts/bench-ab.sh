#!/usr/bin/env bash
# Usage: scripts/bench-ab.sh OLD_REF [--runs N] [--duration S]
#
# One benchmark on two versions of lwsj, run interleaved on this machine so that its
# drift falls on both: the echo example of OLD_REF (a commit, built in a temporary git
# worktree) and of the working tree, each pinned to CPU $BENCH_SERVER_CPU (0), against
# bench/build/loadgen pinned to $BENCH_GEN_CPU (1); 64 B echo (100 connections, window
# 16) and 16 KiB echo (50 connections, window 4), a fresh server per run, in the order
# old, new, N times (default 3). Prints a Markdown table with medians and new/old ratios.
# Needs bench/build/loadgen (scripts/bench.sh builds it); builds both trees itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-ab: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: scripts/bench-ab.sh OLD_REF [--runs N] [--duration S]"
old_ref=$1
shift
runs=3
dur=6
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift ;;
        --duration) [ $# -ge 2 ] || die "--duration needs a value"; dur=$2; shift ;;
        *) die "unknown option $1" ;;
    esac
    shift
done
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || die "--runs must be 1..99"
SRV_CPU=${BENCH_SERVER_CPU:-0}
GEN_CPU=${BENCH_GEN_CPU:-1}
JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseG1GC -Xss512k"}
loadgen=$root/bench/build/loadgen
[ -x "$loadgen" ] || die "no $loadgen: run scripts/bench.sh --quick once"
old_rev=$(git -C "$root" rev-parse --short "$old_ref") || die "unknown ref $old_ref"

work=$(mktemp -d /tmp/lwsj-ab.XXXXXX)
spid=""
cleanup() {
    if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; fi
    git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# the classpath of a tree's echo example: the tree's own module outputs (the reactor
# resolves them, not ~/.m2, so the two versions cannot mix) and the rest from ~/.m2
classpath_of() { # tree name
    local log=$work/build-$2.log
    (cd "$1" && mvn -B -q -o -DskipTests -Dlwsj.lws.programs.skip=true package org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile="$work/cp-$2" -pl java/examples -am) >"$log" 2>&1 \
        || { tail -n 20 "$log" >&2; die "building $1 failed"; }
    printf '%s:%s' "$1/java/examples/target/classes" "$(cat "$work/cp-$2")" >"$work/cp-$2.full"
}
echo "building $old_ref ($old_rev) in a worktree, libwebsockets and the glue included..." >&2
git -C "$root" worktree add --detach "$work/old" "$old_ref" >/dev/null
if [ -d "$root/../shared" ]; then ln -s "$root/../shared" "$work/shared"; fi
classpath_of "$work/old" old
echo "building the working tree..." >&2
classpath_of "$root" new

port=$((30000 + RANDOM % 20000))
run_one() { # old|new scenario port: prints the loadgen RESULT line
    local which=$1 sc=$2 port=$3 i
    local -a args
    taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$(cat "$work/cp-$which.full")" \
        io.lwsj.examples.echo.EchoServer --port "$port" >"$work/server-$which.log" 2>&1 &
    spid=$!
    for i in $(seq 1 600); do
        grep -q "listening" "$work/server-$which.log" 2>/dev/null && break
        sleep 0.1
    done
    if ! grep -q "listening" "$work/server-$which.log" 2>/dev/null; then
        {
            echo "bench-ab: the $which server did not say it listens within 60 s; its state:"
            ps -o pid,stat,etime,args -p "$spid" | cut -c 1-160
            jstack "$spid" 2>&1 | head -n 40
        } >&2
    fi
    case "$sc" in
        echo64) args=(-c 100 -w 16 -s 64) ;;
        echo16k) args=(-c 50 -w 4 -s 16384) ;;
    esac
    timeout $((dur + 60)) taskset -c "$GEN_CPU" "$loadgen" --label "$which-$sc" --mode echo --port "$port" \
        "${args[@]}" -d "$dur" --warmup 2 2>/dev/null | grep '^RESULT ' | tail -n 1 || true
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    spid=""
}
kv() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }

declare -A R
for i in $(seq 1 "$runs"); do
    for which in old new; do
        for sc in echo64 echo16k; do
            port=$((port + 1)) # a fresh port per run (run_one runs in a subshell)
            line=$(run_one "$which" "$sc" "$port")
            if [ "$sc" = echo64 ]; then v=$(kv rt_per_s "$line"); else v=$(kv mb_per_s "$line"); fi
            [ -n "$v" ] || die "no result for $which $sc in run $i: $line; the server's log: $(tail -n 5 "$work/server-$which.log" 2>/dev/null)"
            R[$which-$sc-$i]=$v
            echo "run $i $which $sc: $v" >&2
        done
    done
done

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
m() { for i in $(seq 1 "$runs"); do echo "${R[$1-$i]}"; done | median; }
dirty=""
git -C "$root" diff --quiet || dirty=" + uncommitted changes"
echo "A/B $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: old $old_ref ($old_rev), new the working tree"
echo "($(git -C "$root" rev-parse --short HEAD)$dirty); echo example on CPU $SRV_CPU, loadgen on CPU $GEN_CPU"
echo "(one core each); ${dur} s per run after 2 s of warm-up, a fresh server per run."
echo
echo "| run | old: 64 B round trips/s | new: 64 B round trips/s | old: 16 KiB MB/s | new: 16 KiB MB/s |"
echo "|---|---:|---:|---:|---:|"
for i in $(seq 1 "$runs"); do
    echo "| $i | ${R[old-echo64-$i]} | ${R[new-echo64-$i]} | ${R[old-echo16k-$i]} | ${R[new-echo16k-$i]} |"
done
o64=$(m old-echo64); n64=$(m new-echo64); o16=$(m old-echo16k); n16=$(m new-echo16k)
echo "| median | $o64 | $n64 | $o16 | $n16 |"
awk -v a="$o64" -v b="$n64" -v c="$o16" -v d="$n16" \
    'BEGIN { printf "| new/old | | %.2f× | | %.2f× |\n", b / a, d / c }'
