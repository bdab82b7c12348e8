package io.lwsj.internal;

import io.lwsj.LwsRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the glue's request blob (lwsj.h): fields, each a native-order u32 length and
 * that many bytes, never a separator inside the bytes; method, path, query, body, then
 * name/value pairs.
 */
final class RequestBlob {
    private RequestBlob() {}

    static LwsRequest parse(byte[] b) {
        List<byte[]> raw = rawFields(b);
        if (raw.size() < 4 || (raw.size() - 4) % 2 != 0) {
            throw new IllegalArgumentException("malformed request blob: " + raw.size() + " fields");
        }
        List<String> f = new ArrayList<>(raw.size());
        for (byte[] x : raw) {
            f.add(new String(x, StandardCharsets.UTF_8));
        }
        return new LwsRequest(f.get(0), f.get(1), f.get(2), raw.get(3), pairs(f, 4));
    }

    /** The CLIENT_ESTABLISHED payload: peer IP, fd, subprotocol, then the response's headers. */
    static ClientResponse parseResponse(byte[] b) {
        List<String> f = fields(b);
        if (f.size() < 3 || (f.size() - 3) % 2 != 0) {
            throw new IllegalArgumentException("malformed client response: " + f.size() + " fields");
        }
        return new ClientResponse(f.get(0), Integer.parseInt(f.get(1)), f.get(2), pairs(f, 3));
    }

    record ClientResponse(String peer, int fd, String subprotocol, Map<String, List<String>> headers) {}

    private static List<String> fields(byte[] b) {
        List<String> out = new ArrayList<>();
        for (byte[] x : rawFields(b)) {
            out.add(new String(x, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<byte[]> rawFields(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        List<byte[]> out = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < 4) {
                throw new IllegalArgumentException("malformed blob: a field's length is cut short");
            }
            int n = in.getInt();
            if (n < 0 || n > in.remaining()) {
                throw new IllegalArgumentException("malformed blob: a field of " + n + " bytes, " + in.remaining() + " left");
            }
            byte[] x = new byte[n];
            in.get(x);
            out.add(x);
        }
        return out;
    }

    private static Map<String, List<String>> pairs(List<String> f, int from) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = from; i + 1 < f.size(); i += 2) {
            headers.computeIfAbsent(f.get(i), k -> new ArrayList<>()).add(f.get(i + 1));
        }
        return headers;
    }

    /** NUL-terminated strings, in order. */
    static String[] utf8Strings(byte[] b) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return out.toArray(new String[0]);
    }

    static String utf8(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
