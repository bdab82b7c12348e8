# Sourced by scripts/interop.sh and scripts/conformance.sh: finding the real peers they
# run against lwsj. Not a command of its own.

# peer_python: prints a python3 that has the websockets module ($LWSJ_PYTHON first);
# fails when there is none
peer_python() {
    local p
    for p in ${LWSJ_PYTHON:-} python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null && "$p" -c 'import websockets' 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# peer_node_modules ROOT LOG: `npm ci` in ROOT/interop/node when its node_modules is
# missing or older than the lock file (ws, playwright-core; no browser download)
peer_node_modules() {
    local node_dir=$1/interop/node log=$2
    command -v node >/dev/null && command -v npm >/dev/null ||
        { echo "node and npm are needed (apt-get install nodejs npm)" >&2; return 1; }
    if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
       [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
        echo "npm ci (interop/node)"
        (cd "$node_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >"$log" 2>&1 ||
            { cat "$log" >&2; echo "npm ci failed" >&2; return 1; }
    fi
}
