package io.lwsj.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** RFC 6455 frames and handshakes as bytes, written from the RFC; no WebSocket library. */
final class Wire {
    private Wire() {}

    static final int CONT = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xa;

    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One frame as read: FIN, RSV bits (0x70 mask), opcode, whether it was masked, payload (unmasked). */
    record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        String describe() {
            return "opcode 0x" + Integer.toHexString(opcode) + (fin ? "" : " (no FIN)")
                    + (rsv != 0 ? " rsv 0x" + Integer.toHexString(rsv) : "") + ", " + payload.length + " bytes"
                    + (opcode == CLOSE ? ", code " + closeCode() : "");
        }
    }

    /** A frame on the wire; masked with a fresh key when mask is true (what a client sends). */
    static byte[] frame(int opcode, boolean fin, int rsv, byte[] payload, boolean mask) {
        return frame(opcode, fin, rsv, payload, mask, payload.length);
    }

    /** As above with a declared length that may differ from the payload's (for broken frames). */
    static byte[] frame(int opcode, boolean fin, int rsv, byte[] payload, boolean mask, long declared) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write((fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0xf));
        int m = mask ? 0x80 : 0;
        if (declared < 126) {
            b.write(m | (int) declared);
        } else if (declared <= 0xffff) {
            b.write(m | 126);
            b.write((int) (declared >> 8));
            b.write((int) declared);
        } else {
            b.write(m | 127);
            for (int i = 7; i >= 0; i--) {
                b.write((int) (declared >>> (8 * i)));
            }
        }
        if (mask) {
            byte[] key = new byte[4];
            RANDOM.nextBytes(key);
            b.writeBytes(key);
            byte[] p = payload.clone();
            for (int i = 0; i < p.length; i++) {
                p[i] ^= key[i & 3];
            }
            b.writeBytes(p);
        } else {
            b.writeBytes(payload);
        }
        return b.toByteArray();
    }

    /** Reads one frame; EOFException at the end of the stream; frames over maxPayload throw. */
    static Frame read(InputStream in, long maxPayload) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            throw new EOFException("end of stream");
        }
        int b1 = readByte(in);
        long len = b1 & 0x7f;
        if (len == 126) {
            len = ((long) readByte(in) << 8) | readByte(in);
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte(in);
            }
        }
        if (len < 0 || len > maxPayload) {
            throw new IOException("a frame of " + len + " bytes");
        }
        byte[] key = null;
        if ((b1 & 0x80) != 0) {
            key = readFully(in, 4);
        }
        byte[] p = readFully(in, (int) len);
        if (key != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] ^= key[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x70, b0 & 0xf, key != null, p);
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("end of stream inside a frame header");
        }
        return b;
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("end of stream after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    static byte[] closePayload(int code, byte[] reason) {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        return p;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] hex(String s) {
        String h = s.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static String newKey() {
        byte[] k = new byte[16];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP head: the first line and headers by lower-case name (repeated ones joined with ", "). */
    record Head(String line, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        int status() {
            String[] p = line.split(" ", 3);
            try {
                return p.length >= 2 ? Integer.parseInt(p[1]) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** Reads an HTTP head up to the empty line (at most 64 KiB). */
    static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("end of stream in an HTTP head after " + b.size() + " bytes");
            }
            b.write(c);
            if (b.size() > 64 * 1024) {
                throw new IOException("HTTP head longer than 64 KiB");
            }
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
        }
        String[] lines = b.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim(), (a, v) -> a + ", " + v);
            }
        }
        return new Head(lines[0], headers);
    }

    static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }
}
