package io.lwsj;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A raw TCP client on 127.0.0.1 for handshake- and frame-level tests: writes HTTP
 * requests and masked client frames by hand, reads responses and server frames.
 * Every read is bounded by the socket timeout.
 */
final class RawClient implements AutoCloseable {
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    /** An HTTP response head: status code (or -1), status line, headers by lower-case name. */
    record Head(int status, String statusLine, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A WebSocket frame as read from the server. */
    record Frame(boolean fin, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }
    }

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawClient connect(int port) throws IOException {
        return connect(port, -1);
    }

    /** receiveBuffer > 0 sets SO_RCVBUF before connecting (a small window for a slow reader). */
    static RawClient connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return new RawClient(s);
    }

    static String newKey() {
        byte[] k = new byte[16];
        ThreadLocalRandom.current().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A WebSocket upgrade request; null arguments leave that header out. */
    static String upgradeRequest(int port, String path, String key, String version, String protocol,
                                 Map<String, String> extra) {
        StringBuilder b = new StringBuilder();
        b.append("GET ").append(path).append(" HTTP/1.1\r\n");
        b.append("Host: 127.0.0.1:").append(port).append("\r\n");
        b.append("Upgrade: websocket\r\n");
        b.append("Connection: Upgrade\r\n");
        if (key != null) {
            b.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        }
        if (version != null) {
            b.append("Sec-WebSocket-Version: ").append(version).append("\r\n");
        }
        if (protocol != null) {
            b.append("Sec-WebSocket-Protocol: ").append(protocol).append("\r\n");
        }
        if (extra != null) {
            extra.forEach((n, v) -> b.append(n).append(": ").append(v).append("\r\n"));
        }
        b.append("\r\n");
        return b.toString();
    }

    void write(String s) throws IOException {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /**
     * Completes a WebSocket handshake and checks the 101 and the accept key; throws
     * AssertionError if the server does not upgrade.
     */
    static RawClient handshake(int port, String protocol) throws IOException {
        RawClient c = connect(port);
        try {
            c.upgrade(port, protocol);
            return c;
        } catch (IOException | RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    void upgrade(int port, String protocol) throws IOException {
        String key = newKey();
        write(upgradeRequest(port, "/", key, "13", protocol, null));
        Head h = readHead();
        if (h == null || h.status() != 101) {
            throw new AssertionError("expected 101, got " + (h == null ? "EOF" : h.statusLine()));
        }
        String accept = h.header("sec-websocket-accept");
        if (!acceptFor(key).equals(accept)) {
            throw new AssertionError("bad Sec-WebSocket-Accept: " + accept);
        }
    }

    /**
     * Reads an HTTP response head (up to the blank line). Returns null on EOF before
     * the first byte; throws SocketTimeoutException when the server says nothing.
     */
    Head readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                break;
            }
            b.write(c);
            if (b.size() > 64 * 1024) {
                throw new IOException("response head longer than 64 KiB");
            }
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
        }
        String[] lines = b.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = -1;
        String[] first = lines[0].split(" ", 3);
        if (first.length >= 2 && first[0].startsWith("HTTP/")) {
            try {
                status = Integer.parseInt(first[1]);
            } catch (NumberFormatException ignored) {
                // stays -1
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return new Head(status, lines[0], headers);
    }

    /** Reads a body of Content-Length bytes, or until EOF/timeout when there is none. */
    byte[] readBody(Head h) throws IOException {
        String cl = h.header("content-length");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (cl != null) {
            int n = Integer.parseInt(cl);
            b.writeBytes(readFully(n));
            return b.toByteArray();
        }
        byte[] buf = new byte[8192];
        try {
            for (int i = 0; i < 1000; i++) {
                int r = in.read(buf);
                if (r < 0) {
                    break;
                }
                b.write(buf, 0, r);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived is the body
        }
        return b.toByteArray();
    }

    /**
     * Reads until EOF and returns what arrived; throws SocketTimeoutException if the
     * connection stays open and silent.
     */
    byte[] readToEof() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int i = 0; i < 10_000; i++) {
            int r = in.read(buf);
            if (r < 0) {
                return b.toByteArray();
            }
            b.write(buf, 0, r);
        }
        throw new IOException("more than 10000 reads without EOF");
    }

    byte[] readFully(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException("EOF after " + off + " of " + n + " bytes");
            }
            off += r;
        }
        return b;
    }

    /** Writes one masked client frame. */
    void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
        write(encodeClientFrame(opcode, fin, payload));
    }

    void sendText(String s) throws IOException {
        sendFrame(0x1, true, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] encodeClientFrame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write((fin ? 0x80 : 0) | (opcode & 0xf));
        int n = payload.length;
        if (n < 126) {
            b.write(0x80 | n);
        } else if (n <= 0xffff) {
            b.write(0x80 | 126);
            b.write(n >>> 8);
            b.write(n);
        } else {
            b.write(0x80 | 127);
            long l = n;
            for (int i = 7; i >= 0; i--) {
                b.write((int) (l >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        b.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    /** Reads one frame (server frames are unmasked, but a mask is honoured). */
    Frame readFrame() throws IOException {
        byte[] h = readFully(2);
        boolean fin = (h[0] & 0x80) != 0;
        int opcode = h[0] & 0xf;
        boolean masked = (h[1] & 0x80) != 0;
        long len = h[1] & 0x7f;
        if (len == 126) {
            byte[] e = readFully(2);
            len = ((e[0] & 0xff) << 8) | (e[1] & 0xff);
        } else if (len == 127) {
            byte[] e = readFully(8);
            len = 0;
            for (byte x : e) {
                len = (len << 8) | (x & 0xff);
            }
        }
        if (len > 64L * 1024 * 1024) {
            throw new IOException("frame of " + len + " bytes");
        }
        byte[] mask = masked ? readFully(4) : null;
        byte[] p = readFully((int) len);
        if (mask != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i & 3];
            }
        }
        return new Frame(fin, opcode, p);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
