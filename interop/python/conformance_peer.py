#!/usr/bin/env python3
"""Python `websockets` as a peer for lwsj's conformance suite (java/conformance), so that
its verdicts can be set beside lwsj's in one report.

    conformance_peer.py server PORT [--deflate]      an echo server on 127.0.0.1:PORT (0: any free)
    conformance_peer.py client http://127.0.0.1:PORT [--deflate]
        reads the number of cases from /cases, connects to ws://.../case/1..N in turn
        and echoes every message until the suite closes the connection
"""

import argparse
import asyncio
import sys
import urllib.request

import websockets


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass


async def serve(port, deflate):
    compression = "deflate" if deflate else None
    async with websockets.serve(echo, "127.0.0.1", port, max_size=None, compression=compression) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"python websockets {websockets.__version__} echo listening on ws://127.0.0.1:{bound}/", flush=True)
        await asyncio.Future()


async def run_cases(base, deflate):
    count = int(urllib.request.urlopen(base + "/cases", timeout=10).read().decode().strip())
    compression = "deflate" if deflate else None
    ws_base = "ws://" + base.split("://", 1)[1]
    for n in range(1, count + 1):
        try:
            async with websockets.connect(f"{ws_base}/case/{n}", max_size=None, compression=compression,
                                          open_timeout=10, close_timeout=5, ping_interval=None) as ws:
                await echo(ws)
        except Exception as e:  # the suite grades what the client did; go on with the next case
            print(f"case {n}: {type(e).__name__}: {e}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("where")
    p.add_argument("--deflate", action="store_true")
    a = p.parse_args()
    if a.mode == "server":
        asyncio.run(serve(int(a.where), a.deflate))
    else:
        asyncio.run(run_cases(a.where.rstrip("/"), a.deflate))


if __name__ == "__main__":
    main()
