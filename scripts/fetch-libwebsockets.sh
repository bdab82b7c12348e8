#!/usr/bin/env bash
# Usage: scripts/fetch-libwebsockets.sh [DEST_DIR]
#
# The pinned libwebsockets archive (cmake/libwebsockets.version), verified: see
# scripts/fetch-source.sh for where it comes from. $LWS_SOURCE_TARBALL names a local copy.
exec "$(dirname "${BASH_SOURCE[0]}")/fetch-source.sh" libwebsockets "$@"
