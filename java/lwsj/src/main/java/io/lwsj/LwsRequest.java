package io.lwsj;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** An HTTP request (or a WebSocket upgrade request) as libwebsockets parsed it. */
public final class LwsRequest {
    private final String method;
    private final String path;
    private final String query;
    private final byte[] body;
    private final Map<String, List<String>> headers;

    /**
     * A request as the engine hands it to handlers; public so that an {@link HttpHandler}
     * can be tested without a server. Header names are kept in lower case (values of names
     * that differ only in case are joined in order); everything is copied.
     */
    public LwsRequest(String method, String path, String query, byte[] body, Map<String, List<String>> headers) {
        this.method = Objects.requireNonNull(method, "method");
        this.path = Objects.requireNonNull(path, "path");
        this.query = Objects.requireNonNull(query, "query");
        this.body = body.clone();
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((k, v) -> copy.merge(k.toLowerCase(Locale.ROOT), List.copyOf(v), (a, b) -> {
            List<String> both = new ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        }));
        this.headers = Collections.unmodifiableMap(copy);
    }

    public String method() { return method; }

    /** The URI path, already percent-decoded and cleaned by libwebsockets. */
    public String path() { return path; }

    /**
     * The query string, empty when there is none. Parameters are separated by {@code &} and
     * each is percent-encoded (everything but RFC 3986's unreserved characters and the
     * {@code =} after its name), so an encoded {@code &}, {@code =} or NUL in a value stays encoded:
     * {@code ?a=x%26b%3Dy} is {@code a=x%26b%3Dy}. libwebsockets decodes the query while
     * parsing it, so this is the canonical form of what was sent, not always the same
     * bytes: an unreserved character sent encoded comes back plain, '+' as {@code %20},
     * {@code ;} as {@code &}, and an encoded {@code =} inside a name as {@code _}.
     */
    public String query() { return query; }

    /**
     * The query's parameters, decoded (UTF-8; a name without '=' has the value ""), by
     * name in the order they came, each name's values in order.
     */
    public Map<String, List<String>> queryParameters() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return Collections.unmodifiableMap(out);
        }
        for (String param : query.split("&", -1)) {
            int eq = param.indexOf('=');
            String name = decode(eq < 0 ? param : param.substring(0, eq));
            String value = eq < 0 ? "" : decode(param.substring(eq + 1));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }

    /** The first value of a query parameter, decoded, or null. */
    public @Nullable String queryParameter(String name) {
        List<String> v = queryParameters().get(name);
        return v == null ? null : v.get(0);
    }

    /** Percent-decoding only: the glue writes a space as %20, never '+', and only ASCII. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The request's body (a copy), empty when it has none: an HTTP request with a
     * Content-Length reaches the handler once its body is complete, up to
     * {@link LwsContext.Builder#maxHttpBodyBytes}. A body sent chunked (no
     * Content-Length) is not passed on: the request arrives with an empty body. An
     * upgrade request has none.
     */
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text (malformed bytes replaced). */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Headers by lower-case name. */
    public Map<String, List<String>> headers() { return headers; }

    /** The first value of a header (any case), or null. */
    public @Nullable String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query);
    }
}
