package io.lwsj;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A wss client that decides where TLS records go on the wire: it makes the records
 * with an SSLEngine and the test writes their bytes as it likes (several records in one
 * write, a record cut in two with a pause between the halves). Blocking, one thread.
 */
final class TlsRecordClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer appIn;

    TlsRecordClient(SSLContext ssl, int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) Waits.WAIT_MS);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        engine = ssl.createSSLEngine("127.0.0.1", port);
        engine.setUseClientMode(true);
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        handshake();
        out.write(records(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        String head = readUntil("\r\n\r\n");
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + head);
        }
    }

    /** The TLS records that carry these bytes (one or more), not yet sent. */
    byte[] records(byte[] plain) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ByteBuffer src = ByteBuffer.wrap(plain);
        ByteBuffer dst = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        do {
            dst.clear();
            SSLEngineResult r = engine.wrap(src, dst);
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                throw new IOException("wrap: " + r);
            }
            wire.write(dst.array(), 0, dst.position());
        } while (src.hasRemaining());
        return wire.toByteArray();
    }

    /** A masked binary frame with this payload. */
    static byte[] binaryFrame(byte[] payload) {
        int n = payload.length;
        int head = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] f = new byte[head + 4 + n];
        f[0] = (byte) 0x82;
        if (n < 126) {
            f[1] = (byte) (0x80 | n);
        } else if (n < 65536) {
            f[1] = (byte) (0x80 | 126);
            f[2] = (byte) (n >> 8);
            f[3] = (byte) n;
        } else {
            f[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) n >> (56 - 8 * i));
            }
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        System.arraycopy(mask, 0, f, head, 4);
        for (int i = 0; i < n; i++) {
            f[head + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return f;
    }

    void write(byte[] wire, int from, int to) throws IOException {
        out.write(wire, from, to - from);
        out.flush();
    }

    /** The payload of the next binary message from the server (unmasked, one frame). */
    byte[] readBinary() throws IOException {
        byte[] head = readPlain(2);
        if ((head[0] & 0xff) != 0x82) {
            throw new IOException("expected a final binary frame, got opcode byte " + (head[0] & 0xff));
        }
        int len = head[1] & 0x7f;
        if (len == 126) {
            byte[] l = readPlain(2);
            len = (l[0] & 0xff) << 8 | (l[1] & 0xff);
        } else if (len == 127) {
            byte[] l = readPlain(8);
            len = (int) ByteBuffer.wrap(l).getLong();
        }
        return readPlain(len);
    }

    /** The status code of the next frame from the server, which must be a close. */
    int readCloseCode() throws IOException {
        byte[] head = readPlain(2);
        if ((head[0] & 0xff) != 0x88) {
            throw new IOException("expected a close frame, got opcode byte " + (head[0] & 0xff));
        }
        byte[] payload = readPlain(head[1] & 0x7f);
        return payload.length < 2 ? -1 : (payload[0] & 0xff) << 8 | (payload[1] & 0xff);
    }

    private byte[] readPlain(int n) throws IOException {
        while (appIn.position() < n) {
            unwrapMore();
        }
        appIn.flip();
        byte[] b = new byte[n];
        appIn.get(b);
        appIn.compact();
        return b;
    }

    private String readUntil(String end) throws IOException {
        while (true) {
            String s = new String(appIn.array(), 0, appIn.position(), StandardCharsets.ISO_8859_1);
            int i = s.indexOf(end);
            if (i >= 0) {
                readPlain(i + end.length());
                return s.substring(0, i);
            }
            unwrapMore();
        }
    }

    /** Reads from the socket until at least one more record has been unwrapped. */
    private void unwrapMore() throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            switch (r.getStatus()) {
                case OK -> {
                    if (r.bytesProduced() > 0) {
                        return;
                    }
                    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    if (r.bytesConsumed() > 0) {
                        continue; // a post-handshake message (a session ticket): read on
                    }
                    fill();
                }
                case BUFFER_UNDERFLOW -> fill();
                case BUFFER_OVERFLOW -> appIn = grow(appIn);
                case CLOSED -> throw new IOException("TLS closed by the server");
            }
        }
    }

    private void fill() throws IOException {
        if (!netIn.hasRemaining()) {
            netIn = grow(netIn);
        }
        int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
        if (n < 0) {
            throw new IOException("the server closed the connection");
        }
        netIn.position(netIn.position() + n);
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer wire = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        for (int guard = 0; guard < 100; guard++) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    wire.clear();
                    engine.wrap(empty, wire);
                    out.write(wire.array(), 0, wire.position());
                    out.flush();
                }
                case NEED_UNWRAP -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, appIn);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        fill();
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    return;
                }
            }
        }
        throw new IOException("the TLS handshake did not finish");
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static ByteBuffer grow(ByteBuffer b) {
        ByteBuffer bigger = ByteBuffer.allocate(b.capacity() * 2);
        b.flip();
        bigger.put(b);
        return bigger;
    }

    static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
