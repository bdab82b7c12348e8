#!/usr/bin/env bash
# Usage: scripts/interop.sh [ws|python|browser ...]
#
# Real clients against lwsj: the node `ws` suite (interop/node/ws-suite.js), the Python
# `websockets` suite (interop/python/websockets_suite.py) and headless Chromium through
# playwright-core (interop/node/browser-suite.js), all three by default.
#
# Starts, on free ports of 127.0.0.1, the echo example plain, with --deflate, and with
# --deflate over TLS (a throwaway self-signed certificate), and the demo; runs the
# suites; stops the servers; prints one closing line "N passed, N failed" and exits
# non-zero on any failure. The browser suite writes docs/demo-screenshot.png.
#
# Needs java + mvn (scripts/example.sh builds what is missing), node and npm (the node
# packages are installed from interop/node/package-lock.json with `npm ci`), chromium
# ($LWSJ_CHROMIUM or /usr/bin/chromium), python3 with the websockets module
# ($LWSJ_PYTHON, else python3 or /usr/bin/python3) and openssl. Logs: target/interop/.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
logs=$root/target/interop
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(ws python browser)
for s in "${suites[@]}"; do
    case "$s" in
        ws|python|browser) ;;
        -h|--help) sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "interop.sh: unknown suite \"$s\" (ws, python, browser)" >&2; exit 2 ;;
    esac
done
wants() { local s; for s in "${suites[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

say() { printf '\n==> %s\n' "$*"; }
die() { echo "interop.sh: $*" >&2; echo "0 passed, 1 failed"; exit 2; }

started=$(date +%s)
mkdir -p "$logs"
rm -f "$logs"/*.log

# ---- what the suites need -----------------------------------------------------------

command -v java >/dev/null || die "java is missing"
# shellcheck source=scripts/lib-peers.sh
. "$root/scripts/lib-peers.sh"
if wants ws || wants browser; then
    peer_node_modules "$root" "$logs/npm.log" || die "the node suites cannot run"
fi
chromium=${LWSJ_CHROMIUM:-/usr/bin/chromium}
if wants browser; then
    [ -x "$chromium" ] || die "no chromium at $chromium (apt-get install chromium, or set LWSJ_CHROMIUM)"
fi
python=
if wants python; then
    python=$(peer_python) ||
        die "no python3 with the websockets module (apt-get install python3-websockets, or set LWSJ_PYTHON)"
fi
command -v openssl >/dev/null || die "openssl is missing"

# ---- servers ------------------------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lwsj-interop.XXXXXX")
pids=()
names=()
stop_servers() {
    local i pid
    for i in "${!pids[@]}"; do
        pid=${pids[$i]}
        kill -TERM "$pid" 2>/dev/null
    done
    for i in "${!pids[@]}"; do
        pid=${pids[$i]}
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    pids=()
    rm -rf "$tmp"
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

# start NAME ARGS...: runs scripts/example.sh ARGS with --port 0 in the background
start() {
    local name=$1
    shift
    "$root/scripts/example.sh" "$@" --port 0 --bind 127.0.0.1 >"$logs/server-$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}

# port NAME SECONDS: waits for the server's ready line and prints its port
port() {
    local name=$1 limit=$2 log=$logs/server-$1.log line i
    for ((i = 0; i < limit * 5; i++)); do
        line=$(grep -m1 -E 'listening on|serving on' "$log" 2>/dev/null)
        if [ -n "$line" ]; then
            sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$line"
            return 0
        fi
        local k
        for k in "${!names[@]}"; do
            if [ "${names[$k]}" = "$name" ] && ! kill -0 "${pids[$k]}" 2>/dev/null; then
                echo "interop.sh: server $name exited before it was ready:" >&2
                tail -20 "$log" >&2
                return 1
            fi
        done
        sleep 0.2
    done
    echo "interop.sh: server $name not ready within $limit s:" >&2
    tail -20 "$log" >&2
    return 1
}

say "certificate for the wss:// server (self-signed, thrown away afterwards)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$logs/openssl.log" 2>&1 ||
    { cat "$logs/openssl.log" >&2; die "openssl could not make a certificate"; }

say "servers (the first start builds what is missing: scripts/example.sh)"
start echo echo
echo_port=$(port echo 600) || die "the echo server did not start"
start deflate echo --deflate
start wss echo --deflate --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
start demo demo
deflate_port=$(port deflate 120) || die "the deflate echo server did not start"
wss_port=$(port wss 120) || die "the wss echo server did not start"
demo_port=$(port demo 120) || die "the demo server did not start"
echo "echo ws://127.0.0.1:$echo_port/  deflate ws://127.0.0.1:$deflate_port/  wss wss://127.0.0.1:$wss_port/  demo http://127.0.0.1:$demo_port/"

# ---- suites -------------------------------------------------------------------------

passed=0
failed=0
summary=()

# run NAME LIMIT COMMAND...: runs a suite, shows and logs its output, adds its counts
run() {
    local name=$1 limit=$2 log=$logs/$1.log t0 counts p f
    shift 2
    say "$name"
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$log"
    counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    if [ -z "$counts" ]; then
        echo "interop.sh: $name printed no counts (crashed or timed out after $limit s): 1 failure"
        p=0
        f=1
    else
        p=${counts%% passed*}
        f=${counts#*, }
        f=${f%% failed*}
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    summary+=("$(printf '%-28s %3d passed, %3d failed  (%ds)' "$name" "$p" "$f" $(($(date +%s) - t0)))")
}

# every server still running: a crash in a suite's wake counts as a failure
servers_alive() {
    local k
    for k in "${!names[@]}"; do
        if ! kill -0 "${pids[$k]}" 2>/dev/null; then
            echo "interop.sh: server ${names[$k]} is gone (see $logs/server-${names[$k]}.log): 1 failure"
            failed=$((failed + 1))
            summary+=("$(printf '%-28s died' "server ${names[$k]}")")
        fi
    done
}

if wants ws; then
    run "node ws" 300 node "$root/interop/node/ws-suite.js" \
        --echo "ws://127.0.0.1:$echo_port/" --deflate "ws://127.0.0.1:$deflate_port/" \
        --wss "wss://127.0.0.1:$wss_port/" --ca "$tmp/cert.pem"
fi
if wants python; then
    run "python websockets" 300 "$python" "$root/interop/python/websockets_suite.py" \
        --echo "ws://127.0.0.1:$echo_port/" --deflate "ws://127.0.0.1:$deflate_port/" \
        --wss "wss://127.0.0.1:$wss_port/" --ca "$tmp/cert.pem"
fi
if wants browser; then
    run "browser (chromium)" 300 node "$root/interop/node/browser-suite.js" \
        --demo "http://127.0.0.1:$demo_port/" --echo "ws://127.0.0.1:$echo_port/" \
        --deflate "ws://127.0.0.1:$deflate_port/" --wss "wss://127.0.0.1:$wss_port/" \
        --chromium "$chromium" --screenshot "$root/docs/demo-screenshot.png"
fi
servers_alive
stop_servers

say "summary ($(($(date +%s) - started)) s; logs in ${logs#"$root"/}/)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
