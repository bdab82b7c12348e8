package io.lwsj;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer to an HTTP request: a status with headers and a body, or a file below the
 * context's document root (libwebsockets_serve_http_file). Immutable: {@link #header}
 * returns a new response.
 */
public final class LwsResponse {
    private final int status;
    private final String contentType;
    private final byte[] body;
    private final @Nullable String file;
    private final Map<String, String> headers;
    private final boolean close;

    private LwsResponse(int status, String contentType, byte[] body, @Nullable String file,
                        Map<String, String> headers, boolean close) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status must be 100..599, got " + status);
        }
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.file = file;
        this.headers = Collections.unmodifiableMap(headers);
        this.close = close;
    }

    public static LwsResponse of(int status, String contentType, byte @Nullable [] body) {
        checkContentType(contentType);
        return new LwsResponse(status, contentType, body == null ? new byte[0] : body.clone(), null, Map.of(), false);
    }

    public static LwsResponse text(int status, String text) {
        return new LwsResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null,
                Map.of(), false);
    }

    /** No answer: the connection is dropped (the classic HTTP callback's non-zero return). */
    public static LwsResponse closeConnection() {
        return new LwsResponse(400, "text/plain", new byte[0], null, Map.of(), true);
    }

    public static LwsResponse notFound() {
        return text(404, "Not Found\n");
    }

    /**
     * A file, by its path relative to the document root, sent with the given MIME type.
     * A path that would leave the document root (.., symbolic links) is answered 403.
     */
    public static LwsResponse file(String relativePath, String mimeType) {
        Objects.requireNonNull(relativePath, "relativePath");
        checkContentType(mimeType);
        return new LwsResponse(200, mimeType, new byte[0], relativePath, Map.of(), false);
    }

    /** This response with one more header (a header of the same name is replaced). */
    public LwsResponse header(String name, String value) {
        if (name == null || name.isEmpty() || name.indexOf(':') >= 0 || hasControl(name) || value == null || hasControl(value)) {
            throw new IllegalArgumentException("bad header: " + name + ": " + value);
        }
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new LwsResponse(status, contentType, body, file, h, close);
    }

    private static void checkContentType(String contentType) {
        Objects.requireNonNull(contentType, "contentType");
        if (contentType.isEmpty() || hasControl(contentType)) {
            throw new IllegalArgumentException("bad content type (empty, or a control character such as CR or LF): "
                    + contentType.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    public int status() { return status; }
    public String contentType() { return contentType; }
    /** The extra headers, in the order they were added; unmodifiable. */
    public Map<String, String> headers() { return headers; }
    /** A copy of the body (empty for a file or for {@link #closeConnection()}). */
    public byte[] body() { return body.clone(); }
    /** True for {@link #closeConnection()}: the connection is dropped without an answer. */
    public boolean closesConnection() { return close; }
    /** The file path relative to the document root, or null for a body response. */
    public @Nullable String file() { return file; }
}
