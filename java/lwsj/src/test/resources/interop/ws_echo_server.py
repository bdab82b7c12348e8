#!/usr/bin/env python3
"""WebSocket echo server for lwsj's ClientInteropTest, on the Python `websockets` library.

Listens on 127.0.0.1 (port from argv[1], default 0: the kernel picks one), prints
"listening <port>" once it accepts connections, and runs until its stdin closes.

  /forbidden...  the upgrade is refused with HTTP 403
  /close-me...   the server closes at once with 4321 "bye"
  anything else  echoes text as text and binary as binary

When a connection ends it prints "closed <path> <code> <reason>" (the code and reason
of the close frame the server received or sent).

Works with websockets 10.x to 13.x (the legacy asyncio API, Debian 12 has 10.4) and
14.x or later (the new asyncio API).
"""
import asyncio
import http
import sys

import websockets

VERSION = tuple(int(p) for p in websockets.__version__.split(".")[:2] if p.isdigit())
NEW_API = VERSION >= (14, 0)

if NEW_API:
    from websockets.asyncio.server import serve
else:
    from websockets.legacy.server import serve


def request_path(ws):
    return ws.request.path if NEW_API else ws.path


if NEW_API:
    def process_request(connection, request):
        if request.path.startswith("/forbidden"):
            return connection.respond(http.HTTPStatus.FORBIDDEN, "forbidden\n")
        return None
else:
    async def process_request(path, request_headers):
        if path.startswith("/forbidden"):
            return http.HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain")], b"forbidden\n"
        return None


async def handler(ws):
    path = request_path(ws)
    try:
        if path.startswith("/close-me"):
            await ws.close(code=4321, reason="bye")
        else:
            async for message in ws:
                # str for text frames, bytes for binary ones: sent back as the same type
                await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        print("closed %s %s %s" % (path, ws.close_code, ws.close_reason or ""), flush=True)


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    async with serve(handler, "127.0.0.1", port, process_request=process_request,
                     max_size=None, ping_interval=None) as server:
        print("listening %d" % server.sockets[0].getsockname()[1], flush=True)
        # run until the parent closes our stdin (or goes away)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)


if __name__ == "__main__":
    asyncio.run(main())
