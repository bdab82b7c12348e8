package io.lwsj;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An HTTP request (or a WebSocket upgrade request) as libwebsockets parsed it. */
public final class LwsRequest {
    private final String method;
    private final String path;
    private final String query;
    private final Map<String, List<String>> headers;

    LwsRequest(String method, String path, String query, Map<String, List<String>> headers) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.headers = Collections.unmodifiableMap(headers);
    }

    public String method() { return method; }

    /** The URI path, already percent-decoded and cleaned by libwebsockets. */
    public String path() { return path; }

    /** The query string ("a=1&b=2"), empty when there is none. */
    public String query() { return query; }

    /** Headers by lower-case name. */
    public Map<String, List<String>> headers() { return headers; }

    /** The first value of a header (any case), or null. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query);
    }
}
