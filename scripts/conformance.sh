#!/usr/bin/env bash
# Usage: scripts/conformance.sh [--no-compare]
#
# lwsj's conformance suite (java/conformance: RFC 6455 and RFC 7692 cases, graded OK,
# NON-STRICT or FAILED like Autobahn|Testsuite's) against lwsj:
#   - as a server: the echo example with --deflate (every case) and without (every case
#     but permessage-deflate's);
#   - as a client: lwsj's EchoClient (java/examples) against the suite's own server.
# For comparison (skipped with --no-compare), the same against Python websockets and
# node ws, as servers and as clients (interop/python/conformance_peer.py,
# interop/node/conformance-peer.js). Their verdicts are reported, not counted.
#
# Writes target/conformance/AGENT.md and AGENT.json per run, and summary.md with every
# run side by side; prints "N passed, N failed" over lwsj's cases (passed: OK or
# NON-STRICT) and exits non-zero when one of them FAILED. Everything binds to 127.0.0.1.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/target/conformance
logs=$out/logs
compare=1
case "${1:-}" in
    --no-compare) compare=0 ;;
    "") ;;
    -h|--help) sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "conformance.sh: unknown argument $1" >&2; exit 2 ;;
esac

say() { printf '\n==> %s\n' "$*"; }
die() { echo "conformance.sh: $*" >&2; echo "0 passed, 1 failed"; exit 2; }

mkdir -p "$logs"
rm -f "$out"/*.md "$out"/*.json "$logs"/*.log

command -v java >/dev/null || die "java is missing"
# shellcheck source=scripts/lib-peers.sh
. "$root/scripts/lib-peers.sh"
python=
if [ "$compare" = 1 ]; then
    python=$(peer_python) ||
        die "no python3 with the websockets module (apt-get install python3-websockets, or --no-compare)"
    peer_node_modules "$root" "$logs/npm.log" || die "the node peers cannot run (or --no-compare)"
fi

pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    pids=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# wait_port LOG SECONDS: waits for a "listening on" or "serving" line and prints its port
wait_port() {
    local log=$1 limit=$2 line i
    for ((i = 0; i < limit * 5; i++)); do
        line=$(grep -m1 -E 'listening on|serving [0-9]+ cases on' "$log" 2>/dev/null)
        if [ -n "$line" ]; then
            sed -E 's|.*127\.0\.0\.1:([0-9]+)/.*|\1|' <<<"$line"
            return 0
        fi
        sleep 0.2
    done
    echo "conformance.sh: nothing listening after $limit s; $log:" >&2
    tail -20 "$log" >&2
    return 1
}

say "build the suite and the examples (scripts/example.sh builds what is missing)"
(cd "$root" && mvn -B -q -DskipTests package -pl java/conformance) 2>&1 | sed $'s/\033\\[[0-9;]*m//g' ||
    die "the suite did not build"

suite() { java -cp "$root/java/conformance/target/classes" io.lwsj.conformance.Conformance "$@"; }

passed=0
failed=0
summary=()

# count NAME LOG COUNTED: adds a run's closing line to the totals when COUNTED is 1
count() {
    local name=$1 log=$2 counted=$3 line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    if [ -z "$line" ]; then
        p=0
        f=1
        echo "conformance.sh: $name printed no counts (see $log)"
    else
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed*}
    fi
    if [ "$counted" = 1 ]; then
        passed=$((passed + p))
        failed=$((failed + f))
    fi
    summary+=("$(printf '%-24s %3d passed, %3d failed%s' "$name" "$p" "$f" "$([ "$counted" = 1 ] || echo '  (comparison, not counted)')")")
}

# as_server AGENT COUNTED START-COMMAND... : starts an echo server, runs the suite as its client
as_server() {
    local agent=$1 counted=$2 extra=()
    shift 2
    if [ "$1" = --no-deflate ]; then
        extra=(--no-deflate)
        shift
    fi
    "$@" >"$logs/$agent-peer.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local port
    port=$(wait_port "$logs/$agent-peer.log" 600) || { count "$agent" /dev/null "$counted"; return; }
    say "$agent: the suite as a client of ws://127.0.0.1:$port/"
    timeout --kill-after=10 900 java -cp "$root/java/conformance/target/classes" io.lwsj.conformance.Conformance \
        server --url "ws://127.0.0.1:$port/" --agent "$agent" --out "$out" "${extra[@]}" >"$logs/$agent.log" 2>&1
    tail -2 "$logs/$agent.log"
    count "$agent" "$logs/$agent.log" "$counted"
    kill -TERM "$pid" 2>/dev/null
}

# as_client AGENT COUNTED CLIENT-COMMAND... : the suite serves the cases, the client runs them
# (the argument BASE-URL of the command becomes the suite's http://127.0.0.1:PORT)
as_client() {
    local agent=$1 counted=$2
    shift 2
    say "$agent: the suite serves the cases to the client"
    timeout --kill-after=10 1200 java -cp "$root/java/conformance/target/classes" io.lwsj.conformance.Conformance \
        serve --port 0 --agent "$agent" --out "$out" --seconds 1100 >"$logs/$agent.log" 2>&1 &
    local suite_pid=$! port
    pids+=("$suite_pid")
    port=$(wait_port "$logs/$agent.log" 60) || { count "$agent" /dev/null "$counted"; return; }
    local cmd=() a
    for a in "$@"; do
        [ "$a" = BASE-URL ] && a=http://127.0.0.1:$port
        cmd+=("$a")
    done
    timeout --kill-after=10 1200 "${cmd[@]}" >"$logs/$agent-peer.log" 2>&1
    wait "$suite_pid"
    tail -2 "$logs/$agent.log"
    count "$agent" "$logs/$agent.log" "$counted"
}

examples_cp() {
    echo "$root/java/examples/target/classes:$(cat "$root/java/examples/target/runtime-classpath.txt")"
}

as_server lwsj-server 1 "$root/scripts/example.sh" echo --port 0 --bind 127.0.0.1 --deflate
as_server lwsj-server-no-deflate 1 --no-deflate "$root/scripts/example.sh" echo --port 0 --bind 127.0.0.1
as_client lwsj-client 1 java -cp "$(examples_cp)" io.lwsj.examples.client.EchoClient BASE-URL --deflate
if [ "$compare" = 1 ]; then
    as_server python-server 0 "$python" "$root/interop/python/conformance_peer.py" server 0 --deflate
    as_server node-server 0 node "$root/interop/node/conformance-peer.js" server 0 --deflate
    as_client python-client 0 "$python" "$root/interop/python/conformance_peer.py" client BASE-URL --deflate
    as_client node-client 0 node "$root/interop/node/conformance-peer.js" client BASE-URL --deflate
fi
stop_all

{
    echo "# Conformance runs, side by side"
    echo
    echo "$(date -u +%Y-%m-%d): lwsj's suite (java/conformance), every case graded as Autobahn|Testsuite grades."
    echo
    echo "| run | OK | NON-STRICT | FAILED |"
    echo "|---|---:|---:|---:|"
    for f in "$out"/*.md; do
        [ "$(basename "$f")" = summary.md ] && continue
        row=$(grep -m1 '^| \*\*all\*\* |' "$f" | sed -E 's/^\| \*\*all\*\* //')
        echo "| $(basename "$f" .md) $row"
    done
} >"$out/summary.md"

say "summary (reports in target/conformance/)"
cat "$out/summary.md"
echo
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
