package io.lwsj;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Frame- and compression-level helpers for permessage-deflate (RFC 7692) and other
 * extension tests over a {@link RawClient}: a handshake with a Sec-WebSocket-Extensions
 * offer, client frames with RSV bits, server frames read with their RSV bits, and
 * whole messages assembled from fragments. The compressor and decompressor follow
 * RFC 7692 7.2: raw DEFLATE, SYNC_FLUSH, the 00 00 ff ff tail stripped on send and
 * appended on receipt.
 */
final class DeflateWire {
    static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private DeflateWire() {}

    /** A server frame with its RSV bits (0x40 = RSV1). */
    record WireFrame(boolean fin, int rsv, int opcode, byte[] payload) {
        boolean rsv1() {
            return (rsv & 0x40) != 0;
        }
    }

    /**
     * A whole data message as it came off the wire: the first frame's opcode and RSV
     * bits, the frames' payloads joined (still compressed when RSV1 was set), the
     * number of frames and the bytes on the wire (headers included).
     */
    record WireMessage(int opcode, int rsv, byte[] payload, int frames, long wireBytes) {
        boolean rsv1() {
            return (rsv & 0x40) != 0;
        }
    }

    /**
     * Sends an upgrade request for protocol with this Sec-WebSocket-Extensions offer
     * (null: none) and checks the 101 and its accept key; returns the response head.
     */
    static RawClient.Head upgrade(RawClient c, int port, String protocol, String extensions) throws IOException {
        String key = RawClient.newKey();
        Map<String, String> extra = new LinkedHashMap<>();
        if (extensions != null) {
            extra.put("Sec-WebSocket-Extensions", extensions);
        }
        c.write(RawClient.upgradeRequest(port, "/", key, "13", protocol, extra));
        RawClient.Head h = c.readHead();
        if (h == null || h.status() != 101) {
            throw new AssertionError("expected 101, got " + (h == null ? "EOF" : h.statusLine() + " " + h.headers()));
        }
        if (!RawClient.acceptFor(key).equals(h.header("sec-websocket-accept"))) {
            throw new AssertionError("bad Sec-WebSocket-Accept: " + h.header("sec-websocket-accept"));
        }
        return h;
    }

    /** One masked client frame; rsv is ORed into the first byte (0x40 = RSV1). */
    static byte[] clientFrame(int opcode, boolean fin, int rsv, byte[] payload) {
        byte[] f = RawClient.encodeClientFrame(opcode, fin, payload);
        f[0] |= (byte) (rsv & 0x70);
        return f;
    }

    /** Reads one server frame, keeping its RSV bits. */
    static WireFrame readFrame(RawClient c) throws IOException {
        byte[] h = c.readFully(2);
        boolean fin = (h[0] & 0x80) != 0;
        int rsv = h[0] & 0x70;
        int opcode = h[0] & 0xf;
        boolean masked = (h[1] & 0x80) != 0;
        long len = h[1] & 0x7f;
        if (len == 126) {
            byte[] e = c.readFully(2);
            len = ((e[0] & 0xff) << 8) | (e[1] & 0xff);
        } else if (len == 127) {
            byte[] e = c.readFully(8);
            len = 0;
            for (byte x : e) {
                len = (len << 8) | (x & 0xff);
            }
        }
        if (len > 64L * 1024 * 1024) {
            throw new IOException("frame of " + len + " bytes");
        }
        if (masked) {
            throw new AssertionError("the server sent a masked frame");
        }
        return new WireFrame(fin, rsv, opcode, c.readFully((int) len));
    }

    static int headerBytes(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength <= 0xffff ? 4 : 10;
    }

    /**
     * Reads frames up to the end of the next data message. RSV bits may only be set on
     * the first frame (RFC 7692 6.1); a close frame is an AssertionError that says why.
     */
    static WireMessage readMessage(RawClient c) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int opcode = -1;
        int rsv = 0;
        int frames = 0;
        long wire = 0;
        for (int i = 0; i < 1_000_000; i++) {
            WireFrame f = readFrame(c);
            if (f.opcode() == 0x8) {
                int code = f.payload().length >= 2 ? ((f.payload()[0] & 0xff) << 8) | (f.payload()[1] & 0xff) : -1;
                throw new AssertionError("the server closed instead of sending a message: code " + code + " "
                        + new String(f.payload(), 2 > f.payload().length ? 0 : 2,
                        Math.max(0, f.payload().length - 2), StandardCharsets.UTF_8));
            }
            if (f.opcode() == 0x9 || f.opcode() == 0xa) {
                continue; // control frames may come between fragments
            }
            if (opcode < 0) {
                if (f.opcode() != 0x1 && f.opcode() != 0x2) {
                    throw new AssertionError("message starts with opcode " + f.opcode());
                }
                opcode = f.opcode();
                rsv = f.rsv();
            } else {
                if (f.opcode() != 0x0) {
                    throw new AssertionError("expected a continuation frame, got opcode " + f.opcode());
                }
                if (f.rsv() != 0) {
                    throw new AssertionError("continuation frame " + frames + " has RSV bits 0x"
                            + Integer.toHexString(f.rsv()) + " (RFC 7692 6.1: only the first frame)");
                }
            }
            frames++;
            wire += headerBytes(f.payload().length) + f.payload().length;
            data.writeBytes(f.payload());
            if (f.fin()) {
                return new WireMessage(opcode, rsv, data.toByteArray(), frames, wire);
            }
        }
        throw new IOException("more than 1000000 frames in one message");
    }

    /** Expects the server to close: returns the close frame's code (-1 without one, or at EOF). */
    static int readClose(RawClient c) throws IOException {
        for (int i = 0; i < 100_000; i++) {
            WireFrame f;
            try {
                f = readFrame(c);
            } catch (java.io.EOFException | java.net.SocketException e) {
                return -1;
            }
            if (f.opcode() == 0x8) {
                return f.payload().length >= 2 ? ((f.payload()[0] & 0xff) << 8) | (f.payload()[1] & 0xff) : -1;
            }
        }
        throw new IOException("no close frame");
    }

    /** The client's compressor: one DEFLATE stream, kept across messages with context takeover. */
    static final class Compressor implements AutoCloseable {
        private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        private final boolean takeover;

        Compressor(boolean contextTakeover) {
            this.takeover = contextTakeover;
        }

        /** The compressed payload of one message (tail stripped; an empty message is 00). */
        byte[] compress(byte[] message) {
            deflater.setInput(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 4 + 16);
            byte[] buf = new byte[64 * 1024];
            for (int i = 0; i < 100_000; i++) {
                int n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
                if (n < buf.length && deflater.needsInput()) {
                    break;
                }
            }
            byte[] c = out.toByteArray();
            if (!takeover) {
                deflater.reset();
            }
            if (c.length == 0) {
                // zlib makes nothing of a second empty flush; RFC 7692 7.2.3.6: 0x00
                return new byte[] {0};
            }
            if (c.length < 4 || !Arrays.equals(c, c.length - 4, c.length, TAIL, 0, 4)) {
                throw new AssertionError("SYNC_FLUSH output does not end with 00 00 ff ff");
            }
            return Arrays.copyOf(c, c.length - 4);
        }

        @Override
        public void close() {
            deflater.end();
        }
    }

    /**
     * The client's decompressor. With context takeover one Inflater keeps its window
     * across messages; without, each message gets a fresh one.
     */
    static final class Decompressor implements AutoCloseable {
        private final boolean takeover;
        private Inflater inflater = new Inflater(true);

        Decompressor(boolean contextTakeover) {
            this.takeover = contextTakeover;
        }

        byte[] decompress(byte[] payload, String what) {
            if (!takeover) {
                inflater.end();
                inflater = new Inflater(true);
                return inflate(inflater, payload, what + " (a fresh Inflater: no server context takeover was agreed)");
            }
            return inflate(inflater, payload, what);
        }

        @Override
        public void close() {
            inflater.end();
        }
    }

    /** Inflates one message's payload with the tail appended; AssertionError on bad data. */
    static byte[] inflate(Inflater inf, byte[] payload, String what) {
        byte[] in = Arrays.copyOf(payload, payload.length + 4);
        System.arraycopy(TAIL, 0, in, payload.length, 4);
        inf.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length * 4 + 16);
        byte[] buf = new byte[64 * 1024];
        try {
            for (int i = 0; i < 1_000_000; i++) {
                int n = inf.inflate(buf);
                out.write(buf, 0, n);
                if (n == 0) {
                    if (inf.needsInput() || inf.finished()) {
                        return out.toByteArray();
                    }
                    if (inf.needsDictionary()) {
                        throw new AssertionError(what + ": the DEFLATE data wants a preset dictionary");
                    }
                }
            }
        } catch (DataFormatException e) {
            throw new AssertionError(what + ": the server's DEFLATE data does not inflate: " + e.getMessage(), e);
        }
        throw new AssertionError(what + ": inflating never ended");
    }
}
