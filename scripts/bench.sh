#!/usr/bin/env bash
# Usage: scripts/bench.sh [--quick] [--only NAMES] [--no-build] [--no-readme] [--reps N] [--duration S]
#                        [--service-threads N] [--generators K]
#
# Benchmarks lwsj against a plain C libwebsockets server, Netty, Jetty, Java-WebSocket, Undertow
# and a raw TCP echo (the loopback ceiling), with bench/loadgen as the client; over TLS
# (wss64, wss16k) lwsj against Netty with the JDK's TLS and with netty-tcnative (BoringSSL).
# See docs/benchmarks.md for what each scenario measures and how to read the tables.
#
#   --quick        1 s runs, one repetition, 2,000 idle connections on the already
#                  running server (about 2 minutes with everything built)
#   --only NAMES   comma-separated servers and/or scenarios to run:
#                    servers:   c-lws raw-tcp lwsj netty netty-tcnative jetty java-websocket undertow
#                    scenarios: echo64 echo16k broadcast idle latency wss64 wss16k
#   --no-build     use what bench/build and java/bench/target already hold
#   --no-readme    leave README.md alone (--quick always does)
#   --reps N       repetitions per scenario (default 3; --quick: 1)
#   --duration S   measured seconds per run (default 10; --quick: 1)
#   --service-threads N  lwsj's service threads (--service-threads of the echo example) and
#                  the JVM servers' worker threads (default 1); give them N cores with
#                  BENCH_SERVER_CPU (scripts/bench-scaling.sh does)
#   --generators K the echo scenarios (echo64, echo16k, wss64, wss16k) run K generator
#                  processes at once, one per CPU of BENCH_GEN_CPU, each with the
#                  scenario's connections (K times the load); rates are summed,
#                  percentiles are the worst generator's (default 1)
#
# Servers run pinned to CPU $BENCH_SERVER_CPU (0), the generator to $BENCH_GEN_CPU (1); both
# take taskset lists (0-3, 4,5).
# Results: bench/results/results-<date>.md (--quick: quick-<date>.md, not committed) plus
# the raw per-run lines next to it (.tsv); the summary table also goes into README.md
# between <!-- bench:start --> and <!-- bench:end --> when both markers are there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ALL_SERVERS="c-lws raw-tcp lwsj netty netty-tcnative jetty java-websocket undertow"
ALL_SCENARIOS="echo64 echo16k broadcast idle latency wss64 wss16k"
JVM_SERVERS=" lwsj netty netty-tcnative jetty java-websocket undertow "
# the servers of the wss scenarios; netty-tcnative (Netty with BoringSSL) runs only those
TLS_SERVERS=" lwsj netty netty-tcnative "

quick=0
SVC_THREADS=1
GENS=1
only=""
do_build=1
do_readme=1
reps=""
duration=""

die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
usage() { sed -n '2,33s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; do_readme=0 ;;  # a smoke test: README keeps the measured table
        --only) [ $# -ge 2 ] || die "--only needs a value"; only=$2; shift ;;
        --only=*) only=${1#--only=} ;;
        --no-build) do_build=0 ;;
        --no-readme) do_readme=0 ;;
        --reps) [ $# -ge 2 ] || die "--reps needs a value"; reps=$2; shift ;;
        --duration) [ $# -ge 2 ] || die "--duration needs a value"; duration=$2; shift ;;
        --service-threads) [ $# -ge 2 ] || die "--service-threads needs a value"; SVC_THREADS=$2; shift ;;
        --generators) [ $# -ge 2 ] || die "--generators needs a value"; GENS=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- settings -------------------------------------------------------------------------
if [ "$quick" = 1 ]; then
    # short runs; the idle scenario reuses the server the other scenarios warmed up
    DUR=${duration:-1}; WARM=0.3; REPS=${reps:-1}; IDLE_N=2000; CONN_WARM=0; IDLE_FRESH=0
else
    DUR=${duration:-10}; WARM=2; REPS=${reps:-3}; IDLE_N=10000; CONN_WARM=3; IDLE_FRESH=1
fi
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
[[ "$DUR" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--duration must be a number of seconds"
[[ "$SVC_THREADS" =~ ^[1-9][0-9]*$ ]] || die "--service-threads must be a positive integer"
[[ "$GENS" =~ ^[1-9][0-9]*$ ]] || die "--generators must be a positive integer"
BCAST_N=1000
SRV_CPU=${BENCH_SERVER_CPU:-0}
GEN_CPU=${BENCH_GEN_CPU:-1}
# Every JVM server gets exactly these flags (lwsj through JAVA_OPTS of scripts/example.sh).
JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseG1GC -Xss512k"}
FALLBACK_RATE=${BENCH_LATENCY_RATE:-50000}

servers=""
scenarios=""
if [ -n "$only" ]; then
    for n in ${only//,/ }; do
        if [[ " $ALL_SERVERS " == *" $n "* ]]; then
            servers="$servers $n"
        elif [[ " $ALL_SCENARIOS " == *" $n "* ]]; then
            scenarios="$scenarios $n"
        else
            die "--only: unknown name '$n' (servers: $ALL_SERVERS; scenarios: $ALL_SCENARIOS)"
        fi
    done
fi
[ -n "$servers" ] || servers=$ALL_SERVERS
[ -n "$scenarios" ] || scenarios=$ALL_SCENARIOS
# c-lws first: its echo figure sets the rate of the latency scenario.
ordered=""
for s in $ALL_SERVERS; do
    [[ " $servers " == *" $s "* ]] && ordered="$ordered $s"
done
wants() { [[ " $scenarios " == *" $1 "* ]]; }

for tool in taskset timeout awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
ncpu=$(nproc)
taskset -c "$SRV_CPU" true 2>/dev/null && taskset -c "$GEN_CPU" true 2>/dev/null ||
    die "need CPUs $SRV_CPU and $GEN_CPU (this machine has $ncpu); set BENCH_SERVER_CPU / BENCH_GEN_CPU"
# the generator CPUs one by one (taskset list syntax: 1, 2-3, 4,6)
gen_cpus=()
for part in ${GEN_CPU//,/ }; do
    if [[ "$part" == *-* ]]; then
        for c in $(seq "${part%-*}" "${part#*-}"); do gen_cpus+=("$c"); done
    else
        gen_cpus+=("$part")
    fi
done
[ "$GENS" -le "${#gen_cpus[@]}" ] || die "--generators $GENS needs as many CPUs in BENCH_GEN_CPU ($GEN_CPU)"

stamp=$(date +%Y%m%d-%H%M%S)
build_dir=$root/bench/build
run_dir=$build_dir/runs/$stamp
results_dir=$root/bench/results
mkdir -p "$run_dir" "$results_dir"
if [ "$quick" = 1 ]; then
    report=$results_dir/quick-$stamp.md
else
    report=$results_dir/results-$stamp.md
fi
tsv=${report%.md}.tsv
: >"$tsv"
loadgen=$build_dir/loadgen
jar=$root/java/bench/target/lwsj-bench.jar
clk_tck=$(getconf CLK_TCK)

# ---- cleanup: stop only what this script started --------------------------------------
SPID=""
GPID=""
cleanup() {
    if [ -n "$GPID" ] && kill -0 "$GPID" 2>/dev/null; then kill -TERM "$GPID" 2>/dev/null || true; fi
    if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
        kill -TERM "$SPID" 2>/dev/null || true
        sleep 1
        kill -KILL "$SPID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ------------------------------------------------------------------------------
declare -A UNAVAILABLE=()
if [ "$do_build" = 1 ]; then
    log "building bench/ (cmake; the first build also builds libwebsockets)"
    if ! { cmake -S bench -B "$build_dir" -DCMAKE_BUILD_TYPE=Release &&
           cmake --build "$build_dir" -j "$ncpu"; } >"$run_dir/cmake.log" 2>&1; then
        tail -n 30 "$run_dir/cmake.log" >&2
        die "cmake build of bench/ failed (log: $run_dir/cmake.log)"
    fi
    if [[ " $ordered " =~ \ (netty|netty-tcnative|jetty|java-websocket|undertow)\  ]]; then
        log "building java/bench (mvn package)"
        if ! mvn -q -B -f java/bench/pom.xml -DskipTests package >"$run_dir/mvn.log" 2>&1; then
            tail -n 30 "$run_dir/mvn.log" >&2
            log "java/bench did not build; the JVM comparison servers are skipped"
        fi
    fi
fi
[ -x "$loadgen" ] || die "no $loadgen; run without --no-build"

available() {
    case "$1" in
        c-lws) [ -x "$build_dir/c-lws-server" ] || { echo "bench/build/c-lws-server not built"; return 1; } ;;
        raw-tcp) [ -x "$build_dir/raw-tcp-echo" ] || { echo "bench/build/raw-tcp-echo not built"; return 1; } ;;
        lwsj) [ -x "$root/scripts/example.sh" ] || { echo "scripts/example.sh not available"; return 1; } ;;
        netty|netty-tcnative|jetty|java-websocket|undertow) [ -f "$jar" ] || { echo "java/bench did not build"; return 1; } ;;
    esac
    return 0
}

# ---- servers ----------------------------------------------------------------------------
port=$((20000 + RANDOM % 20000))
port_busy() { # port: true if something listens there or a socket still uses it
    if command -v ss >/dev/null 2>&1; then
        ss -Htan "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
next_port() {
    local p=$((port + 1)) guard
    for guard in $(seq 1 200); do
        port_busy "$p" || break
        p=$((p + 1))
    done
    port=$p
}

declare -A VERSIONS=()
MPID=""   # the process that listens (whose memory and CPU we read)

start_server() { # name port log [tls]
    local name=$1 p=$2 slog=$3 tls=${4:-} tmo=60 i
    local lwsj_tls=() netty_tls=()
    if [ -n "$tls" ]; then
        lwsj_tls=(--tls-cert "$TLS_CERT" --tls-key "$TLS_KEY")
        netty_tls=(--tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-provider jdk)
    fi
    case "$name" in
        c-lws) taskset -c "$SRV_CPU" "$build_dir/c-lws-server" --port "$p" >"$slog" 2>&1 & ;;
        raw-tcp) taskset -c "$SRV_CPU" "$build_dir/raw-tcp-echo" --port "$p" >"$slog" 2>&1 & ;;
        lwsj)
            tmo=900 # the first start may build lwsj
            JAVA_OPTS="$JVM_FLAGS" taskset -c "$SRV_CPU" "$root/scripts/example.sh" echo --port "$p" \
                --service-threads "$SVC_THREADS" "${lwsj_tls[@]}" >"$slog" 2>&1 & ;;
        netty) taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$jar" io.lwsj.bench.NettyServer --port "$p" \
            --threads "$SVC_THREADS" "${netty_tls[@]}" >"$slog" 2>&1 & ;;
        netty-tcnative) taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$jar" io.lwsj.bench.NettyServer --port "$p" \
            --threads "$SVC_THREADS" --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-provider openssl >"$slog" 2>&1 & ;;
        jetty) taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$jar" io.lwsj.bench.JettyServer --port "$p" \
            --threads "$SVC_THREADS" >"$slog" 2>&1 & ;;
        java-websocket) taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$jar" io.lwsj.bench.JavaWebSocketServer --port "$p" \
            --threads "$SVC_THREADS" >"$slog" 2>&1 & ;;
        undertow) taskset -c "$SRV_CPU" java $JVM_FLAGS -cp "$jar" io.lwsj.bench.UndertowServer --port "$p" \
            --threads "$SVC_THREADS" >"$slog" 2>&1 & ;;
        *) die "unknown server $name" ;;
    esac
    SPID=$!
    for i in $(seq 1 $((tmo * 10))); do
        if grep -q listening "$slog" 2>/dev/null; then
            break
        fi
        if ! kill -0 "$SPID" 2>/dev/null; then
            log "$name exited before it was ready; last lines of $slog:"
            tail -n 15 "$slog" >&2
            SPID=""
            return 1
        fi
        sleep 0.1
    done
    if ! grep -q listening "$slog"; then
        log "$name not ready after ${tmo}s"
        stop_server
        return 1
    fi
    # every launcher execs its server, so $! is the server; ss confirms it when present
    MPID=""
    if command -v ss >/dev/null 2>&1; then
        MPID=$(ss -Hltnp "sport = :$p" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
    fi
    [ -n "$MPID" ] || MPID=$SPID
    if [ -z "${VERSIONS[$name]:-}" ]; then
        VERSIONS[$name]=$(server_version "$name" "$slog")
    fi
    return 0
}

server_version() { # name log
    local line
    line=$(grep -m1 listening "$2")
    case "$1" in
        c-lws) sed -n 's/.*libwebsockets \([^ ]*\) listening.*/libwebsockets \1/p' <<<"$line" ;;
        raw-tcp) echo "epoll, $(uname -r)" ;;
        lwsj)
            local v
            v=$(awk '/<artifactId>lwsj-parent<\/artifactId>/{f=1} f&&/<version>/{gsub(/.*<version>|<\/version>.*/,"");print;exit}' "$root/pom.xml")
            echo "lwsj ${v:-?} ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')), libwebsockets $(sed -n 's/^LWS_VERSION=//p' "$root/cmake/libwebsockets.version" 2>/dev/null)" ;;
        netty|netty-tcnative) sed -n 's/^netty \([^ ]*\) \(epoll[^ ]*\)\(.*\) listening.*/Netty \1 (\2\3)/p' <<<"$line" ;;
        jetty) sed -n 's/^jetty \([^ ]*\) listening.*/Jetty \1/p' <<<"$line" ;;
        java-websocket) sed -n 's/^java-websocket \([^ ]*\) listening.*/Java-WebSocket \1/p' <<<"$line" ;;
        undertow) sed -n 's/^undertow \([^ ]*\) listening.*/Undertow \1/p' <<<"$line" ;;
    esac
}

stop_server() {
    local i
    [ -n "$SPID" ] || return 0
    kill -TERM "$SPID" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SPID" 2>/dev/null || true
    wait "$SPID" 2>/dev/null || true
    SPID=""
    MPID=""
}

cpu_ticks() { # pid -> user+system clock ticks
    [ -r "/proc/$1/stat" ] || { echo 0; return; }
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
heap_used_kib() { # pid -> KiB used after a full GC (JVM only)
    jcmd "$1" GC.run >/dev/null 2>&1 || true
    sleep 0.5
    jcmd "$1" GC.heap_info 2>/dev/null | awk '
        /total/ && /used/ {
            for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); break }
            gsub(/,/, "", v)
            m = 1
            if (v ~ /M$/) m = 1024; else if (v ~ /G$/) m = 1048576
            gsub(/[^0-9]/, "", v)
            print v * m
            exit
        }'
}
kv() { # key line
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2" | head -n 1
}
record() { # server scenario rep kv...
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tsv"
}

# ---- running the generator ------------------------------------------------------------
# gen LABEL ARGS... : runs loadgen pinned, records nothing; sets RES (the RESULT line)
RES=""
gen() {
    local label=$1 out err t0 t1 c0 c1 tmo
    shift
    out=$run_dir/$label.out
    err=$run_dir/$label.err
    tmo=$(awk -v d="$DUR" -v w="$WARM" 'BEGIN { printf "%d", d + w + 90 }')
    c0=$(cpu_ticks "$MPID")
    t0=$(date +%s.%N)
    timeout --signal=TERM "$tmo" taskset -c "$GEN_CPU" "$loadgen" --label "$label" "$@" >"$out" 2>"$err" || true
    t1=$(date +%s.%N)
    c1=$(cpu_ticks "$MPID")
    sed 's/^/    /' "$err" >&2
    RES=$(grep '^RESULT ' "$out" | tail -n 1 | sed 's/^RESULT //')
    finish_gen "$label" "$c0" "$c1" "$t0" "$t1"
}

# gen_many LABEL ARGS...: as gen, with GENS generator processes at once, one per CPU of
# BENCH_GEN_CPU; RES sums their rates and counts and keeps the worst percentiles
gen_many() {
    local label=$1 t0 t1 c0 c1 tmo i pids=()
    shift
    if [ "$GENS" = 1 ]; then
        gen "$label" "$@"
        return
    fi
    tmo=$(awk -v d="$DUR" -v w="$WARM" 'BEGIN { printf "%d", d + w + 90 }')
    c0=$(cpu_ticks "$MPID")
    t0=$(date +%s.%N)
    for i in $(seq 0 $((GENS - 1))); do
        timeout --signal=TERM "$tmo" taskset -c "${gen_cpus[$i]}" "$loadgen" --label "$label-g$i" "$@" \
            >"$run_dir/$label-g$i.out" 2>"$run_dir/$label-g$i.err" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || true; done
    t1=$(date +%s.%N)
    c1=$(cpu_ticks "$MPID")
    cat "$run_dir/$label"-g*.err | sed 's/^/    /' >&2
    RES=$(cat "$run_dir/$label"-g*.out | grep '^RESULT ' | sed 's/^RESULT //' | awk -v k="$GENS" '
        {
            n++
            for (i = 1; i <= NF; i++) {
                eq = index($i, "="); key = substr($i, 1, eq - 1); v = substr($i, eq + 1)
                if (!(key in first)) { first[key] = v; order[++m] = key }
                if (key ~ /(_per_s|^msgs|^bytes|^errors|^dropped|^deliveries|^gen_cpu_pct|^gen_reads|^gen_writes|^gen_waits|^open|^failed)$/) sum[key] += v
                else if (key ~ /^p[0-9]+_us$|^max_us$/) { if (v + 0 > mx[key]) mx[key] = v + 0 }
            }
        }
        END {
            if (n < k) printf "status=failed first_error=%d_of_%d_generators_reported ", k - n, k
            for (j = 1; j <= m; j++) {
                key = order[j]
                if (key in sum) printf "%s=%s ", key, sum[key]
                else if (key in mx) printf "%s=%s ", key, mx[key]
                else printf "%s=%s ", key, first[key]
            }
            printf "generators=%d", k
        }')
    finish_gen "$label" "$c0" "$c1" "$t0" "$t1"
}

finish_gen() { # label c0 c1 t0 t1: RES gets the server's CPU use over the run
    local label=$1 c0=$2 c1=$3 t0=$4 t1=$5
    [ -n "$RES" ] || RES="status=failed first_error=no_result_(see_$label.err)"
    local srv_pct
    srv_pct=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$clk_tck" \
        'BEGIN { w = t1 - t0; printf "%.1f", (w > 0 ? 100 * (b - a) / hz / w : 0) }')
    RES="$RES server_cpu_pct=$srv_pct"
}

checked() { # scenario: adds status=failed when the run did not do what it should
    local st errs bad
    st=$(kv status "$RES")
    [ -n "$st" ] && return 0
    errs=$(kv errors "$RES"); bad=$(kv bad "$RES")
    if [ "${errs:-0}" != 0 ] || [ "${bad:-0}" != 0 ]; then
        RES="$RES status=errors"
    fi
    case "$1" in
        broadcast)
            if [ "$(awk -v v="$(kv deliveries "$RES")" 'BEGIN{print (v+0 > 0)}')" != 1 ]; then
                RES="$RES status=failed"
            fi ;;
        echo64|echo16k|latency|wss64|wss16k)
            if [ "$(awk -v v="$(kv msgs "$RES")" 'BEGIN{print (v+0 > 0)}')" != 1 ]; then
                RES="$RES status=failed"
            fi ;;
    esac
}

# run_scenario SERVER SCENARIO REP
run_scenario() {
    local s=$1 sc=$2 rep=$3 mode=echo label="$1-$2-$3"
    [ "$s" = raw-tcp ] && mode=raw
    case "$sc" in
        echo64) gen_many "$label" --mode "$mode" --port "$port" -c 100 -w 16 -s 64 -d "$DUR" --warmup "$WARM" ;;
        echo16k) gen_many "$label" --mode "$mode" --port "$port" -c 50 -w 4 -s 16384 -d "$DUR" --warmup "$WARM" ;;
        wss64) gen_many "$label" --mode echo --tls --port "$port" -c 100 -w 16 -s 64 -d "$DUR" --warmup "$WARM" ;;
        wss16k) gen_many "$label" --mode echo --tls --port "$port" -c 50 -w 4 -s 16384 -d "$DUR" --warmup "$WARM" ;;
        broadcast) gen "$label" --mode fanout --port "$port" -c "$BCAST_N" -w 32 -s 64 -d "$DUR" --warmup "$WARM" ;;
        latency) gen "$label" --mode "$mode" --port "$port" -c 100 -w 16 -s 64 --rate "$LAT_RATE" -d "$DUR" --warmup "$WARM" ;;
    esac
    checked "$sc"
    record "$s" "$sc" "$rep" "$RES"
}

# idle: (a fresh server and a warm-up of handshakes,) memory before, N idle connections,
# memory after. With IDLE_FRESH=0 it uses the server that is running.
run_idle() { # server rep
    local s=$1 rep=$2 label="$1-idle-$2" slog rss0 rss1 heap0="" heap1="" i out err
    if [ "$IDLE_FRESH" = 1 ]; then
        next_port
        slog=$run_dir/$label.server.log
        if ! start_server "$s" "$port" "$slog"; then
            record "$s" idle "$rep" "status=failed first_error=server_did_not_start"
            return
        fi
    fi
    if [ "$CONN_WARM" != 0 ]; then
        timeout 60 taskset -c "$GEN_CPU" "$loadgen" --mode connect --port "$port" -d "$CONN_WARM" \
            --label "$label-warm" >"$run_dir/$label-warm.out" 2>"$run_dir/$label-warm.err" || true
    fi
    sleep 1
    if [[ "$JVM_SERVERS" == *" $s "* ]]; then heap0=$(heap_used_kib "$MPID"); fi
    rss0=$(rss_kib "$MPID")
    out=$run_dir/$label.out
    err=$run_dir/$label.err
    local c0 t0
    c0=$(cpu_ticks "$MPID")
    t0=$(date +%s.%N)
    taskset -c "$GEN_CPU" "$loadgen" --mode idle --port "$port" -c "$IDLE_N" --src-addrs 4 \
        --hold 600 --label "$label" >"$out" 2>"$err" &
    GPID=$!
    for i in $(seq 1 1200); do
        grep -q '^READY' "$out" 2>/dev/null && break
        kill -0 "$GPID" 2>/dev/null || break
        sleep 0.1
    done
    local ready=0
    grep -q '^READY' "$out" 2>/dev/null && ready=1
    local srv_pct
    srv_pct=$(awk -v a="$c0" -v b="$(cpu_ticks "$MPID")" -v t0="$t0" -v t1="$(date +%s.%N)" -v hz="$clk_tck" \
        'BEGIN { w = t1 - t0; printf "%.1f", (w > 0 ? 100 * (b - a) / hz / w : 0) }')
    if [ "$ready" = 1 ]; then
        sleep 1
        if [[ "$JVM_SERVERS" == *" $s "* ]]; then heap1=$(heap_used_kib "$MPID"); fi
        rss1=$(rss_kib "$MPID")
    fi
    kill -USR1 "$GPID" 2>/dev/null || true
    for i in $(seq 1 300); do
        kill -0 "$GPID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$GPID" 2>/dev/null || true
    wait "$GPID" 2>/dev/null || true
    GPID=""
    sed 's/^/    /' "$err" >&2
    RES=$(grep '^RESULT ' "$out" | tail -n 1 | sed 's/^RESULT //')
    if [ "$ready" != 1 ] || [ -z "$RES" ]; then
        record "$s" idle "$rep" "status=failed first_error=idle_connections_did_not_open ${RES}"
        [ "$IDLE_FRESH" = 0 ] || stop_server
        return
    fi
    local open extra
    open=$(kv open "$RES")
    extra=$(awk -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v n="$open" 'BEGIN {
        printf "rss_before_kib=%d rss_after_kib=%d rss_per_conn_kib=%.3f", r0, r1, (n > 0 ? (r1 - r0) / n : 0)
        if (h0 != "" && h1 != "") printf " heap_before_kib=%d heap_after_kib=%d heap_per_conn_kib=%.3f", h0, h1, (n > 0 ? (h1 - h0) / n : 0)
    }')
    RES="$RES $extra server_cpu_pct=$srv_pct"
    local failed
    failed=$(kv failed "$RES")
    [ "${failed:-0}" = 0 ] || RES="$RES status=errors"
    record "$s" idle "$rep" "$RES"
    [ "$IDLE_FRESH" = 0 ] || stop_server
}

# wss64, wss16k: a server of its own with TLS (TLS_SERVERS only; n/a for the others)
TLS_CERT=$run_dir/tls-cert.pem
TLS_KEY=$run_dir/tls-key.pem
run_wss() { # server
    local s=$1 sc rep wss=""
    for sc in wss64 wss16k; do
        wants "$sc" || continue
        if [[ "$TLS_SERVERS" != *" $s "* ]]; then
            record "$s" "$sc" 0 "status=na"
        else
            wss="$wss $sc"
        fi
    done
    [ -n "$wss" ] || return 0
    if [ ! -s "$TLS_CERT" ] && ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
            -keyout "$TLS_KEY" -out "$TLS_CERT" >"$run_dir/openssl.log" 2>&1; then
        for sc in $wss; do record "$s" "$sc" 0 "status=failed first_error=no_certificate_(openssl)"; done
        return 0
    fi
    next_port
    log "$s: starting with TLS (port $port, CPU $SRV_CPU)"
    if ! start_server "$s" "$port" "$run_dir/$s-tls.server.log" tls; then
        for sc in $wss; do record "$s" "$sc" 0 "status=failed first_error=server_did_not_start"; done
        return 0
    fi
    log "$s: ${VERSIONS[$s]:-}"
    for sc in $wss; do
        for rep in $(seq 1 "$REPS"); do
            if ! kill -0 "$SPID" 2>/dev/null; then
                record "$s" "$sc" "$rep" "status=failed first_error=server_exited"
                continue
            fi
            log "$s: $sc run $rep/$REPS"
            run_scenario "$s" "$sc" "$rep"
        done
    done
    stop_server
}

# ---- the runs ---------------------------------------------------------------------------
bench_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
LAT_RATE=""
LAT_RATE_NOTE=""
set_latency_rate_from() { # echo64 RESULT lines of c-lws already recorded
    local med
    med=$(awk -F'\t' '$1 == "c-lws" && $2 == "echo64" && $4 !~ /status=failed/ {
            n = split($4, kv, " ")
            for (i = 1; i <= n; i++) if (kv[i] ~ /^rt_per_s=/) { v[++m] = substr(kv[i], 10) + 0 }
        } END {
            if (!m) exit
            for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
            printf "%.0f", (m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2)
        }' "$tsv")
    if [ -n "$med" ] && [ "$med" -gt 0 ]; then
        LAT_RATE=$((med / 2))
        LAT_RATE_NOTE="half of the C lws server's median 64 B echo throughput in this run ($med round trips/s)"
    fi
}

if wants latency && [[ " $ordered " != *" c-lws "* ]] && available c-lws >/dev/null; then
    log "calibrating the latency rate against c-lws (64 B echo, one run)"
    next_port
    if start_server c-lws "$port" "$run_dir/calibrate.server.log"; then
        run_scenario c-lws echo64 calibrate
        stop_server
        set_latency_rate_from
        # the calibration run is not a result of this selection
        awk -F'\t' '!($1 == "c-lws" && $3 == "calibrate")' "$tsv" >"$tsv.tmp" && mv "$tsv.tmp" "$tsv"
    fi
fi

for s in $ordered; do
    if ! why=$(available "$s"); then
        log "$s: not available ($why)"
        record "$s" - 0 "status=unavailable first_error=${why// /_}"
        continue
    fi
    runnable=""
    for sc in echo64 echo16k broadcast latency; do
        wants "$sc" || continue
        if [ "$s" = netty-tcnative ] || { [ "$s" = raw-tcp ] && [ "$sc" = broadcast ]; }; then
            record "$s" "$sc" 0 "status=na"
            continue
        fi
        runnable="$runnable $sc"
    done
    idle_here=0
    if wants idle; then
        if [ "$s" = raw-tcp ] || [ "$s" = netty-tcnative ]; then
            record "$s" idle 0 "status=na"
        else
            idle_here=1
        fi
    fi
    if [ -n "$runnable" ] || { [ "$idle_here" = 1 ] && [ "$IDLE_FRESH" = 0 ]; }; then
        next_port
        log "$s: starting (port $port, CPU $SRV_CPU)"
        if ! start_server "$s" "$port" "$run_dir/$s.server.log"; then
            for sc in $runnable; do record "$s" "$sc" 0 "status=failed first_error=server_did_not_start"; done
            [ "$IDLE_FRESH" = 1 ] || { [ "$idle_here" = 0 ] || record "$s" idle 0 "status=failed first_error=server_did_not_start"; idle_here=0; }
        else
            log "$s: ${VERSIONS[$s]:-}"
            for sc in $runnable; do
                if [ "$sc" = latency ] && [ -z "$LAT_RATE" ]; then
                    LAT_RATE=$FALLBACK_RATE
                    LAT_RATE_NOTE="a fixed $FALLBACK_RATE messages/s (the C lws server was not measured in this run)"
                fi
                for rep in $(seq 1 "$REPS"); do
                    if ! kill -0 "$SPID" 2>/dev/null; then
                        record "$s" "$sc" "$rep" "status=failed first_error=server_exited"
                        continue
                    fi
                    if [ "$sc" = latency ]; then
                        log "$s: $sc run $rep/$REPS at $LAT_RATE messages/s"
                    else
                        log "$s: $sc run $rep/$REPS"
                    fi
                    run_scenario "$s" "$sc" "$rep"
                done
                if [ "$s" = c-lws ] && [ "$sc" = echo64 ]; then
                    set_latency_rate_from
                fi
            done
            if [ "$idle_here" = 1 ] && [ "$IDLE_FRESH" = 0 ]; then
                for rep in $(seq 1 "$REPS"); do
                    log "$s: idle run $rep/$REPS ($IDLE_N connections on the running server)"
                    run_idle "$s" "$rep"
                done
            fi
            stop_server
        fi
    fi
    if [ "$idle_here" = 1 ] && [ "$IDLE_FRESH" = 1 ]; then
        for rep in $(seq 1 "$REPS"); do
            log "$s: idle run $rep/$REPS ($IDLE_N connections, fresh server)"
            run_idle "$s" "$rep"
        done
    fi
    run_wss "$s"
done
bench_secs=$(( $(date +%s) - bench_start ))

# ---- the report -------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
java_version=$(java -version 2>&1 | head -n 1 | sed 's/"//g')
java_runtime=$(java -version 2>&1 | sed -n 2p)
versions=""
for s in $ALL_SERVERS; do
    [ -n "${VERSIONS[$s]:-}" ] && versions="$versions$s=${VERSIONS[$s]}|"
done

make_report() { # mode: full | summary
    awk -F'\t' -v mode="$1" -v order="$ordered" -v versions="$versions" -v tls_servers="$TLS_SERVERS" \
        -v lat_rate="${LAT_RATE:-0}" -v idle_n="$IDLE_N" -v idle_fresh="$IDLE_FRESH" -v bcast_n="$BCAST_N" -v reps="$REPS" '
    function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
    {
        srv = $1; sc = $2; line = $4
        st = ""; nf = split(line, kvs, " ")
        for (i = 1; i <= nf; i++) if (kvs[i] ~ /^status=/) st = substr(kvs[i], 8)
        for (i = 1; i <= nf; i++) if (kvs[i] ~ /^first_error=/) why[srv, sc] = substr(kvs[i], 13)
        if (sc == "-") { unavailable[srv] = why[srv, sc]; next }
        if (st == "na") { na[srv, sc] = 1; next }
        if (st == "failed") { failed[srv, sc]++; next }
        if (st == "errors") errs[srv, sc]++
        runs[srv, sc]++
        for (i = 1; i <= nf; i++) {
            eq = index(kvs[i], "=")
            if (eq) add(srv SUBSEP sc SUBSEP substr(kvs[i], 1, eq - 1), substr(kvs[i], eq + 1))
        }
    }
    function stat(srv, sc, k, which,    key, m, i, j, x, a) {
        key = srv SUBSEP sc SUBSEP k; m = cnt[key]
        if (!m) return ""
        for (i = 1; i <= m; i++) a[i] = val[key, i] + 0
        for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        if (which == "min") return a[1]
        if (which == "max") return a[m]
        return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function rate(x) {
        if (x == "") return ""
        if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
        if (x >= 1e4) return sprintf("%.0f k", x / 1e3)
        return sprintf("%.0f", x)
    }
    function num(x, d) { return x == "" ? "" : sprintf("%." d "f", x) }
    function lat(us) {
        if (us == "") return ""
        if (us >= 1000) return sprintf("%.2f ms", us / 1000)
        return sprintf("%.0f µs", us)
    }
    function kib(x) {
        if (x == "") return ""
        if (x < 0) return sprintf("%.1f KiB", x)
        return x >= 100 ? sprintf("%.0f KiB", x) : sprintf("%.1f KiB", x)
    }
    function pct(x) { return x == "" ? "" : sprintf("%.0f%%", x) }
    function commas(n,    s) { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s); return s }
    function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : sprintf("%.2f×", a / b) }
    function spread(srv, sc, k, f,    lo, hi) {
        if (runs[srv, sc] < 2) return ""
        lo = stat(srv, sc, k, "min"); hi = stat(srv, sc, k, "max")
        if (f == "rate") return " (" rate(lo) "–" rate(hi) ")"
        if (f == "lat") return " (" lat(lo) "–" lat(hi) ")"
        if (f == "kib") return " (" num(lo, 1) "–" num(hi, 1) ")"
        return " (" num(lo, 1) "–" num(hi, 1) ")"
    }
    # why a cell is empty
    function missing(srv, sc) {
        if (srv in unavailable) return "not available"
        if ((srv, sc) in na) return "n/a"
        if ((srv, sc) in failed) return "failed (" why[srv, sc] ")"
        return "–"
    }
    function cell(srv, sc, k, f,    m, s) {
        m = stat(srv, sc, k, "med")
        if (m == "" || !runs[srv, sc]) return missing(srv, sc)
        if (f == "rate") s = rate(m); else if (f == "lat") s = lat(m); else if (f == "kib") s = kib(m); else s = num(m, 1)
        if ((srv, sc) in errs) s = s " ⚠"
        return s
    }
    function med(srv, sc, k) { return runs[srv, sc] ? stat(srv, sc, k, "med") : "" }
    function ver(srv,    n, i, p, a) {
        n = split(versions, a, "|")
        for (i = 1; i <= n; i++) { p = index(a[i], "="); if (substr(a[i], 1, p - 1) == srv) return substr(a[i], p + 1) }
        return ""
    }
    function label(srv) {
        if (srv == "c-lws") return "C libwebsockets (plain)"
        if (srv == "raw-tcp") return "raw TCP echo (ceiling)"
        if (srv == "lwsj") return "**lwsj**"
        if (srv == "netty") return "Netty"
        if (srv == "netty-tcnative") return "Netty + netty-tcnative"
        if (srv == "jetty") return "Jetty"
        if (srv == "java-websocket") return "Java-WebSocket"
        if (srv == "undertow") return "Undertow"
        return srv
    }
    # the wss scenarios: rows for the TLS servers, ratios against Netty with BoringSSL
    function tls_label(srv) {
        if (srv == "lwsj") return "**lwsj** (OpenSSL, static)"
        if (srv == "netty") return "Netty, JDK TLS"
        if (srv == "netty-tcnative") return "Netty, netty-tcnative (BoringSSL)"
        return label(srv)
    }
    function cpu_per_rt(srv, sc,    c, r) {
        c = med(srv, sc, "server_cpu_pct"); r = med(srv, sc, "rt_per_s")
        return (c == "" || r == "" || r + 0 == 0) ? "" : sprintf("%.1f µs", c / 100 * 1e6 / r)
    }
    # one row of the echo tables (ws and wss): a server in one scenario
    function echo_row(name, s, sc, load) {
        printf "| %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n", name, load,
            cell(s, sc, "rt_per_s", "rate"), spread(s, sc, "rt_per_s", "rate"),
            cell(s, sc, "mb_per_s", "num"), lat(med(s, sc, "p50_us")), lat(med(s, sc, "p99_us")),
            lat(med(s, sc, "p999_us")), pct(med(s, sc, "server_cpu_pct")), cpu_per_rt(s, sc),
            pct(med(s, sc, "gen_cpu_pct"))
    }
    function wss_table(    i, s, any) {
        for (i = 1; i <= ns; i++) if (runs[S[i], "wss64"] || runs[S[i], "wss16k"]) any = 1
        if (!any) return
        print ""
        print "| wss (TLS 1.3, AES-128-GCM) | Echo 64 B, round trips/s | ×tcnative | Server CPU per round trip | Echo 16 KiB, MB/s | ×tcnative | Server CPU per round trip |"
        print "|---|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]
            if (!index(tls_servers, " " s " ")) continue
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", tls_label(s),
                cell(s, "wss64", "rt_per_s", "rate"),
                ratio(med(s, "wss64", "rt_per_s"), med("netty-tcnative", "wss64", "rt_per_s")),
                cpu_per_rt(s, "wss64"),
                cell(s, "wss16k", "mb_per_s", "num"),
                ratio(med(s, "wss16k", "mb_per_s"), med("netty-tcnative", "wss16k", "mb_per_s")),
                cpu_per_rt(s, "wss16k")
        }
    }
    END {
        ns = split(order, S, " ")
        # summary table
        print "| Server | Echo 64 B, round trips/s | ×Netty | ×raw TCP | Echo 16 KiB, MB/s | ×Netty | Broadcast to " commas(bcast_n) ", deliveries/s | ×Netty | Idle RSS per connection | Handshakes/s (opening " commas(idle_n) ") | p99 at " (lat_rate > 0 ? rate(lat_rate) " msg/s" : "a fixed rate") " |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]
            if (s == "netty-tcnative") continue
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label(s),
                cell(s, "echo64", "rt_per_s", "rate"),
                ratio(med(s, "echo64", "rt_per_s"), med("netty", "echo64", "rt_per_s")),
                ratio(med(s, "echo64", "rt_per_s"), med("raw-tcp", "echo64", "rt_per_s")),
                cell(s, "echo16k", "mb_per_s", "num"),
                ratio(med(s, "echo16k", "mb_per_s"), med("netty", "echo16k", "mb_per_s")),
                cell(s, "broadcast", "deliveries_per_s", "rate"),
                ratio(med(s, "broadcast", "deliveries_per_s"), med("netty", "broadcast", "deliveries_per_s")),
                cell(s, "idle", "rss_per_conn_kib", "kib"),
                cell(s, "idle", "handshakes_per_s", "rate"),
                cell(s, "latency", "p99_us", "lat")
        }
        wss_table()
        if (mode == "summary") exit

        print ""
        print "Medians of " reps " run(s); (min–max) where there was more than one. ⚠: a run reported errors (see the .tsv and the run logs)."
        print "gen CPU is the load generator'"'"'s own CPU use during the measured interval; near 100% it, not the server, would be the limit."

        print ""
        print "## Echo"
        print ""
        print "| Server | Scenario | Round trips/s | MB/s | p50 | p99 | p99.9 | Server CPU | per round trip | gen CPU |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]
            if (s == "netty-tcnative") continue
            echo_row(label(s), s, "echo64", "64 B × 100 conns × 16")
            echo_row(label(s), s, "echo16k", "16 KiB × 50 conns × 4")
        }

        if (runs["lwsj", "wss64"] || runs["lwsj", "wss16k"] || runs["netty-tcnative", "wss64"] || runs["netty-tcnative", "wss16k"]) {
            print ""
            print "## wss echo (TLS 1.3, TLS_AES_128_GCM_SHA256 offered alone by the generator)"
            print ""
            print "| Server | Scenario | Round trips/s | MB/s | p50 | p99 | p99.9 | Server CPU | per round trip | gen CPU |"
            print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
            for (i = 1; i <= ns; i++) {
                s = S[i]
                if (!index(tls_servers, " " s " ")) continue
                echo_row(tls_label(s), s, "wss64", "64 B × 100 conns × 16")
                echo_row(tls_label(s), s, "wss16k", "16 KiB × 50 conns × 4")
            }
        }

        print ""
        print "## Broadcast (64 B to " commas(bcast_n) " receivers, 32 messages in flight)"
        print ""
        print "| Server | Deliveries/s | Messages/s | p50 | p99 | p99.9 | Lost | Server CPU | gen CPU |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]; sc = "broadcast"
            if (s == "netty-tcnative") continue
            printf "| %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n", label(s),
                cell(s, sc, "deliveries_per_s", "rate"), spread(s, sc, "deliveries_per_s", "rate"),
                rate(med(s, sc, "msgs_per_s")), lat(med(s, sc, "p50_us")), lat(med(s, sc, "p99_us")),
                lat(med(s, sc, "p999_us")), num(med(s, sc, "lost"), 0),
                pct(med(s, sc, "server_cpu_pct")), pct(med(s, sc, "gen_cpu_pct"))
        }

        print ""
        print "## Idle connections (" commas(idle_n) " per run, " (idle_fresh ? "fresh server each run)" : "on the server the other scenarios warmed up)")
        print ""
        print "| Server | RSS per connection | Heap per connection (after GC) | RSS before → after | Handshakes/s while opening | Handshake p99 | Server CPU | gen CPU |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]; sc = "idle"
            if (s == "netty-tcnative") continue
            hp = med(s, sc, "heap_per_conn_kib")
            printf "| %s | %s%s | %s | %s | %s%s | %s | %s | %s |\n", label(s),
                cell(s, sc, "rss_per_conn_kib", "kib"), spread(s, sc, "rss_per_conn_kib", "kib"),
                (hp == "" ? (runs[s, sc] ? "n/a (not a JVM)" : "") : kib(hp)),
                (runs[s, sc] ? sprintf("%.0f → %.0f MiB", med(s, sc, "rss_before_kib") / 1024, med(s, sc, "rss_after_kib") / 1024) : ""),
                cell(s, sc, "handshakes_per_s", "rate"), spread(s, sc, "handshakes_per_s", "rate"),
                lat(med(s, sc, "hs_p99_us")),
                pct(med(s, sc, "server_cpu_pct")), pct(med(s, sc, "gen_cpu_pct"))
        }

        print ""
        print "## Latency at a fixed rate (64 B, 100 connections, " rate(lat_rate) " messages/s in total)"
        print ""
        print "| Server | Achieved round trips/s | p50 | p90 | p99 | p99.9 | max | Sent late (>1 ms) | Server CPU | gen CPU | of which polling |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = S[i]; sc = "latency"
            if (s == "netty-tcnative") continue
            printf "| %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %s |\n", label(s),
                cell(s, sc, "rt_per_s", "rate"), lat(med(s, sc, "p50_us")), lat(med(s, sc, "p90_us")),
                cell(s, sc, "p99_us", "lat"), spread(s, sc, "p99_us", "lat"), lat(med(s, sc, "p999_us")),
                lat(med(s, sc, "max_us")), num(med(s, sc, "late"), 0),
                pct(med(s, sc, "server_cpu_pct")), pct(med(s, sc, "gen_cpu_pct")), pct(med(s, sc, "gen_spin_pct"))
        }

        print ""
        print "## Versions"
        print ""
        for (i = 1; i <= ns; i++) {
            s = S[i]
            printf "- %s: %s\n", label(s), (ver(s) != "" ? ver(s) : (s in unavailable ? "not available (" unavailable[s] ")" : "not started"))
        }
    }' "$tsv"
}

{
    echo "# lwsj benchmarks, $(date '+%Y-%m-%d %H:%M')$([ "$quick" = 1 ] && echo ' (quick run)')"
    echo
    echo "Produced by \`scripts/bench.sh$([ "$quick" = 1 ] && echo ' --quick')${only:+ --only $only}\`; method and caveats in [docs/benchmarks.md](../../docs/benchmarks.md)."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $cpu_model, $ncpu cores (server pinned to CPU $SRV_CPU, generator to CPU $GEN_CPU)"
    echo "- Server threads: $SVC_THREADS (lwsj's service threads, the JVM servers' workers; the C lws server has one); generator processes in the echo scenarios: $GENS"
    echo "- Kernel: $(uname -sr)"
    echo "- JDK: $java_version; $java_runtime"
    echo "- JVM flags (every JVM server): \`$JVM_FLAGS\`"
    echo "- Load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Runs: $REPS per scenario, ${DUR} s measured after ${WARM} s warm-up; $bench_secs s in all"
    echo "- Fixed-rate latency scenario: ${LAT_RATE:-not run} messages/s${LAT_RATE_NOTE:+, $LAT_RATE_NOTE}"
    echo
    echo "## Summary"
    echo
    make_report full
    echo
    echo "Per-run figures: [$(basename "$tsv")]($(basename "$tsv")); logs of this run: \`bench/build/runs/$stamp/\` (not committed)."
} >"$report"
log "report: ${report#"$root"/}"

# ---- README -------------------------------------------------------------------------------
readme=${BENCH_README:-$root/README.md}  # the override is for testing this step
if [ "$do_readme" = 1 ] && [ -f "$readme" ] && grep -q '<!-- bench:start -->' "$readme" && grep -q '<!-- bench:end -->' "$readme"; then
    block=$run_dir/readme-block.md
    {
        echo
        echo "Measured $(date +%Y-%m-%d) on $cpu_model, $ncpu cores, Linux $(uname -r), $java_version; the server on CPU $SRV_CPU with $SVC_THREADS thread(s), the load generator on CPU $GEN_CPU. Medians of $REPS runs; details in [$(basename "$report")](bench/results/$(basename "$report")), method and caveats in [docs/benchmarks.md](docs/benchmarks.md)."
        echo
        make_report summary
        echo
    } >"$block"
    awk -v blockfile="$block" '
        /<!-- bench:start -->/ { print; while ((getline l < blockfile) > 0) print l; skip = 1; next }
        /<!-- bench:end -->/ { skip = 0 }
        !skip { print }' "$readme" >"$readme.bench-tmp" && mv "$readme.bench-tmp" "$readme"
    log "README.md benchmark table updated"
fi

echo
make_report summary
