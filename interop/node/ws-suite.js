// The node `ws` client against lwsj's echo example (io.lwsj.examples.echo.EchoServer).
//
//   node ws-suite.js --echo ws://127.0.0.1:P/ --deflate ws://127.0.0.1:Q/
//                    [--wss wss://127.0.0.1:R/ --ca cert.pem] [--only NAME-PART]
//
// --echo is a server without compression, --deflate one started with --deflate,
// --wss (optional) one with --deflate and TLS whose certificate is in --ca.
"use strict";

const http = require("node:http");
const fs = require("node:fs");
const zlib = require("node:zlib");
const crypto = require("node:crypto");
const WebSocket = require("ws");
const { test, run, args, assert, sleep, until } = require("./harness");
const { tap, frame, rawConnect, closeInfo } = require("./wire");

const opt = args();
if (!opt.echo || !opt.deflate) {
  console.error("usage: node ws-suite.js --echo URL --deflate URL [--wss URL --ca FILE] [--only NAME-PART]");
  process.exit(2);
}
const ECHO = opt.echo;
const DEFLATE = opt.deflate;
const WSS = opt.wss || null;
const CA = opt.ca ? fs.readFileSync(opt.ca) : undefined;

const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 };
const MiB = 1 << 20;
/** Sizes around every framing boundary (7-bit, 16-bit, 64-bit lengths), up to 1 MiB. */
const SIZES = [0, 1, 2, 124, 125, 126, 127, 128, 1000, 4096, 65535, 65536, 65537, 200000, MiB - 1, MiB];

// ---- helpers -------------------------------------------------------------------

/**
 * Opens a ws client; resolves once open with ws.inbox (every message and the close,
 * in order), ws.upgrade (the 101 response headers) and, with wire: true, ws.wire (the
 * frames in both directions, see wire.js).
 */
function connect(url, { protocols, deflate = false, wire = false, headers } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, {
      perMessageDeflate: deflate,
      maxPayload: 256 * MiB,
      ca: CA,
      headers,
      handshakeTimeout: 10000,
    });
    ws.inbox = inbox(ws);
    ws.on("upgrade", (res) => (ws.upgrade = res.headers));
    ws.once("open", () => {
      if (wire) {
        ws.wire = tap(ws);
      }
      resolve(ws);
    });
    ws.once("error", reject);
    ws.once("unexpected-response", (req, res) =>
      reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
  });
}

/** Collects messages and the close of a ws client; next() waits for the next one. */
function inbox(ws) {
  const items = [];
  const waiters = [];
  const push = (item) => {
    const w = waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(item);
    } else {
      items.push(item);
    }
  };
  ws.on("message", (data, isBinary) => push({ data, isBinary }));
  ws.on("close", (code, reason) => push({ closed: true, code, reason: reason.toString("utf8") }));
  ws.on("error", (error) => push({ error }));
  return {
    next(ms = 15000) {
      if (items.length) {
        return Promise.resolve(items.shift());
      }
      return new Promise((resolve, reject) => {
        const w = { resolve };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no message or close within ${ms} ms`));
        }, ms);
        waiters.push(w);
      });
    },
    async message(ms) {
      const m = await this.next(ms);
      if (m.closed) {
        throw new Error(`closed (${m.code} ${JSON.stringify(m.reason)}) while a message was expected`);
      }
      if (m.error) {
        throw m.error;
      }
      return m;
    },
    async close(ms) {
      for (;;) {
        const m = await this.next(ms);
        if (m.closed) {
          return m;
        }
        if (m.error) {
          throw m.error;
        }
        throw new Error(`a message (${m.data.length} bytes) came where the close was expected`);
      }
    },
  };
}

/** A string of exactly n UTF-8 bytes with 1-, 2-, 3- and 4-byte characters in it. */
function textOfBytes(n, seed = 0) {
  const chars = ["l", "w", "s", "j", " ", "é", "€", "😀", "ж", "\u0000", "~"];
  let s = "";
  let bytes = 0;
  let i = seed;
  while (bytes < n) {
    const c = chars[i++ % chars.length];
    const b = Buffer.byteLength(c);
    if (bytes + b > n) {
      s += "a".repeat(n - bytes);
      break;
    }
    s += c;
    bytes += b;
  }
  return s;
}

/** n bytes that deflate well but are not trivial (words with some variation). */
function compressible(n, seed = 1) {
  const words = ["websocket", "lwsj", "libwebsockets", "deflate", "frame", "java", "echo", "mask"];
  const parts = [];
  let len = 0;
  let x = seed;
  while (len < n) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const w = words[x % words.length] + (x % 7 === 0 ? String(x % 1000) : "") + " ";
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join("")).subarray(0, n);
}

async function closeQuietly(ws) {
  if (ws.readyState === WebSocket.OPEN) {
    ws.close(1000);
    try {
      await ws.inbox.close(5000);
    } catch {
      ws.terminate();
    }
  } else if (ws.readyState !== WebSocket.CLOSED) {
    ws.terminate();
  }
}

/** Sends and checks the echo: same type, same bytes. */
async function echo(ws, data, binary) {
  ws.send(data, { binary });
  const m = await ws.inbox.message(30000);
  const expected = Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8");
  assert.equal(m.isBinary, binary, `echo of a ${binary ? "binary" : "text"} message came back as ${m.isBinary ? "binary" : "text"}`);
  if (!m.data.equals(expected)) {
    throw new Error(`echo of ${expected.length} bytes differs: got ${m.data.length} bytes` +
      (m.data.length === expected.length ? ` (first difference at ${firstDiff(m.data, expected)})` : ""));
  }
  return m;
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return i;
  }
  return n;
}

async function withClient(url, opts, fn) {
  const ws = await connect(url, opts);
  try {
    return await fn(ws);
  } finally {
    await closeQuietly(ws);
  }
}

/** The data frames (text, binary, continuation) among some wire frames. */
const dataFrames = (frames) => frames.filter((f) => f.opcode <= 2);

/** The Sec-WebSocket-Extensions response parsed: [{name, params: {k: v|true}}]. */
function parseExtensions(header) {
  if (!header) return [];
  return header.split(",").map((ext) => {
    const [name, ...ps] = ext.split(";").map((p) => p.trim());
    const params = {};
    for (const p of ps) {
      const [k, v] = p.split("=").map((s) => s.trim());
      params[k] = v === undefined ? true : v.replace(/^"|"$/g, "");
    }
    return { name, params };
  });
}

// ---- plain echo ----------------------------------------------------------------

test("HTTP GET without upgrade is answered 426 with Upgrade: websocket", async () => {
  const u = new URL(ECHO);
  const res = await new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path: "/", timeout: 5000 }, (r) => {
      r.resume();
      r.on("end", () => resolve(r));
    }).on("error", reject);
  });
  assert.equal(res.statusCode, 426);
  assert.match(String(res.headers.upgrade), /websocket/i);
});

test("handshake: 101 with the right accept key, no subprotocol unless asked, protocol echo when asked", async () => {
  await withClient(ECHO, {}, async (ws) => {
    assert.equal(ws.protocol, "", "no subprotocol was asked for");
    assert.equal(ws.extensions, "", "no extension was offered");
  });
  await withClient(ECHO, { protocols: ["nonesuch", "echo"] }, async (ws) => {
    assert.equal(ws.protocol, "echo");
    await echo(ws, "picked echo", false);
  });
});

for (const size of SIZES) {
  test(`text echo of ${size} bytes (UTF-8 with 1-4 byte characters)`, async () => {
    await withClient(ECHO, {}, (ws) => echo(ws, textOfBytes(size, size), false));
  });
}

for (const size of SIZES) {
  test(`binary echo of ${size} bytes (random)`, async () => {
    await withClient(ECHO, {}, (ws) => echo(ws, crypto.randomBytes(size), true));
  });
}

test("all sizes 0..1 MiB back to back on one connection, text and binary alternating, in order", async () => {
  await withClient(ECHO, {}, async (ws) => {
    const sent = [];
    for (const size of SIZES) {
      sent.push({ data: Buffer.from(textOfBytes(size, 3)), binary: false });
      sent.push({ data: crypto.randomBytes(size), binary: true });
    }
    for (const s of sent) ws.send(s.data, { binary: s.binary });
    for (let i = 0; i < sent.length; i++) {
      const m = await ws.inbox.message(30000);
      assert.equal(m.isBinary, sent[i].binary, `message ${i}: type`);
      assert.ok(m.data.equals(sent[i].data), `message ${i} (${sent[i].data.length} bytes) differs`);
    }
  });
});

test("one echo frame per message on the wire: a 1 MiB binary echo is one FIN binary frame, unmasked", async () => {
  await withClient(ECHO, { wire: true }, async (ws) => {
    const data = crypto.randomBytes(MiB);
    await echo(ws, data, true);
    const frames = dataFrames(ws.wire.in.frames);
    assert.ok(frames.length >= 1);
    assert.equal(frames[0].opcode, OP.BINARY);
    assert.equal(frames.reduce((n, f) => n + f.length, 0), MiB);
    assert.ok(frames[frames.length - 1].fin, "last frame has FIN");
    for (const f of frames) {
      assert.equal(f.masked, false, "server frames must not be masked (RFC 6455 5.1)");
      assert.equal(f.rsv1 || f.rsv2 || f.rsv3, false, "no RSV bit without an extension");
    }
  });
});

// ---- fragmentation ---------------------------------------------------------------

async function sendFragments(ws, parts, binary) {
  parts.forEach((p, i) => ws.send(p, { binary, fin: i === parts.length - 1 }));
}

test("fragmented text (3 fragments) comes back whole as one text message", async () => {
  await withClient(ECHO, { wire: true }, async (ws) => {
    const parts = ["Hello, ", "fragmented ", "world"];
    await sendFragments(ws, parts, false);
    const m = await ws.inbox.message();
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString(), parts.join(""));
    const out = dataFrames(ws.wire.out.frames);
    assert.deepEqual(out.map((f) => [f.opcode, f.fin]), [[OP.TEXT, false], [OP.CONT, false], [OP.CONT, true]],
      "the client really sent three fragments");
  });
});

test("fragmented text split inside multi-byte UTF-8 characters is reassembled correctly", async () => {
  await withClient(ECHO, {}, async (ws) => {
    const text = "€uro 😀 smile жук é";
    const bytes = Buffer.from(text);
    const parts = [];
    for (let i = 0; i < bytes.length; i += 1) parts.push(bytes.subarray(i, i + 1)); // one byte per fragment
    await sendFragments(ws, parts, false);
    const m = await ws.inbox.message();
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString("utf8"), text);
  });
});

test("fragmented binary: 1 MiB in 16 fragments of 64 KiB", async () => {
  await withClient(ECHO, {}, async (ws) => {
    const data = crypto.randomBytes(MiB);
    const parts = [];
    for (let i = 0; i < MiB; i += 65536) parts.push(data.subarray(i, i + 65536));
    await sendFragments(ws, parts, true);
    const m = await ws.inbox.message(30000);
    assert.equal(m.isBinary, true);
    assert.ok(m.data.equals(data), "1 MiB fragmented echo differs");
  });
});

test("fragmented binary: 2000 fragments of 1 byte", async () => {
  await withClient(ECHO, {}, async (ws) => {
    const data = crypto.randomBytes(2000);
    await sendFragments(ws, [...data].map((b) => Buffer.from([b])), true);
    const m = await ws.inbox.message();
    assert.ok(m.data.equals(data));
  });
});

test("fragmented with empty fragments (empty first, middle and last)", async () => {
  await withClient(ECHO, {}, async (ws) => {
    await sendFragments(ws, [Buffer.alloc(0), Buffer.from("ab"), Buffer.alloc(0), Buffer.from("cd"), Buffer.alloc(0)], true);
    const m = await ws.inbox.message();
    assert.equal(m.data.toString(), "abcd");
    await sendFragments(ws, ["", ""], false);
    const e = await ws.inbox.message();
    assert.equal(e.isBinary, false);
    assert.equal(e.data.length, 0);
  });
});

test("a ping between fragments is answered at once and the message still comes back whole", async () => {
  await withClient(ECHO, {}, async (ws) => {
    const pong = new Promise((r) => ws.once("pong", r));
    ws.send("first half, ", { binary: false, fin: false });
    ws.ping(Buffer.from("in the middle"));
    const p = await Promise.race([pong, sleep(5000).then(() => null)]);
    assert.ok(p, "no pong while the message was half sent");
    assert.equal(p.toString(), "in the middle");
    ws.send("second half", { binary: false, fin: true });
    const m = await ws.inbox.message();
    assert.equal(m.data.toString(), "first half, second half");
  });
});

test("fragmented messages interleaved with whole ones keep their order", async () => {
  await withClient(ECHO, {}, async (ws) => {
    ws.send("one");
    await sendFragments(ws, ["t", "w", "o"], false);
    ws.send(Buffer.from([3]), { binary: true });
    await sendFragments(ws, [Buffer.from([4]), Buffer.from([4])], true);
    const got = [];
    for (let i = 0; i < 4; i++) {
      const m = await ws.inbox.message();
      got.push(m.isBinary ? [...m.data].join(",") : m.data.toString());
    }
    assert.deepEqual(got, ["one", "two", "3", "4,4"]);
  });
});

// ---- ping / pong ---------------------------------------------------------------

test("ping with 0, 1 and 125 bytes of payload gets a pong with the same payload", async () => {
  await withClient(ECHO, { wire: true }, async (ws) => {
    for (const n of [0, 1, 125]) {
      const payload = crypto.randomBytes(n);
      const pong = new Promise((r) => ws.once("pong", r));
      ws.ping(payload);
      const got = await Promise.race([pong, sleep(5000).then(() => null)]);
      assert.ok(got, `no pong for a ${n} byte ping`);
      assert.ok(got.equals(payload), `pong payload for ${n} bytes differs`);
    }
    const pongs = ws.wire.in.frames.filter((f) => f.opcode === OP.PONG);
    assert.equal(pongs.length, 3, "one pong frame per ping");
  });
});

for (const n of [2, 5, 100]) {
  test(`${n} pings in a row: the most recent one is answered (RFC 6455 5.5.3 lets only older ones go)`, async () => {
    await withClient(ECHO, {}, async (ws) => {
      const got = [];
      ws.on("pong", (d) => got.push(d.toString()));
      for (let i = 0; i < n; i++) ws.ping(String(i));
      await echo(ws, "after the pings", false); // the pings were all read by now
      await sleep(300);
      const numbers = got.map(Number);
      assert.ok(numbers.every((x, i) => i === 0 || x > numbers[i - 1]), `pongs out of order: ${got}`);
      assert.equal(got[got.length - 1], String(n - 1),
        `pong for the last ping "${n - 1}" missing; ${got.length} pongs came: [${got.join(",")}]`);
    });
  });
}

test("an unsolicited pong from the client is ignored; the connection goes on", async () => {
  await withClient(ECHO, {}, async (ws) => {
    ws.pong(Buffer.from("unasked"));
    await echo(ws, "still here", false);
  });
});

// ---- close -----------------------------------------------------------------------

for (const [code, reason] of [
  [1000, "normal"],
  [1001, "going away"],
  [3000, "registered"],
  [4000, ""],
  [4999, "private use, UTF-8: é€😀"],
  [4321, "r".repeat(123)], // the longest reason a close frame can carry
]) {
  test(`client close ${code} with a ${Buffer.byteLength(reason)} byte reason: the server echoes the code (and reason)`, async () => {
    const ws = await connect(ECHO, { wire: true });
    ws.close(code, reason);
    const c = await ws.inbox.close(10000);
    assert.equal(c.code, code, "close code echoed by the server");
    const frames = ws.wire.in.frames.filter((f) => f.opcode === OP.CLOSE);
    assert.equal(frames.length, 1, "exactly one close frame from the server");
    const info = closeInfo(frames[0].payload);
    assert.equal(info.code, code);
    assert.equal(info.reason, reason, "the server's close frame carries the client's reason back");
  });
}

test("client close without a status code: the server answers with an empty close (1005 to the app)", async () => {
  const ws = await connect(ECHO, { wire: true });
  ws.close();
  const c = await ws.inbox.close(10000);
  assert.equal(c.code, 1005);
  const frames = ws.wire.in.frames.filter((f) => f.opcode === OP.CLOSE);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].length, 0, "empty close payload back");
});

test("after the close handshake the server closes TCP (no lingering socket)", async () => {
  const ws = await connect(ECHO);
  const t0 = Date.now();
  const closed = new Promise((r) => ws._socket.once("close", r));
  ws.close(1000, "bye");
  await ws.inbox.close(10000);
  await Promise.race([closed, sleep(5000).then(() => { throw new Error("TCP still open 5 s after the close handshake"); })]);
  assert.ok(Date.now() - t0 < 5000);
});

test("50 messages then a close in one burst: echoes that come are in order, then the close 1000", async () => {
  const ws = await connect(ECHO);
  for (let i = 0; i < 50; i++) ws.send(`m${i}`);
  ws.close(1000, "done");
  const got = [];
  for (;;) {
    const m = await ws.inbox.next(10000);
    if (m.closed) {
      assert.equal(m.code, 1000);
      break;
    }
    got.push(m.data.toString());
  }
  // RFC 6455 lets a server stop sending data once it has a close; which echoes still
  // come is up to the server (lws answers the close at once and drops the rest)
  assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => `m${i}`));
  console.log(`       (note: ${got.length} of 50 echoes came before the server's close frame)`);
});

test("server close 1009 with a reason when a message exceeds the echo server's 64 MiB limit", async () => {
  const ws = await connect(ECHO);
  ws.send(Buffer.alloc(64 * MiB + 1, 0x61), { binary: true });
  const c = await ws.inbox.close(30000);
  assert.equal(c.code, 1009, `close code (reason ${JSON.stringify(c.reason)})`);
  assert.ok(Buffer.byteLength(c.reason) <= 123);
}, { timeoutMs: 60000 });

/**
 * Sends raw frames after a hand-made handshake and waits for the server to close TCP
 * (answering its close frame, if one comes, as a client would); returns the server's
 * close frame or null, whether TCP ended, and every frame the server sent.
 */
async function rawExchange(url, bytes, { waitMs = 5000 } = {}) {
  const raw = await rawConnect(url);
  try {
    raw.socket.write(bytes);
    const closeFrame = await Promise.race([
      until(() => raw.frames.frames.find((f) => f.opcode === OP.CLOSE), waitMs, "a close frame").catch(() => null),
      raw.ended.then(() => raw.frames.frames.find((f) => f.opcode === OP.CLOSE) || null),
    ]);
    if (closeFrame && !raw.socket.destroyed) {
      raw.socket.write(frame(OP.CLOSE, closeFrame.payload.subarray(0, 2)));
    }
    const ended = await Promise.race([raw.ended, sleep(waitMs).then(() => false)]);
    return { closeFrame, ended, frames: raw.frames.frames };
  } finally {
    raw.socket.destroy();
  }
}

for (const [what, bytes, expected] of [
  ["an unmasked client frame", () => frame(OP.TEXT, "hi", { mask: false }), 1002],
  ["a reserved opcode (3)", () => frame(3, "x"), 1002],
  ["RSV1 without a negotiated extension", () => frame(OP.TEXT, "x", { rsv: 4 }), 1002],
  ["a ping with 126 bytes (control frames are at most 125)", () => frame(OP.PING, Buffer.alloc(126)), 1002],
  ["a fragmented ping", () => frame(OP.PING, "x", { fin: false }), 1002],
  ["a continuation with no message started", () => frame(OP.CONT, "x"), 1002],
  ["a new text frame inside a fragmented message", () =>
    Buffer.concat([frame(OP.TEXT, "a", { fin: false }), frame(OP.TEXT, "b")]), 1002],
  ["a close frame with a 1-byte payload", () => frame(OP.CLOSE, Buffer.from([3])), 1002],
  ["a close frame with code 1005 (must not be sent)", () => frame(OP.CLOSE, Buffer.from([0x03, 0xed])), 1002],
  ["a close frame with code 999", () => frame(OP.CLOSE, Buffer.from([0x03, 0xe7])), 1002],
  ["a close frame with reserved code 2999", () => frame(OP.CLOSE, Buffer.from([0x0b, 0xb7])), 1002],
]) {
  // "Fail the WebSocket Connection" (RFC 6455 7.1.7): a close frame with 1002 is
  // optional, closing TCP is not; nothing may be echoed
  test(`protocol error from a raw client, ${what}: server fails the connection (${expected} or plain TCP close)`, async () => {
    const r = await rawExchange(ECHO, bytes());
    const seen = `server sent opcodes [${r.frames.map((f) => f.opcode)}], TCP ${r.ended ? "closed" : "still open"}`;
    assert.ok(!r.frames.some((f) => f.opcode === OP.TEXT || f.opcode === OP.BINARY),
      `the server processed the bad frame as data (${seen})`);
    if (r.closeFrame) {
      const info = closeInfo(r.closeFrame.payload);
      assert.equal(info.code, expected, `close code (reason ${JSON.stringify(info.reason)}; ${seen})`);
    }
    assert.ok(r.ended, `TCP was not closed (${seen})`);
  });
}

test("a raw client that closes TCP without a close frame does not disturb other clients", async () => {
  const raw = await rawConnect(ECHO);
  raw.socket.write(frame(OP.TEXT, "half", { fin: false }));
  raw.socket.destroy();
  await withClient(ECHO, {}, (ws) => echo(ws, "others unaffected", false));
});

// ---- many connections --------------------------------------------------------------

test("300 concurrent connections, 20 messages each (text and binary up to 8 KiB), all echoed in order", async () => {
  const N = 300;
  const clients = await Promise.all(Array.from({ length: N }, () => connect(ECHO)));
  try {
    await Promise.all(clients.map(async (ws, k) => {
      const sent = [];
      for (let i = 0; i < 20; i++) {
        const binary = (i + k) % 2 === 0;
        const size = (k * 37 + i * 411) % 8192;
        const data = binary ? crypto.randomBytes(size) : Buffer.from(textOfBytes(size, k + i));
        sent.push({ data, binary });
        ws.send(data, { binary });
      }
      for (let i = 0; i < sent.length; i++) {
        const m = await ws.inbox.message(30000);
        assert.equal(m.isBinary, sent[i].binary);
        assert.ok(m.data.equals(sent[i].data), `client ${k} message ${i} differs`);
      }
    }));
  } finally {
    await Promise.all(clients.map(closeQuietly));
  }
}, { timeoutMs: 60000 });

test("1000 connections open at once, each echoes once, then all close cleanly with 1000", async () => {
  const N = 1000;
  const clients = [];
  try {
    for (let i = 0; i < N; i += 100) {
      clients.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => connect(ECHO))));
    }
    await Promise.all(clients.map((ws, k) => echo(ws, `client ${k}`, false)));
    const closes = await Promise.all(clients.map((ws) => {
      ws.close(1000, "bye");
      return ws.inbox.close(20000);
    }));
    assert.ok(closes.every((c) => c.code === 1000), "every close answered with 1000");
  } finally {
    clients.forEach((ws) => ws.readyState !== WebSocket.CLOSED && ws.terminate());
  }
}, { timeoutMs: 90000 });

test("broadcast: 50 clients on /broadcast each send one message; every client gets all 50", async () => {
  const N = 50;
  const base = new URL(ECHO);
  base.pathname = "/broadcast";
  const clients = await Promise.all(Array.from({ length: N }, () => connect(base.toString())));
  try {
    clients.forEach((ws, k) => ws.send(`from ${k}`));
    await Promise.all(clients.map(async (ws) => {
      const got = new Set();
      while (got.size < N) got.add((await ws.inbox.message(15000)).data.toString());
      assert.equal(got.size, N);
    }));
  } finally {
    await Promise.all(clients.map(closeQuietly));
  }
});

test("broadcast by subprotocol: a client asking for 'broadcast' on / gets it and hears another", async () => {
  const a = await connect(ECHO, { protocols: ["broadcast"] });
  const b = await connect(ECHO, { protocols: ["broadcast"] });
  try {
    assert.equal(a.protocol, "broadcast");
    a.send(Buffer.from([1, 2, 3]), { binary: true });
    for (const ws of [a, b]) {
      const m = await ws.inbox.message();
      assert.equal(m.isBinary, true);
      assert.deepEqual([...m.data], [1, 2, 3]);
    }
  } finally {
    await closeQuietly(a);
    await closeQuietly(b);
  }
});

// ---- permessage-deflate --------------------------------------------------------------

const PMD = (extra = {}) => ({ threshold: 0, ...extra }); // threshold 0: ws compresses every message

test("deflate: the server without --deflate declines the offer and echo still works", async () => {
  await withClient(ECHO, { deflate: PMD(), wire: true }, async (ws) => {
    assert.equal(ws.upgrade["sec-websocket-extensions"], undefined);
    assert.equal(ws.extensions, "");
    await echo(ws, compressible(1000), true);
    assert.ok(ws.wire.out.frames.every((f) => !f.rsv1), "client does not compress without the extension");
  });
});

test("deflate: negotiated; response is a valid permessage-deflate response to the default offer", async () => {
  await withClient(DEFLATE, { deflate: PMD(), wire: true }, async (ws) => {
    const ext = parseExtensions(ws.upgrade["sec-websocket-extensions"]);
    assert.equal(ext.length, 1, `one extension accepted: ${ws.upgrade["sec-websocket-extensions"]}`);
    assert.equal(ext[0].name, "permessage-deflate");
    assert.equal(ws.extensions, "permessage-deflate");
    await echo(ws, compressible(5000), false);
  });
});

/** Sends data over a deflate connection; checks the echo and RSV1 on both directions' first frame. */
async function deflateEcho(ws, data, binary, { expectServerRsv1 = true } = {}) {
  const inBefore = ws.wire.in.frames.length;
  const outBefore = ws.wire.out.frames.length;
  await echo(ws, data, binary);
  const out = dataFrames(ws.wire.out.frames.slice(outBefore));
  const inn = dataFrames(ws.wire.in.frames.slice(inBefore));
  assert.ok(out[0].rsv1, `client's ${data.length} byte message went out compressed (RSV1)`);
  if (expectServerRsv1) {
    assert.ok(inn[0].rsv1, `server's echo of ${data.length} bytes has RSV1 set (was sent uncompressed)`);
  }
  for (const f of inn.slice(1)) assert.ok(!f.rsv1, "RSV1 only on the first frame of a message");
  return { out, in: inn, wireIn: inn.reduce((n, f) => n + f.length, 0), wireOut: out.reduce((n, f) => n + f.length, 0) };
}

for (const [label, params] of [
  ["context takeover", {}],
  ["no context takeover (both sides)", { serverNoContextTakeover: true, clientNoContextTakeover: true }],
]) {
  test(`deflate, ${label}: compressible text and binary, all sizes 0..1 MiB, RSV1 both ways, data intact`, async () => {
    await withClient(DEFLATE, { deflate: PMD(params), wire: true }, async (ws) => {
      for (const size of SIZES) {
        // an empty message may go uncompressed (lwsj sends it plain, RFC 7692 allows it)
        await deflateEcho(ws, compressible(size, size).toString("latin1"), false, { expectServerRsv1: size > 0 });
        const r = await deflateEcho(ws, compressible(size, size + 1), true, { expectServerRsv1: size > 0 });
        if (size >= 4096) {
          assert.ok(r.wireIn < size / 2, `server's echo of ${size} compressible bytes is ${r.wireIn} bytes on the wire`);
        }
      }
    });
  }, { timeoutMs: 60000 });

  test(`deflate, ${label}: random (incompressible) binary, all sizes 0..1 MiB, data intact`, async () => {
    await withClient(DEFLATE, { deflate: PMD(params), wire: true }, async (ws) => {
      for (const size of SIZES) {
        await deflateEcho(ws, crypto.randomBytes(size), true, { expectServerRsv1: false });
      }
    });
  }, { timeoutMs: 60000 });
}

test("deflate: with context takeover the server's second identical message is much smaller on the wire", async () => {
  await withClient(DEFLATE, { deflate: PMD(), wire: true }, async (ws) => {
    const data = crypto.randomBytes(8000).toString("base64"); // compresses only by reference
    const a = await deflateEcho(ws, data, false);
    const b = await deflateEcho(ws, data, false);
    assert.ok(b.wireIn < a.wireIn / 4, `second echo ${b.wireIn} bytes vs first ${a.wireIn}: server kept no context`);
  });
});

test("deflate: server_no_context_takeover is confirmed and honoured (identical messages, identical sizes)", async () => {
  await withClient(DEFLATE, { deflate: PMD({ serverNoContextTakeover: true }), wire: true }, async (ws) => {
    const ext = parseExtensions(ws.upgrade["sec-websocket-extensions"])[0];
    assert.equal(ext.params.server_no_context_takeover, true, "server_no_context_takeover in the response");
    const data = crypto.randomBytes(8000).toString("base64");
    // ws keeps its own (client) context: its second message refers back to the first
    const a = await deflateEcho(ws, data, false);
    const b = await deflateEcho(ws, data, false).catch((e) => {
      throw new Error(`second message: ${e.message} (did the server reset its inflater instead of its compressor?)`);
    });
    const c = await deflateEcho(ws, data, false);
    assert.ok(a.in[0].payload.equals(b.in[0].payload) && b.in[0].payload.equals(c.in[0].payload),
      `server's compressed echoes differ (${a.wireIn}, ${b.wireIn}, ${c.wireIn} bytes): it kept its context`);
  });
});

test("deflate: client_no_context_takeover is accepted; the client's fresh-context messages inflate fine", async () => {
  await withClient(DEFLATE, { deflate: PMD({ clientNoContextTakeover: true }), wire: true }, async (ws) => {
    const ext = parseExtensions(ws.upgrade["sec-websocket-extensions"])[0];
    assert.equal(ext.name, "permessage-deflate");
    const data = crypto.randomBytes(8000).toString("base64");
    for (let i = 0; i < 5; i++) await deflateEcho(ws, data, false);
  });
});

/** Inflates one message's compressed payload as RFC 7692 7.2.2 says, with a given window. */
function inflateMessage(payload, windowBits) {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]),
    { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

test("deflate: server_max_window_bits=10 is confirmed in the response (RFC 7692 7.1.2.1) and honoured", async () => {
  await withClient(DEFLATE, { deflate: PMD({ serverMaxWindowBits: 10 }), wire: true }, async (ws) => {
    // 2 KiB blocks repeated: a 15-bit compressor refers back 2048 bytes, a 10-bit one cannot
    const block = crypto.randomBytes(1536).toString("base64");
    const data = block.repeat(16);
    const r = await deflateEcho(ws, data, false);
    let ok = true;
    try {
      // the server may send the message in several frames: inflate them all together
      assert.equal(inflateMessage(Buffer.concat(r.in.map((f) => f.payload)), 10).toString(), data);
    } catch (e) {
      ok = false;
    }
    const header = ws.upgrade["sec-websocket-extensions"];
    const ext = parseExtensions(header)[0];
    const problems = [];
    if (ext.params.server_max_window_bits === undefined) {
      problems.push(`response "${header}" drops server_max_window_bits (a server must confirm it or decline the offer)`);
    }
    if (!ok) {
      problems.push(`the server's ${r.wireIn} byte compressed echo does not inflate with a 10-bit window: it used a larger one`);
    }
    assert.equal(problems.length, 0, problems.join("; "));
  });
});

test("deflate: client_max_window_bits=9 offered; the client compresses with 9 bits and the server inflates it", async () => {
  await withClient(DEFLATE, { deflate: PMD({ clientMaxWindowBits: 9 }), wire: true }, async (ws) => {
    const ext = parseExtensions(ws.upgrade["sec-websocket-extensions"])[0];
    if (ext.params.client_max_window_bits !== undefined) {
      assert.ok(Number(ext.params.client_max_window_bits) <= 9, `client_max_window_bits=${ext.params.client_max_window_bits} > 9`);
    }
    for (const size of [100, 5000, 300000]) await deflateEcho(ws, compressible(size, size), true);
  });
});

test("deflate: fragmented compressed messages (ws compresses across fragments) come back whole", async () => {
  await withClient(DEFLATE, { deflate: PMD(), wire: true }, async (ws) => {
    const data = compressible(MiB, 7);
    const parts = [];
    for (let i = 0; i < MiB; i += 100000) parts.push(data.subarray(i, i + 100000));
    await sendFragments(ws, parts, true);
    const m = await ws.inbox.message(30000);
    assert.ok(m.data.equals(data), "1 MiB fragmented compressed echo differs");
    const out = dataFrames(ws.wire.out.frames);
    assert.ok(out[0].rsv1 && out.length === parts.length, `client sent ${out.length} fragments, first with RSV1`);
    await sendFragments(ws, ["frag", "mented ", "text"], false);
    assert.equal((await ws.inbox.message()).data.toString(), "fragmented text");
  });
});

test("deflate: a mix of compressed and uncompressed client messages on one connection (ws threshold 1 KiB)", async () => {
  // ws leaves small messages uncompressed only without client context takeover
  await withClient(DEFLATE, { deflate: { threshold: 1024, clientNoContextTakeover: true }, wire: true }, async (ws) => {
    for (const size of [10, 5000, 20, 70000, 0, 1023, 1024, 1025]) {
      await echo(ws, compressible(size, size), true);
    }
    const out = dataFrames(ws.wire.out.frames);
    assert.ok(out.some((f) => f.rsv1) && out.some((f) => !f.rsv1), "both kinds were sent");
  });
});

test("deflate: ping/pong and close codes work on a compressed connection", async () => {
  const ws = await connect(DEFLATE, { deflate: PMD(), wire: true });
  const pong = new Promise((r) => ws.once("pong", r));
  ws.ping("deflate ping");
  assert.equal((await Promise.race([pong, sleep(5000).then(() => Buffer.from("(none)"))])).toString(), "deflate ping");
  ws.close(4100, "compressed bye");
  const c = await ws.inbox.close(10000);
  assert.equal(c.code, 4100);
  assert.equal(c.reason, "compressed bye");
  const f = ws.wire.in.frames.find((x) => x.opcode === OP.CLOSE);
  assert.ok(f && !f.rsv1, "control frames are never compressed");
});

/**
 * k clients at once each pipeline m incompressible messages of 30000 bytes to the
 * deflate server; returns a list of what went wrong (empty when every echo is intact).
 */
async function deflatePipelines(k, m) {
  const clients = await Promise.all(Array.from({ length: k }, () => connect(DEFLATE, { deflate: PMD() })));
  try {
    const sent = clients.map(() => Array.from({ length: m }, () => crypto.randomBytes(30000)));
    clients.forEach((ws, c) => sent[c].forEach((d) => ws.send(d, { binary: true })));
    const problems = [];
    await Promise.all(clients.map(async (ws, c) => {
      for (let i = 0; i < m; i++) {
        const r = await ws.inbox.next(5000).catch((e) => ({ error: e }));
        if (r.error || r.closed) {
          problems.push(`client ${c} message ${i}: ${r.error ? "no echo within 5 s" : `closed ${r.code}`}`);
          return;
        }
        if (!r.data.equals(sent[c][i])) {
          problems.push(`client ${c} message ${i}: differs from byte ${firstDiff(r.data, sent[c][i])}`);
        }
      }
    }));
    return problems;
  } finally {
    clients.forEach((ws) => ws.terminate());
  }
}

test("deflate: one connection pipelines 16 incompressible 30000 byte messages; all intact", async () => {
  const problems = await deflatePipelines(1, 16);
  assert.equal(problems.length, 0, problems.join("; "));
});

test("deflate: 4 connections at once, 4 incompressible 30000 byte messages each; all intact (3 rounds)", async () => {
  // the same 16 messages as above, spread over 4 connections: the server's inflate
  // goes wrong when connections receive compressed data at the same time
  for (let r = 1; r <= 3; r++) {
    const problems = await deflatePipelines(4, 4);
    assert.equal(problems.length, 0, `round ${r}: ${problems.length} of 16 echoes wrong: ${problems.slice(0, 6).join("; ")}`);
  }
});

test("deflate: 100 concurrent compressed connections, 10 messages each up to 64 KiB", async () => {
  const clients = await Promise.all(Array.from({ length: 100 }, () => connect(DEFLATE, { deflate: PMD() })));
  try {
    await Promise.all(clients.map(async (ws, k) => {
      const sent = Array.from({ length: 10 }, (_, i) => compressible((k * 997 + i * 6553) % 65536, k * 10 + i));
      sent.forEach((d, i) => ws.send(d, { binary: i % 2 === 0 }));
      for (let i = 0; i < sent.length; i++) {
        const m = await ws.inbox.message(30000);
        assert.ok(m.data.equals(sent[i]), `client ${k} message ${i} differs`);
      }
      assert.equal(ws.extensions, "permessage-deflate");
    }));
  } finally {
    await Promise.all(clients.map(closeQuietly));
  }
}, { timeoutMs: 60000 });

test("deflate: a corrupt compressed message from a raw client closes with 1007 (or 1002), never crashes the server", async () => {
  const raw = await rawConnect(DEFLATE, { extensions: "permessage-deflate" });
  assert.match(raw.response, /sec-websocket-extensions:\s*permessage-deflate/i);
  raw.socket.write(frame(OP.BINARY, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x11]), { rsv: 4 }));
  const f = await until(() => raw.frames.frames.find((x) => x.opcode === OP.CLOSE), 5000, "a close frame").catch(() => null);
  const ended = await Promise.race([raw.ended, sleep(5000).then(() => false)]);
  raw.socket.destroy();
  assert.ok(f || ended, "the server neither closed nor hung up");
  if (f) {
    const info = closeInfo(f.payload);
    assert.ok([1002, 1007].includes(info.code), `close code ${info.code} ${JSON.stringify(info.reason)}`);
  }
  await withClient(DEFLATE, { deflate: PMD() }, (ws) => echo(ws, "server alive", false));
});

// ---- TLS --------------------------------------------------------------------------

if (WSS) {
  test("wss + deflate: handshake over TLS, sizes 0..1 MiB text and binary, compressed both ways", async () => {
    await withClient(WSS, { deflate: PMD() }, async (ws) => {
      assert.equal(ws.extensions, "permessage-deflate");
      for (const size of SIZES) {
        await echo(ws, textOfBytes(size, size), false);
        await echo(ws, crypto.randomBytes(size), true);
      }
    });
  }, { timeoutMs: 60000 });

  test("wss: fragmented, ping/pong and close code over TLS", async () => {
    const ws = await connect(WSS);
    await sendFragments(ws, ["tl", "s"], false);
    assert.equal((await ws.inbox.message()).data.toString(), "tls");
    const pong = new Promise((r) => ws.once("pong", r));
    ws.ping("p");
    assert.equal((await pong).toString(), "p");
    ws.close(4002, "tls bye");
    const c = await ws.inbox.close(10000);
    assert.deepEqual([c.code, c.reason], [4002, "tls bye"]);
  });

  test("wss: 100 concurrent TLS connections echo", async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => connect(WSS)));
    try {
      await Promise.all(clients.map((ws, k) => echo(ws, crypto.randomBytes(k * 100), true)));
    } finally {
      await Promise.all(clients.map(closeQuietly));
    }
  }, { timeoutMs: 60000 });
}

run("node ws " + require("ws/package.json").version, { filter: opt.only }).then((ok) => process.exit(ok ? 0 : 1));
