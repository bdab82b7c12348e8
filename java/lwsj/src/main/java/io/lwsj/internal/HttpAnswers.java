package io.lwsj.internal;

import io.lwsj.HttpHandler;
import io.lwsj.LwsRequest;
import io.lwsj.LwsResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers HTTP requests during the HTTP upcall with the context's {@link HttpHandler}
 * (404 without one): a body, or a file that is provably below the document root.
 */
final class HttpAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAnswers.class);

    private final long ctx;
    private final @Nullable HttpHandler handler;
    private final @Nullable Path documentRoot; // real path
    private final CrossingCounters counters;

    HttpAnswers(long ctx, @Nullable HttpHandler handler, @Nullable Path documentRoot, CrossingCounters counters) {
        this.ctx = ctx;
        this.handler = handler;
        this.documentRoot = documentRoot;
        this.counters = counters;
    }

    /** Returns false to have the connection closed. */
    boolean answer(LwsRequest request) {
        LwsResponse response;
        try {
            response = handler == null ? null : handler.onRequest(request);
        } catch (RuntimeException e) {
            LOG.error("HTTP handler failed on {}", request, e);
            response = LwsResponse.text(500, "Internal Server Error\n");
        }
        if (response == null) {
            response = LwsResponse.notFound();
        }
        if (response.closesConnection()) {
            return false;
        }
        if (response.file() != null) {
            return serveFile(request, response);
        }
        return respond(response);
    }

    private boolean serveFile(LwsRequest request, LwsResponse response) {
        if (documentRoot == null) {
            LOG.error("handler answered {} with a file but the context has no document root", request);
            return respond(LwsResponse.text(500, "Internal Server Error\n"));
        }
        Path file = resolve(response.file());
        if (file == null) {
            return respond(LwsResponse.text(403, "Forbidden\n"));
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return respond(LwsResponse.notFound());
        }
        byte[] headers = headerBlob(response.headers());
        counters.downcall();
        // the glue opens it again below the root without following links: a link swapped
        // in since the checks above is refused there
        int r = LwsjNative.lwsj_http_serve_file(ctx, documentRoot.toString(), documentRoot.relativize(file).toString(),
                response.contentType(), headers, headers.length);
        if (r != Abi.OK) {
            LOG.warn("cannot serve {}: {}", file, LwsjNative.lwsj_last_error());
            return respond(LwsResponse.notFound());
        }
        return true;
    }

    /**
     * The file for a path relative to the document root, or null when it would leave the
     * root: by '..' segments or by a symbolic link that points outside.
     */
    Path resolve(String relative) {
        String rel = relative;
        while (rel.startsWith("/")) {
            rel = rel.substring(1);
        }
        if (rel.indexOf('\0') >= 0) {
            return null;
        }
        Path candidate;
        try {
            candidate = documentRoot.resolve(rel).normalize();
        } catch (RuntimeException e) {
            return null;
        }
        if (!candidate.startsWith(documentRoot)) {
            return null;
        }
        if (!Files.exists(candidate)) {
            return candidate; // answered 404 by the caller
        }
        try {
            Path real = candidate.toRealPath();
            return real.startsWith(documentRoot) ? real : null;
        } catch (IOException e) {
            return null;
        }
    }

    private boolean respond(LwsResponse response) {
        byte[] headers = headerBlob(response.headers());
        byte[] body = response.body();
        counters.downcall();
        int r = LwsjNative.lwsj_http_respond(ctx, response.status(), response.contentType(), headers,
                headers.length, body, body.length);
        if (r != Abi.OK) {
            LOG.error("cannot answer HTTP request: {} ({})", LwsjNative.lwsj_last_error(), Abi.describe(r));
            return false;
        }
        return true;
    }

    private static byte[] headerBlob(Map<String, String> headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            out.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
            out.write(0);
            out.writeBytes(e.getValue().getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }
}
