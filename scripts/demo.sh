#!/usr/bin/env bash
# Usage: scripts/demo.sh [--port P (7681)] [--bind ADDR (127.0.0.1; 0.0.0.0 for all)] [--root DIR]
#
# Builds what is missing, then runs the lwsj demo (a Java port of libwebsockets' test
# server) and prints its URL; open it in a browser, twice to see the shared board.
# Stop it with Ctrl-C.
exec "$(dirname "${BASH_SOURCE[0]}")/example.sh" demo "$@"
