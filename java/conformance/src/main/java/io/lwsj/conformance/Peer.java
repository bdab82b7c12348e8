package io.lwsj.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;

/**
 * The implementation under test at the other end of one WebSocket connection, seen from
 * our side, which is the client (server mode: the peer is a server) or the server
 * (client mode: the peer is a client). Sends frames exactly as told and reads what the
 * peer does as events: whole messages (assembled, inflated), pongs, the close, the end.
 */
final class Peer implements AutoCloseable {
    static final long MAX_MESSAGE = 32L * 1024 * 1024;

    sealed interface Event permits Message, Pong, Closed, Ended, Silent, Broken {}

    /** A whole data message from the peer. */
    record Message(int opcode, byte[] payload, boolean compressed) implements Event {}

    record Pong(byte[] payload) implements Event {}

    /** The peer's close frame (code -1: none in it). */
    record Closed(int code, byte[] reason) implements Event {}

    /** The TCP connection ended (EOF or reset) without a close frame first. */
    record Ended(String how) implements Event {}

    /** Nothing arrived within the time allowed. */
    record Silent(long ms) implements Event {}

    /** The peer itself broke the protocol (a masked frame from a server, bad UTF-8, ...). */
    record Broken(String why) implements Event {}

    final Socket socket;
    final boolean weAreClient;
    private final InputStream in;
    private final OutputStream out;
    Deflate deflate;
    /** The peer's close frame has been seen. */
    boolean peerClosed;

    Peer(Socket socket, boolean weAreClient) throws IOException {
        this.socket = socket;
        this.weAreClient = weAreClient;
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Server mode: connects to uri + path, offering extensions (null: none); checks the 101. */
    static Peer connect(URI uri, String path, String offer, int timeoutMs) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), timeoutMs);
        s.setSoTimeout(timeoutMs);
        Peer p = new Peer(s, true);
        String key = Wire.newKey();
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n");
        if (offer != null) {
            req.append("Sec-WebSocket-Extensions: ").append(offer).append("\r\n");
        }
        p.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        Wire.Head h = Wire.readHead(p.in);
        if (h.status() != 101) {
            p.close();
            throw new IOException("no upgrade: " + h.line());
        }
        if (!Wire.acceptFor(key).equals(h.header("sec-websocket-accept"))) {
            p.close();
            throw new IOException("wrong Sec-WebSocket-Accept " + h.header("sec-websocket-accept"));
        }
        Deflate.Params agreed = Deflate.Params.parse(h.header("sec-websocket-extensions"));
        if (agreed != null) {
            p.deflate = new Deflate(agreed, true);
        }
        return p;
    }

    InputStream input() {
        return in;
    }

    void write(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Writes in pieces of chop bytes (0: whole), flushing each, so that they arrive apart. */
    void write(byte[] b, int chop) throws IOException {
        if (chop <= 0) {
            write(b);
            return;
        }
        for (int i = 0; i < b.length; i += chop) {
            out.write(b, i, Math.min(chop, b.length - i));
            out.flush();
        }
    }

    /** Writes and ignores a peer that has closed meanwhile (it may fail us first). */
    void writeQuietly(byte[] b, int chop) {
        try {
            write(b, chop);
        } catch (IOException ignored) {
            // what it does next is read as an event
        }
    }

    byte[] frame(int opcode, boolean fin, int rsv, byte[] payload) {
        return Wire.frame(opcode, fin, rsv, payload, weAreClient);
    }

    /**
     * The frames of one data message: compressed with RSV1 on the first when compress is
     * set (permessage-deflate must have been agreed), split into frames of at most
     * fragment bytes (0: one frame).
     */
    byte[] message(int opcode, byte[] payload, boolean compress, int fragment) {
        byte[] body = compress ? deflate.compress(payload) : payload;
        if (fragment <= 0 || body.length <= fragment) {
            return frame(opcode, true, compress ? 0x40 : 0, body);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(body.length + body.length / fragment * 14 + 14);
        for (int off = 0; off < body.length; off += fragment) {
            int n = Math.min(fragment, body.length - off);
            boolean first = off == 0;
            byte[] part = java.util.Arrays.copyOfRange(body, off, off + n);
            b.writeBytes(frame(first ? opcode : Wire.CONT, off + n == body.length, first && compress ? 0x40 : 0, part));
        }
        return b.toByteArray();
    }

    /** Reads the next event, waiting at most ms; pings from the peer are answered. */
    Event next(long ms) {
        long deadline = System.currentTimeMillis() + ms;
        ByteArrayOutputStream assembling = null;
        int opcode = 0;
        boolean compressed = false;
        try {
            for (;;) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return new Silent(ms);
                }
                socket.setSoTimeout((int) Math.max(1, left));
                Wire.Frame f = Wire.read(in, MAX_MESSAGE);
                if (f.masked() == weAreClient) {
                    return new Broken(weAreClient ? "the server sent a masked frame" : "the client sent an unmasked frame");
                }
                switch (f.opcode()) {
                    case Wire.PING:
                        write(frame(Wire.PONG, true, 0, f.payload()));
                        continue;
                    case Wire.PONG:
                        return new Pong(f.payload());
                    case Wire.CLOSE:
                        peerClosed = true;
                        return new Closed(f.closeCode(), f.payload().length > 2
                                ? java.util.Arrays.copyOfRange(f.payload(), 2, f.payload().length) : new byte[0]);
                    case Wire.TEXT:
                    case Wire.BINARY:
                        if (assembling != null) {
                            return new Broken("a new message began inside another");
                        }
                        assembling = new ByteArrayOutputStream();
                        opcode = f.opcode();
                        compressed = (f.rsv() & 0x40) != 0;
                        if ((f.rsv() & ~0x40) != 0 || (compressed && deflate == null)) {
                            return new Broken("RSV bits 0x" + Integer.toHexString(f.rsv()) + " on a data frame");
                        }
                        break;
                    case Wire.CONT:
                        if (assembling == null) {
                            return new Broken("a continuation frame without a message");
                        }
                        if (f.rsv() != 0) {
                            return new Broken("RSV bits on a continuation frame");
                        }
                        break;
                    default:
                        return new Broken("reserved opcode 0x" + Integer.toHexString(f.opcode()));
                }
                assembling.writeBytes(f.payload());
                if (assembling.size() > MAX_MESSAGE) {
                    return new Broken("a message over " + MAX_MESSAGE + " bytes");
                }
                if (f.fin()) {
                    byte[] data = assembling.toByteArray();
                    if (compressed) {
                        try {
                            data = deflate.decompress(data, MAX_MESSAGE);
                        } catch (DataFormatException e) {
                            return new Broken("its compressed message does not inflate: " + e.getMessage());
                        }
                    }
                    if (opcode == Wire.TEXT && !validUtf8(data)) {
                        return new Broken("a text message that is not UTF-8");
                    }
                    return new Message(opcode, data, compressed);
                }
            }
        } catch (SocketTimeoutException e) {
            return new Silent(ms);
        } catch (EOFException | SocketException e) {
            return new Ended(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (IOException e) {
            return new Broken(e.getMessage());
        }
    }

    static boolean validUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** True when the peer closes the TCP connection within ms (EOF or reset); data read meanwhile is dropped. */
    boolean endsWithin(long ms) {
        long deadline = System.currentTimeMillis() + ms;
        try {
            byte[] buf = new byte[4096];
            while (System.currentTimeMillis() < deadline) {
                socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
                if (in.read(buf) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (deflate != null) {
            deflate.close();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
