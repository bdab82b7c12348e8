#!/usr/bin/env python3
"""Python `websockets` (Debian's python3-websockets, 10.x) against lwsj's echo example.

    python3 websockets_suite.py --echo ws://127.0.0.1:P/ --deflate ws://127.0.0.1:Q/
                                [--wss wss://127.0.0.1:R/ --ca cert.pem] [--only NAME-PART]

--echo is an echo server without compression, --deflate one started with --deflate,
--wss (optional) one with --deflate and TLS whose certificate is in --ca. Prints a line
per check and then "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import asyncio
import os
import ssl
import sys
import time
import traceback
import urllib.parse

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, NegotiationError
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Opcode

MiB = 1 << 20
SIZES = [0, 1, 2, 124, 125, 126, 127, 128, 1000, 4096, 65535, 65536, 65537, 200000, MiB - 1, MiB]

OPTS = None
TESTS = []


def test(name, timeout=30):
    def register(fn):
        TESTS.append((name, fn, timeout))
        return fn

    return register


class CheckFailed(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise CheckFailed(message)


# ---- helpers ------------------------------------------------------------------------


class Wire:
    """An extension-shaped recorder put last in a connection's extension list: it sees
    incoming frames before any decoding and outgoing frames after all encoding, that is
    as they are on the wire (opcode, FIN, RSV1, payload length)."""

    name = "wire-recorder"

    def __init__(self):
        self.inbound = []
        self.outbound = []

    @staticmethod
    def _record(frame):
        return {"opcode": frame.opcode, "fin": frame.fin, "rsv1": frame.rsv1, "len": len(frame.data),
                "data": bytes(frame.data) if len(frame.data) <= 65536 else None}

    def decode(self, frame, *, max_size=None):
        self.inbound.append(self._record(frame))
        return frame

    def encode(self, frame):
        self.outbound.append(self._record(frame))
        return frame


DATA_OPS = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


def data_frames(frames):
    return [f for f in frames if f["opcode"] in DATA_OPS]


def ssl_context(url):
    if not url.startswith("wss:"):
        return None
    ctx = ssl.create_default_context(cafile=OPTS.ca)
    ctx.check_hostname = False  # the test certificate names localhost and 127.0.0.1 anyway
    return ctx


async def connect(url, *, deflate=None, subprotocols=None, wire=True, **kw):
    """Opens a client; deflate is None (no offer), True (the library's default offer) or
    a ClientPerMessageDeflateFactory. With wire, ws.wire records the frames."""
    if deflate is None:
        kw["compression"] = None
    elif deflate is not True:
        kw["compression"] = None
        kw["extensions"] = [deflate]
    ws = await websockets.connect(
        url,
        subprotocols=subprotocols,
        max_size=None,
        ping_interval=None,
        close_timeout=5,
        open_timeout=10,
        ssl=ssl_context(url),
        **kw,
    )
    if wire:
        ws.wire = Wire()
        ws.extensions.append(ws.wire)
    return ws


class Client:
    def __init__(self, url, **kw):
        self.url = url
        self.kw = kw

    async def __aenter__(self):
        self.ws = await connect(self.url, **self.kw)
        return self.ws

    async def __aexit__(self, *exc):
        await self.ws.close()


def text_of_bytes(n, seed=0):
    """A str of exactly n UTF-8 bytes with 1-, 2-, 3- and 4-byte characters."""
    chars = ["l", "w", "s", "j", " ", "é", "€", "😀", "ж", "\0", "~"]
    out, size, i = [], 0, seed
    while size < n:
        c = chars[i % len(chars)]
        i += 1
        b = len(c.encode())
        if size + b > n:
            out.append("a" * (n - size))
            break
        out.append(c)
        size += b
    return "".join(out)


def compressible(n, seed=1):
    words = ["websocket", "lwsj", "libwebsockets", "deflate", "frame", "python", "echo", "mask"]
    parts, size, x = [], 0, seed
    while size < n:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        w = words[x % len(words)] + (str(x % 1000) if x % 7 == 0 else "") + " "
        parts.append(w)
        size += len(w)
    return "".join(parts).encode()[:n]


async def echo(ws, data, timeout=30):
    await ws.send(data)
    got = await asyncio.wait_for(ws.recv(), timeout)
    check(type(got) is type(data), f"echo of a {type(data).__name__} came back as {type(got).__name__}")
    if got != data:
        n = min(len(got), len(data))
        first = next((i for i in range(n) if got[i] != data[i]), n)
        raise CheckFailed(f"echo of {len(data)} differs: got {len(got)}, first difference at {first}")
    return got


def response_extensions(ws):
    return ws.response_headers.get("Sec-WebSocket-Extensions")


def ext_params(header):
    """'permessage-deflate; a; b=1' -> {'a': True, 'b': '1'} (first extension only)."""
    if not header:
        return {}
    parts = [p.strip() for p in header.split(",")[0].split(";")]
    out = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        out[k.strip()] = v.strip().strip('"') if v else True
    return out


async def wait_closed(ws, timeout=10):
    await asyncio.wait_for(ws.wait_closed(), timeout)
    return ws.close_rcvd


# ---- plain echo ----------------------------------------------------------------------


@test("handshake: no subprotocol unless asked; 'echo' chosen from ['nonesuch', 'echo']")
async def _():
    async with Client(OPTS.echo) as ws:
        check(ws.subprotocol is None, f"subprotocol {ws.subprotocol!r} without asking")
        check(response_extensions(ws) is None, "no extension without an offer")
    async with Client(OPTS.echo, subprotocols=["nonesuch", "echo"]) as ws:
        check(ws.subprotocol == "echo", f"subprotocol {ws.subprotocol!r}")
        await echo(ws, "picked echo")


for _size in SIZES:

    @test(f"text echo of {_size} bytes (UTF-8 with 1-4 byte characters)")
    async def _(size=_size):
        async with Client(OPTS.echo) as ws:
            await echo(ws, text_of_bytes(size, size))

    @test(f"binary echo of {_size} bytes (random)")
    async def _(size=_size):
        async with Client(OPTS.echo) as ws:
            await echo(ws, os.urandom(size))


@test("all sizes 0..1 MiB pipelined on one connection, text and binary alternating, in order")
async def _():
    async with Client(OPTS.echo) as ws:
        sent = []
        for size in SIZES:
            sent += [text_of_bytes(size, 5), os.urandom(size)]
        for m in sent:
            await ws.send(m)
        for i, m in enumerate(sent):
            got = await asyncio.wait_for(ws.recv(), 30)
            check(got == m, f"message {i} ({len(m)} {type(m).__name__}) differs")


@test("the server's frames are unmasked, no RSV bits, one FIN message per echo")
async def _():
    async with Client(OPTS.echo) as ws:
        await echo(ws, os.urandom(100000))
        frames = data_frames(ws.wire.inbound)
        check(frames and frames[0]["opcode"] == Opcode.BINARY and frames[-1]["fin"], f"frames {frames}")
        check(sum(f["len"] for f in frames) == 100000, "payload length")
        check(not any(f["rsv1"] for f in frames), "RSV1 without an extension")


# ---- fragmentation --------------------------------------------------------------------


@test("fragmented text from a list of str fragments comes back as one message")
async def _():
    async with Client(OPTS.echo) as ws:
        parts = ["Hello, ", "fragmented ", "wörld ", "😀"]
        await ws.send(parts)
        got = await asyncio.wait_for(ws.recv(), 10)
        check(got == "".join(parts), f"got {got!r}")
        # websockets ends an iterable with an empty FIN continuation frame
        out = [(f["opcode"], f["fin"]) for f in data_frames(ws.wire.outbound)]
        check(out == [(Opcode.TEXT, False)] + [(Opcode.CONT, False)] * 3 + [(Opcode.CONT, True)],
              f"the client sent {out}")


@test("fragmented binary from an async generator: 1 MiB in 64 KiB fragments")
async def _():
    data = os.urandom(MiB)

    async def parts():
        for i in range(0, MiB, 65536):
            yield data[i:i + 65536]
            await asyncio.sleep(0)

    async with Client(OPTS.echo) as ws:
        await ws.send(parts())
        got = await asyncio.wait_for(ws.recv(), 30)
        check(got == data, "1 MiB fragmented echo differs")
        check(len(data_frames(ws.wire.outbound)) == 17, "16 fragments (and the empty FIN one) sent")


@test("fragmented binary: 1000 fragments of 1 byte, and empty fragments")
async def _():
    async with Client(OPTS.echo) as ws:
        data = os.urandom(1000)
        await ws.send([data[i:i + 1] for i in range(1000)])
        check(await asyncio.wait_for(ws.recv(), 10) == data, "1000 x 1 byte")
        await ws.send([b"", b"ab", b"", b"cd", b""])
        check(await asyncio.wait_for(ws.recv(), 10) == b"abcd", "empty fragments")


@test("a ping between fragments is answered and the message still arrives whole")
async def _():
    async with Client(OPTS.echo) as ws:
        pong = None

        async def parts():
            nonlocal pong
            yield "first half, "
            pong = await ws.ping(b"middle")
            yield "second half"

        sender = asyncio.ensure_future(ws.send(parts()))
        await asyncio.wait_for(sender, 10)
        await asyncio.wait_for(pong, 5)
        check(await asyncio.wait_for(ws.recv(), 10) == "first half, second half", "message")


# ---- ping / pong -------------------------------------------------------------------------


@test("ping with 0, 1 and 125 bytes of payload: the pong carries the same payload")
async def _():
    async with Client(OPTS.echo) as ws:
        for n in (0, 1, 125):
            payload = os.urandom(n)
            waiter = await ws.ping(payload)
            await asyncio.wait_for(waiter, 5)
            pongs = [f for f in ws.wire.inbound if f["opcode"] == Opcode.PONG]
            check(pongs and pongs[-1]["data"] == payload, f"pong payload for {n} bytes")


@test("5 pings in a row: each ping's waiter completes (a pong for the last one acknowledges all)")
async def _():
    async with Client(OPTS.echo) as ws:
        waiters = [await ws.ping(str(i).encode()) for i in range(5)]
        try:
            await echo(ws, "after the pings")
            done, pending = await asyncio.wait(waiters, timeout=3)
            got = [f["data"].decode() for f in ws.wire.inbound if f["opcode"] == Opcode.PONG]
            check(not pending, f"{len(pending)} of 5 pings never acknowledged; pongs received: {got}")
        finally:
            for w in waiters:
                w.cancel()


@test("an unsolicited pong from the client is ignored")
async def _():
    async with Client(OPTS.echo) as ws:
        await ws.pong(b"unasked")
        await echo(ws, "still here")


# ---- close -------------------------------------------------------------------------------

for _code, _reason in [(1000, "normal"), (1001, "going away"), (3000, ""), (4000, "private"),
                       (4999, "UTF-8 reason: é€😀"), (4321, "r" * 123)]:

    @test(f"client close {_code} with a {len(_reason.encode())} byte reason: the server echoes code and reason")
    async def _(code=_code, reason=_reason):
        ws = await connect(OPTS.echo)
        await ws.close(code, reason)
        rcvd = ws.close_rcvd
        check(rcvd is not None, "no close frame from the server")
        check(rcvd.code == code, f"server answered {rcvd.code}")
        check(rcvd.reason == reason, f"server answered reason {rcvd.reason!r}")
        check(ws.close_rcvd_then_sent is False, "the client started the close")


@test("after the close handshake the TCP connection ends promptly")
async def _():
    ws = await connect(OPTS.echo)
    t0 = time.monotonic()
    await ws.close(1000, "bye")
    await asyncio.wait_for(ws.wait_closed(), 5)
    check(time.monotonic() - t0 < 3, f"took {time.monotonic() - t0:.1f} s")


@test("server close: a 64 MiB + 1 byte message gets 1009 with a reason", timeout=90)
async def _():
    ws = await connect(OPTS.echo, wire=False)
    try:
        await ws.send(b"a" * (64 * MiB + 1))
        await asyncio.wait_for(ws.recv(), 60)
        raise CheckFailed("the oversized message was echoed")
    except ConnectionClosed as e:
        check(e.rcvd is not None, f"no close frame from the server ({e})")
        check(e.rcvd.code == 1009, f"close code {e.rcvd.code} {e.rcvd.reason!r}")
        check(len(e.rcvd.reason.encode()) <= 123, "reason too long")


@test("server close 1002 on a reserved opcode sent by a raw frame (websockets cannot send one)")
async def _():
    ws = await connect(OPTS.echo)
    # a masked frame with opcode 3, written under the library
    ws.transport.write(bytes([0x83, 0x80, 1, 2, 3, 4]))
    try:
        await asyncio.wait_for(ws.recv(), 10)
        raise CheckFailed("a message came instead of the close")
    except ConnectionClosed as e:
        check(e.rcvd is None or e.rcvd.code == 1002, f"close code {e.rcvd and e.rcvd.code}")


# ---- many connections ---------------------------------------------------------------------


@test("300 concurrent connections, 20 messages each (text and binary up to 8 KiB), all in order", timeout=90)
async def _():
    clients = await asyncio.gather(*[connect(OPTS.echo, wire=False) for _ in range(300)])

    async def one(k, ws):
        sent = []
        for i in range(20):
            size = (k * 37 + i * 411) % 8192
            m = os.urandom(size) if (i + k) % 2 == 0 else text_of_bytes(size, k + i)
            sent.append(m)
            await ws.send(m)
        for i, m in enumerate(sent):
            check(await asyncio.wait_for(ws.recv(), 30) == m, f"client {k} message {i}")

    try:
        await asyncio.gather(*[one(k, ws) for k, ws in enumerate(clients)])
    finally:
        await asyncio.gather(*[ws.close() for ws in clients], return_exceptions=True)


@test("1000 connections open at once, one echo each, all close with 1000", timeout=120)
async def _():
    clients = []
    try:
        for _ in range(10):
            clients += await asyncio.gather(*[connect(OPTS.echo, wire=False) for _ in range(100)])
        await asyncio.gather(*[echo(ws, f"client {k}") for k, ws in enumerate(clients)])
        await asyncio.gather(*[ws.close(1000, "bye") for ws in clients])
        codes = {ws.close_rcvd.code if ws.close_rcvd else None for ws in clients}
        check(codes == {1000}, f"close codes {codes}")
    finally:
        await asyncio.gather(*[ws.close() for ws in clients], return_exceptions=True)


@test("broadcast: 50 clients on /broadcast each send one message; everyone gets all 50")
async def _():
    url = urllib.parse.urljoin(OPTS.echo, "/broadcast")
    clients = await asyncio.gather(*[connect(url, wire=False) for _ in range(50)])
    try:
        for k, ws in enumerate(clients):
            await ws.send(f"from {k}")

        async def hear(ws):
            got = set()
            while len(got) < 50:
                got.add(await asyncio.wait_for(ws.recv(), 15))
            return got

        results = await asyncio.gather(*[hear(ws) for ws in clients])
        check(all(len(r) == 50 for r in results), "someone missed a message")
    finally:
        await asyncio.gather(*[ws.close() for ws in clients], return_exceptions=True)


# ---- permessage-deflate ---------------------------------------------------------------------


@test("deflate: a server without --deflate declines the default offer; echo works uncompressed")
async def _():
    async with Client(OPTS.echo, deflate=True) as ws:
        check(response_extensions(ws) is None, f"extensions {response_extensions(ws)!r}")
        check(not any(isinstance(e, PerMessageDeflate) for e in ws.extensions), "deflate active")
        await echo(ws, compressible(5000))
        check(not any(f["rsv1"] for f in ws.wire.outbound), "RSV1 sent without the extension")


@test("deflate: the library's default offer is accepted (permessage-deflate negotiated)")
async def _():
    async with Client(OPTS.deflate, deflate=True) as ws:
        header = response_extensions(ws)
        check(header and header.split(";")[0].strip() == "permessage-deflate", f"response {header!r}")
        check(any(isinstance(e, PerMessageDeflate) for e in ws.extensions), f"extensions {ws.extensions}")
        await echo(ws, compressible(5000).decode())


async def deflate_echo(ws, data, expect_server_rsv1=True):
    i, o = len(ws.wire.inbound), len(ws.wire.outbound)
    await echo(ws, data)
    out = data_frames(ws.wire.outbound[o:])
    inn = data_frames(ws.wire.inbound[i:])
    check(out[0]["rsv1"], f"client's {len(data)} bytes went out without RSV1")
    if expect_server_rsv1:
        check(inn[0]["rsv1"], f"server's echo of {len(data)} bytes has no RSV1 (sent uncompressed)")
    check(not any(f["rsv1"] for f in inn[1:]), "RSV1 on a continuation frame")
    return sum(f["len"] for f in inn), inn


for _label, _factory in [
    ("context takeover", lambda: ClientPerMessageDeflateFactory()),
    ("client_no_context_takeover", lambda: ClientPerMessageDeflateFactory(client_no_context_takeover=True)),
    ("server_no_context_takeover", lambda: ClientPerMessageDeflateFactory(server_no_context_takeover=True)),
    ("no context takeover both ways", lambda: ClientPerMessageDeflateFactory(
        server_no_context_takeover=True, client_no_context_takeover=True)),
]:

    @test(f"deflate, {_label}: text and binary 0..1 MiB, RSV1 both ways, data intact", timeout=90)
    async def _(factory=_factory, label=_label):
        async with Client(OPTS.deflate, deflate=factory()) as ws:
            params = ext_params(response_extensions(ws))
            if "server_no_context_takeover" in label or "both ways" in label:
                check(params.get("server_no_context_takeover") is True, f"response {response_extensions(ws)!r}")
            for size in SIZES:
                # an empty message may go out uncompressed (lwsj does that; RFC 7692 allows it)
                await deflate_echo(ws, compressible(size, size).decode(), expect_server_rsv1=size > 0)
                wire, _ = await deflate_echo(ws, compressible(size, size + 1), expect_server_rsv1=size > 0)
                if size >= 4096:
                    check(wire < size / 2, f"{size} compressible bytes took {wire} on the wire")
            for size in (0, 1000, 65537, MiB):
                await deflate_echo(ws, os.urandom(size), expect_server_rsv1=False)


@test("deflate: context takeover makes the server's second identical message much smaller")
async def _():
    async with Client(OPTS.deflate, deflate=True) as ws:
        data = os.urandom(6000).hex()
        a, _ = await deflate_echo(ws, data)
        b, _ = await deflate_echo(ws, data)
        check(b < a / 4, f"second {b} bytes vs first {a}: no context kept")


@test("deflate: with server_no_context_takeover the server's identical messages compress identically")
async def _():
    async with Client(OPTS.deflate, deflate=ClientPerMessageDeflateFactory(server_no_context_takeover=True)) as ws:
        data = os.urandom(6000).hex()
        sizes = []
        for _ in range(3):
            n, frames = await deflate_echo(ws, data)
            sizes.append(n)
        check(len(set(sizes)) == 1, f"server's compressed sizes {sizes}: it kept its context")


@test("deflate: server_max_window_bits=10 offered: the server confirms it (RFC 7692 7.1.2.1) and data survives")
async def _():
    try:
        ws = await connect(OPTS.deflate, deflate=ClientPerMessageDeflateFactory(server_max_window_bits=10))
    except NegotiationError as e:
        raise CheckFailed(f"websockets refused the server's answer: {e}") from None
    except InvalidHandshake as e:
        raise CheckFailed(f"handshake failed: {e!r}") from None
    try:
        data = os.urandom(1536).hex() * 8
        await deflate_echo(ws, data)
    finally:
        await ws.close()


@test("deflate: client_max_window_bits=9 offered; messages compressed with a 9-bit window inflate on the server")
async def _():
    async with Client(OPTS.deflate, deflate=ClientPerMessageDeflateFactory(client_max_window_bits=9)) as ws:
        params = ext_params(response_extensions(ws))
        if "client_max_window_bits" in params:
            check(int(params["client_max_window_bits"]) <= 9, f"response {response_extensions(ws)!r}")
        for size in (100, 5000, 300000):
            await deflate_echo(ws, compressible(size, size))


@test("deflate: fragmented compressed messages (text and 1 MiB binary) come back whole")
async def _():
    async with Client(OPTS.deflate, deflate=True) as ws:
        data = compressible(MiB, 9)
        await ws.send([data[i:i + 100000] for i in range(0, MiB, 100000)])
        check(await asyncio.wait_for(ws.recv(), 30) == data, "1 MiB fragmented compressed echo differs")
        out = data_frames(ws.wire.outbound)
        check(out[0]["rsv1"] and len(out) == 12, f"sent as {len(out)} fragments (11 + an empty FIN), RSV1 on the first")
        await ws.send(["frag", "mented ", "text"])
        check(await asyncio.wait_for(ws.recv(), 10) == "fragmented text", "text")


@test("deflate: ping/pong and close code/reason on a compressed connection; control frames not compressed")
async def _():
    ws = await connect(OPTS.deflate, deflate=True)
    await asyncio.wait_for(await ws.ping(b"deflate ping"), 5)
    await ws.close(4100, "compressed bye")
    check(ws.close_rcvd is not None and (ws.close_rcvd.code, ws.close_rcvd.reason) == (4100, "compressed bye"),
          f"close {ws.close_rcvd}")
    control = [f for f in ws.wire.inbound if f["opcode"] in (Opcode.PONG, Opcode.CLOSE)]
    check(control and not any(f["rsv1"] for f in control), "control frames with RSV1")


async def deflate_pipelines(k, m):
    """k clients at once each pipeline m incompressible 30000 byte messages to the
    deflate server; returns what went wrong (empty when every echo is intact)."""
    clients = await asyncio.gather(*[connect(OPTS.deflate, deflate=True, wire=False) for _ in range(k)])
    problems = []

    async def one(c, ws):
        sent = [os.urandom(30000) for _ in range(m)]
        try:
            for data in sent:
                await ws.send(data)
        except ConnectionClosed as e:
            problems.append(f"client {c}: closed while sending ({e})")
            return
        for i, data in enumerate(sent):
            try:
                got = await asyncio.wait_for(ws.recv(), 5)
            except (ConnectionClosed, asyncio.TimeoutError) as e:
                problems.append(f"client {c} message {i}: {type(e).__name__}")
                return
            if got != data:
                first = next((j for j in range(min(len(got), len(data))) if got[j] != data[j]), None)
                problems.append(f"client {c} message {i}: differs from byte {first}")

    try:
        await asyncio.gather(*[one(c, ws) for c, ws in enumerate(clients)])
    finally:
        for ws in clients:
            ws.transport.abort()
    return problems


@test("deflate: one connection pipelines 16 incompressible 30000 byte messages; all intact")
async def _():
    problems = await deflate_pipelines(1, 16)
    check(not problems, "; ".join(problems))


@test("deflate: 8 connections at once, 4 incompressible 30000 byte messages each; all intact (5 rounds)")
async def _():
    for r in range(5):
        problems = await deflate_pipelines(8, 4)
        check(not problems, f"round {r + 1}: {len(problems)} of 32 echoes wrong: " + "; ".join(problems[:6]))


@test("deflate: 100 concurrent compressed connections, 10 messages each up to 64 KiB", timeout=60)
async def _():
    clients = await asyncio.gather(*[connect(OPTS.deflate, deflate=True, wire=False) for _ in range(100)])

    async def one(k, ws):
        sent = [compressible((k * 997 + i * 6553) % 65536, k * 10 + i) for i in range(10)]
        for m in sent:
            await ws.send(m)
        for i, m in enumerate(sent):
            got = await asyncio.wait_for(ws.recv(), 10)
            check(got == m, f"client {k} message {i} differs")

    try:
        await asyncio.gather(*[one(k, ws) for k, ws in enumerate(clients)])
    finally:
        await asyncio.gather(*[ws.close() for ws in clients], return_exceptions=True)


# ---- TLS -------------------------------------------------------------------------------------


@test("wss + deflate: TLS handshake, text and binary 0..1 MiB, ping, close 4002", timeout=60)
async def _():
    if not OPTS.wss:
        raise CheckFailed("no --wss server given")
    async with Client(OPTS.wss, deflate=True) as ws:
        check(ws.extensions and isinstance(ws.extensions[0], PerMessageDeflate), "deflate over TLS")
        for size in SIZES:
            await echo(ws, text_of_bytes(size, size))
            await echo(ws, os.urandom(size))
        await asyncio.wait_for(await ws.ping(b"tls"), 5)
        await ws.close(4002, "tls bye")
        check(ws.close_rcvd.code == 4002 and ws.close_rcvd.reason == "tls bye", f"{ws.close_rcvd}")


# ---- runner -----------------------------------------------------------------------------------


async def main():
    passed = failed = 0
    started = time.monotonic()
    for name, fn, timeout in TESTS:
        if OPTS.only and OPTS.only not in name:
            continue
        if name.startswith("wss") and not OPTS.wss:
            continue
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(fn(), timeout)
            passed += 1
            print(f"ok     {name} ({(time.monotonic() - t0) * 1000:.0f} ms)", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            if isinstance(e, CheckFailed):
                detail = str(e)
            elif isinstance(e, asyncio.TimeoutError):
                detail = f"timed out after {timeout} s"
            else:
                detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            print(f"FAILED {name} ({(time.monotonic() - t0) * 1000:.0f} ms)\n         {detail}", flush=True)
    print(f"python websockets {websockets.__version__}: {time.monotonic() - started:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return failed == 0 and passed > 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--echo", required=True)
    ap.add_argument("--deflate", required=True)
    ap.add_argument("--wss")
    ap.add_argument("--ca")
    ap.add_argument("--only")
    OPTS = ap.parse_args()
    sys.exit(0 if asyncio.run(main()) else 1)
