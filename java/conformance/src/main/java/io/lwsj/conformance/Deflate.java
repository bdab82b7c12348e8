package io.lwsj.conformance;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate (RFC 7692) for one connection: the negotiated parameters, our
 * compressor and the inflater for the peer's messages. java.util.zip cannot shrink its
 * window, so when we promised a window under 15 bits we compress without back references
 * (Huffman only), valid for any window.
 */
final class Deflate {
    static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** What a Sec-WebSocket-Extensions value agreed; window bits 15 where none were named. */
    record Params(boolean serverNoTakeover, boolean clientNoTakeover, int serverMaxBits, int clientMaxBits) {
        /** Parses "permessage-deflate; a; b=1", or null when it is not permessage-deflate. */
        static Params parse(String header) {
            if (header == null) {
                return null;
            }
            String[] parts = header.split(";");
            if (!parts[0].trim().equalsIgnoreCase("permessage-deflate")) {
                return null;
            }
            boolean snt = false;
            boolean cnt = false;
            int smb = 15;
            int cmb = 15;
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].trim().split("=", 2);
                String k = kv[0].trim().toLowerCase(Locale.ROOT);
                String v = kv.length > 1 ? kv[1].trim().replace("\"", "") : null;
                switch (k) {
                    case "server_no_context_takeover" -> snt = true;
                    case "client_no_context_takeover" -> cnt = true;
                    case "server_max_window_bits" -> smb = v == null ? 15 : Integer.parseInt(v);
                    case "client_max_window_bits" -> cmb = v == null ? 15 : Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown permessage-deflate parameter " + k);
                }
            }
            return new Params(snt, cnt, smb, cmb);
        }
    }

    private final boolean weAreClient;
    final Params params;
    private final Deflater deflater;
    private Inflater inflater = new Inflater(true);

    Deflate(Params params, boolean weAreClient) {
        this.params = params;
        this.weAreClient = weAreClient;
        int ourBits = weAreClient ? params.clientMaxBits() : params.serverMaxBits();
        deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        if (ourBits < 15) {
            deflater.setStrategy(Deflater.HUFFMAN_ONLY);
        }
    }

    private boolean ourNoTakeover() {
        return weAreClient ? params.clientNoTakeover() : params.serverNoTakeover();
    }

    private boolean peerNoTakeover() {
        return weAreClient ? params.serverNoTakeover() : params.clientNoTakeover();
    }

    /** One message compressed, the trailing 00 00 ff ff removed (an empty one is 00). */
    byte[] compress(byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 2 + 16);
        byte[] buf = new byte[64 * 1024];
        // a first call after a strategy change may only apply it: go on until all input is used
        for (int i = 0; i < 1_000_000; i++) {
            int n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
            if (n < buf.length && deflater.needsInput()) {
                break;
            }
        }
        if (ourNoTakeover()) {
            deflater.reset();
        }
        byte[] c = out.toByteArray();
        if (c.length >= 4 && Arrays.equals(c, c.length - 4, c.length, TAIL, 0, 4)) {
            return Arrays.copyOf(c, c.length - 4);
        }
        return c.length == 0 ? new byte[] {0} : c;
    }

    /**
     * The peer's compressed message, inflated. Where the peer promised no context
     * takeover, each message gets a fresh inflater, so that a message that refers back
     * to an earlier one fails here. Throws DataFormatException for data that is not
     * valid deflate.
     */
    byte[] decompress(byte[] payload, long maxSize) throws DataFormatException {
        if (peerNoTakeover()) {
            inflater.end();
            inflater = new Inflater(true);
        }
        inflater.setInput(Wire.concat(payload, TAIL));
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length * 3 + 16);
        byte[] buf = new byte[64 * 1024];
        for (int i = 0; i < 10_000_000; i++) {
            int n = inflater.inflate(buf);
            out.write(buf, 0, n);
            if (out.size() > maxSize) {
                throw new DataFormatException("inflates past " + maxSize + " bytes");
            }
            if (n == 0 && (inflater.needsInput() || inflater.finished())) {
                break;
            }
            if (n == 0 && inflater.needsDictionary()) {
                throw new DataFormatException("needs a dictionary");
            }
        }
        return out.toByteArray();
    }

    void close() {
        deflater.end();
        inflater.end();
    }
}
