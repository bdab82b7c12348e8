package io.lwsj;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes the glue's request blob (lwsj.h): method, path, query, then name/value pairs. */
final class RequestBlob {
    private RequestBlob() {}

    static LwsRequest parse(byte[] b) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                if (i == start && parts.size() >= 3 && (parts.size() - 3) % 2 == 0) {
                    break; // the closing NUL after the last pair
                }
                parts.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (parts.size() < 3) {
            throw new IllegalArgumentException("malformed request blob");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 3; i + 1 < parts.size(); i += 2) {
            headers.computeIfAbsent(parts.get(i), k -> new ArrayList<>()).add(parts.get(i + 1));
        }
        return new LwsRequest(parts.get(0), parts.get(1), parts.get(2), headers);
    }

    /**
     * The CLIENT_ESTABLISHED payload: peer IP, fd, subprotocol, then headers. It has the
     * request blob's shape, so it comes back as one: method = IP, path = fd, query =
     * subprotocol.
     */
    static LwsRequest parseResponse(byte[] b) {
        return parse(b);
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
