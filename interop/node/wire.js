// WebSocket frames as they cross the wire (RFC 6455 section 5.2), read from a byte
// stream: what the node suite uses to see RSV1, opcodes and compressed sizes that a
// client library hides. Also a raw client for frames no library will send.
"use strict";

const net = require("node:net");
const crypto = require("node:crypto");

/**
 * Parses frames from a stream fed chunk by chunk. Each frame becomes
 * {fin, rsv1, rsv2, rsv3, opcode, masked, length, payload}; payload (unmasked) is
 * kept for frames up to keepPayload bytes, else null.
 */
class FrameReader {
  constructor({ keepPayload = 4 << 20, onFrame = null } = {}) {
    this.keepPayload = keepPayload;
    this.onFrame = onFrame;
    this.frames = [];
    this.header = Buffer.alloc(0);
    this.frame = null; // the frame whose payload is being read
    this.need = 0; // payload bytes still to come
    this.parts = [];
    this.error = null;
  }

  push(chunk) {
    let off = 0;
    while (off < chunk.length && !this.error) {
      if (!this.frame) {
        const take = Math.min(chunk.length - off, 14 - this.header.length);
        this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
        off += take;
        const parsed = this.parseHeader();
        if (!parsed) {
          continue; // need more header bytes
        }
        // give back what was taken beyond the header
        off -= this.header.length - parsed.headerLength;
        this.header = Buffer.alloc(0);
        this.frame = parsed.frame;
        this.need = parsed.frame.length;
        this.parts = [];
        if (this.need === 0) {
          this.finish();
        }
        continue;
      }
      const take = Math.min(chunk.length - off, this.need);
      if (this.frame.length <= this.keepPayload) {
        this.parts.push(chunk.subarray(off, off + take));
      }
      off += take;
      this.need -= take;
      if (this.need === 0) {
        this.finish();
      }
    }
  }

  parseHeader() {
    const h = this.header;
    if (h.length < 2) {
      return null;
    }
    let len = h[1] & 0x7f;
    let n = 2;
    if (len === 126) {
      if (h.length < 4) return null;
      len = h.readUInt16BE(2);
      n = 4;
    } else if (len === 127) {
      if (h.length < 10) return null;
      const big = h.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.error = new Error(`frame length ${big} is not sane`);
        return null;
      }
      len = Number(big);
      n = 10;
    }
    const masked = (h[1] & 0x80) !== 0;
    let mask = null;
    if (masked) {
      if (h.length < n + 4) return null;
      mask = Buffer.from(h.subarray(n, n + 4));
      n += 4;
    }
    return {
      headerLength: n,
      frame: {
        fin: (h[0] & 0x80) !== 0,
        rsv1: (h[0] & 0x40) !== 0,
        rsv2: (h[0] & 0x20) !== 0,
        rsv3: (h[0] & 0x10) !== 0,
        opcode: h[0] & 0x0f,
        masked,
        mask,
        length: len,
        payload: null,
      },
    };
  }

  finish() {
    const f = this.frame;
    if (f.length <= this.keepPayload) {
      const p = Buffer.concat(this.parts);
      if (f.masked) {
        for (let i = 0; i < p.length; i++) {
          p[i] ^= f.mask[i & 3];
        }
      }
      f.payload = p;
    }
    this.frame = null;
    this.parts = [];
    this.frames.push(f);
    if (this.onFrame) {
      this.onFrame(f);
    }
  }
}

/**
 * Taps a ws WebSocket's TCP socket once it is open: in.frames are the frames the
 * server sent, out.frames the frames this client wrote (both as on the wire).
 * Call right in the 'open' handler, before anything is sent or received.
 */
function tap(ws, opts) {
  const socket = ws._socket; // ws keeps the net.Socket here; there is no public accessor
  if (!socket) {
    throw new Error("tap: the WebSocket has no socket (not open?)");
  }
  const inbound = new FrameReader(opts);
  const outbound = new FrameReader(opts);
  socket.on("data", (chunk) => inbound.push(chunk));
  const write = socket.write;
  socket.write = function (data, ...rest) {
    if (Buffer.isBuffer(data) || data instanceof Uint8Array) {
      outbound.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } else if (typeof data === "string") {
      outbound.push(Buffer.from(data, rest.length && typeof rest[0] === "string" ? rest[0] : "utf8"));
    }
    return write.call(this, data, ...rest);
  };
  return { in: inbound, out: outbound };
}

/** Builds one client frame, masked, with any header bits (for a raw connection). */
function frame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, lengthOverride } = {}) {
  payload = Buffer.from(payload);
  const len = lengthOverride === undefined ? payload.length : lengthOverride;
  let head;
  if (len < 126) {
    head = Buffer.from([0, len]);
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (!mask) {
    return Buffer.concat([head, payload]);
  }
  head[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) {
    body[i] ^= key[i & 3];
  }
  return Buffer.concat([head, key, body]);
}

/**
 * A raw WebSocket client over TCP: does the opening handshake by hand, then lets a
 * test write any bytes. Resolves to {socket, response (the status line and headers),
 * frames (a FrameReader of what the server sends), ended (a promise of the TCP end)}.
 */
function rawConnect(url, { protocol, extensions, timeoutMs = 5000 } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) });
    const key = crypto.randomBytes(16).toString("base64");
    let head = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => fail(new Error(`raw handshake with ${url} timed out`)), timeoutMs);
    const frames = new FrameReader();
    let endedResolve;
    const ended = new Promise((r) => (endedResolve = r));
    socket.on("close", () => endedResolve(true));
    function fail(e) {
      if (!done) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      }
    }
    socket.on("error", fail);
    socket.on("connect", () => {
      const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${key}`,
        "Sec-WebSocket-Version: 13",
      ];
      if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
      if (extensions) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
      socket.write(lines.join("\r\n") + "\r\n\r\n");
    });
    socket.on("data", (chunk) => {
      if (done) {
        frames.push(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      const response = head.subarray(0, end).toString("latin1");
      const accept = crypto
        .createHash("sha1")
        .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .digest("base64");
      if (!/^HTTP\/1\.1 101/.test(response) || !response.includes(accept)) {
        fail(new Error(`raw handshake refused: ${response.split("\r\n")[0]}`));
        return;
      }
      done = true;
      clearTimeout(timer);
      const rest = head.subarray(end + 4);
      if (rest.length) {
        frames.push(rest);
      }
      resolve({ socket, response, frames, ended });
    });
  });
}

/** Close frame payload -> {code, reason} (code 1005 when there is none). */
function closeInfo(payload) {
  if (!payload || payload.length < 2) {
    return { code: 1005, reason: "" };
  }
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString("utf8") };
}

module.exports = { FrameReader, tap, frame, rawConnect, closeInfo };
