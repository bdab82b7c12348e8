#!/usr/bin/env bash
# Usage: scripts/bench-redis.sh [--quick] [--nodes N] [--clients N] [--reps N] [--duration S]
#
# Broadcast across servers through Redis (lwsj-redis), next to the single-server figure,
# in one run: bench/loadgen's fanout mode (one sender keeping 32 messages of 64 B in
# flight, a message done once every receiver has it) against
#   single        one echo example, no Redis: its /broadcast to every client
#   single+redis  the same server attached to Redis (what relaying costs one server)
#   N nodes       N echo examples attached to one redis-server, the receivers spread
#                 over them in turn, the sender on one of them
# each with the same number of receivers (default 1,000). Reports deliveries/s (median of
# the repetitions) and delivery latency p50/p99 (of the median run), and the messages the
# generator gave up on (not all receivers had them within 2 s).
#
#   --quick       1 s runs, one repetition, 300 receivers (CI runs this)
#   --nodes N     servers through Redis (default 3)
#   --clients N   receivers (default 1000)
#   --reps N      repetitions (default 3)
#   --duration S  measured seconds per run (default 10)
#
# Nothing is pinned: redis-server, the servers and the generator share this machine's
# cores, and the report says how many. Results: bench/results/redis-<date>.md (--quick:
# quick-redis-<date>.md, not committed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
die() { printf 'bench-redis.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '[bench-redis %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

quick=0 nodes=3 clients="" reps="" duration=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --nodes) nodes=${2:?--nodes needs a value}; shift ;;
        --clients) clients=${2:?--clients needs a value}; shift ;;
        --reps) reps=${2:?--reps needs a value}; shift ;;
        --duration) duration=${2:?--duration needs a value}; shift ;;
        -h|--help) sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    DUR=${duration:-1}; WARM=0.5; REPS=${reps:-1}; CLIENTS=${clients:-300}
else
    DUR=${duration:-10}; WARM=2; REPS=${reps:-3}; CLIENTS=${clients:-1000}
fi
[[ "$nodes" =~ ^[1-9][0-9]?$ ]] && [ "$nodes" -le 16 ] || die "--nodes must be 1..16"
[[ "$CLIENTS" =~ ^[1-9][0-9]*$ ]] || die "--clients must be a positive integer"
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
command -v redis-server >/dev/null || die "redis-server is needed (apt-get install redis-server)"

stamp=$(date +%Y%m%d-%H%M%S)
run_dir=$root/bench/build/runs/redis-$stamp
results_dir=$root/bench/results
mkdir -p "$run_dir" "$results_dir"
if [ "$quick" = 1 ]; then report=$results_dir/quick-redis-$stamp.md; else report=$results_dir/redis-$stamp.md; fi

# ---- build: the generator and the echo example --------------------------------------------
loadgen=$root/bench/build/loadgen
log "building bench/loadgen and the echo example"
{ cmake -S bench -B bench/build -DCMAKE_BUILD_TYPE=Release && cmake --build bench/build --target loadgen -j "$(nproc)"; } \
    >"$run_dir/cmake.log" 2>&1 || die "cmake build of bench/loadgen failed (log: $run_dir/cmake.log)"
classpath=$("$root/scripts/example.sh" --classpath)
JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms256m -Xmx256m -XX:+UseG1GC -Xss512k"}

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { # a port nothing listens on
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port found"
}

wait_for() { # file pattern seconds what
    local i
    for i in $(seq 1 $(($3 * 10))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$4 (log: $1)"
}

redis_port=$(free_port)
mkdir -p "$run_dir/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$run_dir/redis" \
    >"$run_dir/redis.log" 2>&1 &
pids+=($!)
wait_for "$run_dir/redis.log" "Ready to accept connections" 10 "redis-server did not start"
redis=redis://127.0.0.1:$redis_port

# start_echo NAME [args...]: an echo example in the background; sets PORT
start_echo() {
    local name=$1 p
    shift
    p=$(free_port)
    # shellcheck disable=SC2086
    java $JVM_FLAGS -cp "$classpath" io.lwsj.examples.echo.EchoServer \
        --port "$p" "$@" >"$run_dir/$name.out" 2>"$run_dir/$name.err" &
    pids+=($!)
    wait_for "$run_dir/$name.out" "listening on" 60 "$name did not start"
    if [ $# -gt 0 ]; then
        wait_for "$run_dir/$name.err" "subscribed to" 20 "$name did not subscribe to Redis"
    fi
    PORT=$p
}

stop_servers() { # every server started so far but redis-server
    local keep=${pids[0]} p
    for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=("$keep")
}

# fanout SETUP PORTS: REPS runs; appends "setup rep deliveries_per_s p50 p99 lost" to the tsv
tsv=$run_dir/results.tsv
: >"$tsv"
fanout() {
    local setup=$1 ports=$2 rep out
    for rep in $(seq 1 "$REPS"); do
        out=$run_dir/$setup-$rep.out
        timeout $((${DUR%.*} + 120)) "$loadgen" --mode fanout --ports "$ports" -c "$CLIENTS" -w 32 -s 64 \
            -d "$DUR" --warmup "$WARM" --label "$setup-$rep" >"$out" 2>"$run_dir/$setup-$rep.err" || true
        sed 's/^/    /' "$run_dir/$setup-$rep.err" >&2
        grep '^RESULT ' "$out" | tail -n 1 | awk -v s="$setup" -v r="$rep" '{
            for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            printf "%s\t%s\t%s\t%s\t%s\t%s\n", s, r, v["deliveries_per_s"], v["p50_us"], v["p99_us"], v["lost"] }' >>"$tsv"
        grep -q "^$setup	$rep	[0-9]" "$tsv" || die "$setup run $rep gave no result (see $out)"
    done
}

log "single server, no Redis: $CLIENTS receivers"
start_echo single
fanout single "$PORT"
stop_servers

log "single server attached to Redis: $CLIENTS receivers"
start_echo single-redis --redis "$redis" --redis-namespace bench-single
fanout "single+redis" "$PORT"
stop_servers

log "$nodes servers through Redis: $CLIENTS receivers spread over them"
ports=""
for n in $(seq 1 "$nodes"); do
    start_echo "node$n" --redis "$redis" --redis-namespace bench-cluster
    ports="$ports${ports:+,}$PORT"
done
fanout "$nodes-nodes" "$ports"
stop_servers

# ---- report ---------------------------------------------------------------------------------
{
    echo "# Broadcast through Redis: $(date -u +%Y-%m-%d) ($stamp)"
    echo
    echo "\`scripts/bench-redis.sh$([ "$quick" = 1 ] && echo " --quick")\`: $CLIENTS receivers, one sender keeping 32"
    echo "messages of 64 B in flight; $REPS run(s) of $DUR s each; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
    echo "$(nproc) cores shared, unpinned, by redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'),"
    echo "the servers (JVM flags: $JVM_FLAGS) and the generator."
    echo
    echo "| setup | servers | receivers | deliveries/s (median) | p50 latency | p99 latency | given up |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for setup in single "single+redis" "$nodes-nodes"; do
        servers=1; [ "$setup" = "$nodes-nodes" ] && servers=$nodes
        awk -F'\t' -v s="$setup" '$1 == s' "$tsv" | sort -t$'\t' -k3,3g | awk -F'\t' -v n="$REPS" -v servers="$servers" -v c="$CLIENTS" '
            NR == int((n + 1) / 2) { printf "| %s | %d | %d | %.0f | %.0f us | %.0f us | %s |\n", $1, servers, c, $3, $4, $5, $6 }'
    done
    echo
    echo "Per run:"
    echo
    echo '```'
    cat "$tsv"
    echo '```'
} >"$report"
cat "$report"
log "report: $report"
