package io.lwsj.classic;

import io.lwsj.ClientRequest;
import io.lwsj.CloseCodes;
import io.lwsj.Connection;
import io.lwsj.ConnectionClosedException;
import io.lwsj.LwsContext;
import io.lwsj.LwsRequest;
import io.lwsj.LwsResponse;
import io.lwsj.Protocol;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code struct lws *wsi} of a {@link ClassicCallback}: the connection or request a
 * reason is about, with the classic functions as methods named after them
 * ({@code lws_write} is {@link #write}, {@code lws_callback_on_writable} is
 * {@link #callbackOnWritable}, ...; docs/porting.md has the whole table).
 *
 * <p>For the WebSocket reasons a Wsi wraps a {@link Connection} and stays the same
 * object from ESTABLISHED to CLOSED, so it can be kept and compared like a C pointer
 * ({@link ClassicHandler#wsi(Connection)} finds it from outside a callback). For the
 * other reasons (HTTP, filters, client errors, TLS) it lives for one call and
 * {@link #connection()} is null; methods that need a connection then throw
 * {@link IllegalStateException}. The connection methods may be called from any
 * thread, like {@link Connection}'s; the per-call state (fragment flags, the HTTP
 * answer) only means something during the callback.
 */
public final class Wsi {
    private final Connection connection;
    private final LwsRequest request;
    private final ClientRequest clientRequest;
    private final String peer;
    private final boolean http;

    // the receive being delivered (lws_is_final_fragment and friends)
    private boolean binary;
    private boolean first = true;
    private boolean last = true;
    private long remaining;

    // lws_close_reason, used when the callback returns non-zero
    private int closeCode = CloseCodes.NORMAL;
    private String closeText = "";
    // how the connection ended, for CLOSED
    private int closedCode;
    private String closedText = "";

    // HTTP answer and handshake headers being built during one call
    private boolean handshake;
    private Map<String, String> headers;
    private LwsResponse file;
    private int httpStatus;
    private String httpContentType;
    private ByteArrayOutputStream httpBody;

    // TLS reasons
    private List<Path> caFiles;
    private int certDepth = -1;
    private String certSubject;

    private Wsi(Connection connection, LwsRequest request, ClientRequest clientRequest, String peer, boolean http) {
        this.connection = connection;
        this.request = request;
        this.clientRequest = clientRequest;
        this.peer = peer;
        this.http = http;
    }

    static Wsi of(Connection connection) {
        return new Wsi(Objects.requireNonNull(connection, "connection"), null, connection.request(), null, false);
    }

    /** HTTP. */
    static Wsi ofHttp(LwsRequest request) {
        return new Wsi(null, request, null, null, true);
    }

    /** FILTER_PROTOCOL_CONNECTION. */
    static Wsi ofHandshake(LwsRequest request) {
        return new Wsi(null, request, null, null, false);
    }

    /** CLIENT_CONNECTION_ERROR, CLIENT_APPEND_HANDSHAKE_HEADER, CLIENT_CONFIRM_EXTENSION_SUPPORTED. */
    static Wsi ofClientRequest(ClientRequest request) {
        return new Wsi(null, null, request, null, false);
    }

    /** FILTER_NETWORK_CONNECTION. */
    static Wsi ofPeer(String address) {
        return new Wsi(null, null, null, address, false);
    }

    /** Reasons about no connection or request in particular. */
    static Wsi none() {
        return new Wsi(null, null, null, null, false);
    }

    // ---- what this wsi is ---------------------------------------------------------

    /** The WebSocket connection, or null for reasons that have none (HTTP, filters, ...). */
    public @Nullable Connection connection() {
        return connection;
    }

    /** True for a connection (or a failed attempt) this side opened as a client. */
    public boolean isClient() {
        return connection != null ? connection.isClient() : clientRequest != null;
    }

    /** lws_get_context: the connection's context; null without a connection. */
    public @Nullable LwsContext getContext() {
        return connection == null ? null : connection.context();
    }

    /** lws_get_protocol: the connection's protocol; null without a connection. */
    public @Nullable Protocol<?> getProtocol() {
        return connection == null ? null : connection.protocol();
    }

    /** lws_get_socket_fd; -1 without a connection. */
    public int getSocketFd() {
        return connection == null ? -1 : connection.socketFd();
    }

    /**
     * lws_get_peer_addresses / lws_get_peer_simple: the peer's IP address as text, for
     * a connection and for FILTER_NETWORK_CONNECTION; null otherwise.
     */
    public @Nullable String peerAddress() {
        return connection != null ? connection.peerAddress() : peer;
    }

    /** lws_get_peer_addresses: the peer's host name (reverse lookup, may block); null as {@link #peerAddress()}. */
    public @Nullable String peerName() {
        String address = connection != null ? connection.peerAddress() : peer;
        if (address == null) {
            return null;
        }
        try {
            return InetAddress.getByName(address).getCanonicalHostName();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /** The HTTP request (HTTP) or handshake (FILTER_PROTOCOL_CONNECTION); null otherwise. */
    public @Nullable LwsRequest request() {
        return request;
    }

    /** lws_hdr_copy: a header of {@link #request()} by name (any case), or null. */
    public @Nullable String header(String name) {
        return request == null ? null : request.header(name);
    }

    /** The request a client connection was made with (lws_client_connect_via_info's info); null on the server side. */
    public @Nullable ClientRequest clientRequest() {
        return clientRequest;
    }

    // ---- writing ---------------------------------------------------------------------

    /**
     * lws_write: sends len bytes from buf's position (the position is not moved). The
     * bytes are copied, so buf may be reused at once, and there is no LWS_PRE padding.
     * Fragments: the first with TEXT or BINARY and {@link WriteMode#NO_FIN}, then
     * CONTINUATION with NO_FIN, then CONTINUATION alone. HTTP and HTTP_FINAL add to the
     * answer of an HTTP reason.
     *
     * @param mode  the mode; {@code flags} may only be {@link WriteMode#NO_FIN}
     * @return len when it was queued; -1 when the connection is closed or the protocol's
     *         bound on queued bytes refused it
     */
    public int write(ByteBuffer buf, long len, WriteMode mode, WriteMode... flags) {
        Objects.requireNonNull(buf, "buf");
        boolean noFin = noFin(mode, flags);
        if (len < 0 || len > buf.remaining()) {
            throw new IllegalArgumentException("len " + len + " is not within the buffer's " + buf.remaining()
                    + " remaining bytes");
        }
        int n = (int) len;
        if (mode == WriteMode.HTTP || mode == WriteMode.HTTP_FINAL) {
            byte[] b = new byte[n];
            buf.get(buf.position(), b);
            return httpBody(b, n);
        }
        Connection c = requireConnection("write " + mode);
        int limit = buf.limit();
        buf.limit(buf.position() + n);
        try {
            return send(c, buf, mode, noFin) ? n : -1;
        } catch (ConnectionClosedException e) {
            return -1;
        } finally {
            buf.limit(limit);
        }
    }

    /** lws_write from the first len bytes of an array; see {@link #write(ByteBuffer, long, WriteMode, WriteMode...)}. */
    public int write(byte[] buf, int len, WriteMode mode, WriteMode... flags) {
        Objects.requireNonNull(buf, "buf");
        if (len < 0 || len > buf.length) {
            throw new IllegalArgumentException("len " + len + " is not within the array's " + buf.length + " bytes");
        }
        return write(ByteBuffer.wrap(buf, 0, len), len, mode, flags);
    }

    private static boolean noFin(WriteMode mode, WriteMode... flags) {
        Objects.requireNonNull(mode, "mode");
        if (mode == WriteMode.NO_FIN) {
            throw new IllegalArgumentException("NO_FIN is a flag: give it after a mode, e.g. write(buf, len, TEXT, NO_FIN)");
        }
        boolean noFin = false;
        for (WriteMode f : flags) {
            if (f != WriteMode.NO_FIN) {
                throw new IllegalArgumentException("only NO_FIN may follow the mode, got " + f);
            }
            noFin = true;
        }
        if (noFin && mode != WriteMode.TEXT && mode != WriteMode.BINARY && mode != WriteMode.CONTINUATION) {
            throw new IllegalArgumentException("NO_FIN goes with TEXT, BINARY or CONTINUATION, not " + mode);
        }
        return noFin;
    }

    private static boolean send(Connection c, ByteBuffer data, WriteMode mode, boolean noFin) {
        switch (mode) {
            case TEXT:
                return noFin ? c.sendFragment(data, false, true, false) : c.sendText(data);
            case BINARY:
                return noFin ? c.sendFragment(data, true, true, false) : c.sendBinary(data);
            case CONTINUATION:
                return c.sendFragment(data, false, false, !noFin);
            case PING:
            case PONG:
                return mode == WriteMode.PING ? c.ping(data) : c.pong(data);
            default:
                throw new IllegalArgumentException("cannot write " + mode + " on a WebSocket connection");
        }
    }

    /** lws_callback_on_writable: one SERVER_WRITEABLE / CLIENT_WRITEABLE once the send queue is empty; -1 when closed. */
    public int callbackOnWritable() {
        try {
            requireConnection("callbackOnWritable").requestWritable();
            return 0;
        } catch (ConnectionClosedException e) {
            return -1;
        }
    }

    /** lws_callback_on_writable_all_protocol: every connection of this connection's protocol gets WRITEABLE. */
    public int callbackOnWritableAllProtocol() {
        Connection c = requireConnection("callbackOnWritableAllProtocol");
        try {
            c.context().requestWritableAll(c.protocol());
            return 0;
        } catch (IllegalStateException closed) {
            return -1;
        }
    }

    /** lws_rx_flow_control: false stops reading this connection, true reads again; -1 when closed. */
    public int rxFlowControl(boolean enable) {
        try {
            requireConnection("rxFlowControl").setReceiving(enable);
            return 0;
        } catch (ConnectionClosedException e) {
            return -1;
        }
    }

    /**
     * lws_send_pipe_choked: true while bytes are still queued for this connection. In
     * lwsj writes are queued, so a callback may write more than once per WRITEABLE.
     */
    public boolean sendPipeChoked() {
        return requireConnection("sendPipeChoked").bufferedAmount() > 0;
    }

    /**
     * lws_close_reason: the close code and reason (at most 123 bytes of UTF-8) to send
     * when the callback then returns non-zero; without it that closes with 1000.
     */
    public void closeReason(int status, String reason) {
        CloseCodes.checkSendable(status);
        String r = reason == null ? "" : reason;
        if (r.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("close reason longer than 123 bytes of UTF-8");
        }
        closeCode = status;
        closeText = r;
    }

    // ---- receiving ---------------------------------------------------------------------

    /** lws_frame_is_binary: the data of this RECEIVE (or BROADCAST) is binary. */
    public boolean frameIsBinary() {
        return binary;
    }

    /** lws_is_first_fragment: this RECEIVE starts a message (always true for whole messages). */
    public boolean isFirstFragment() {
        return first;
    }

    /** lws_is_final_fragment: this RECEIVE ends a message (always true for whole messages). */
    public boolean isFinalFragment() {
        return last;
    }

    /** lws_remaining_packet_payload: bytes of the current frame still to come (0 for whole messages). */
    public long remainingPacketPayload() {
        return remaining;
    }

    /** CLOSED: the close code (1006 when no close frame was exchanged). */
    public int closeStatus() {
        return closedCode;
    }

    /** CLOSED: the close reason text, possibly empty. */
    public String closeStatusReason() {
        return closedText;
    }

    // ---- HTTP and handshake headers -----------------------------------------------------

    /**
     * lws_serve_http_file (HTTP reason): answer with a file, by its path relative to the
     * context's document root, with a MIME type. Returns 0.
     */
    public int serveHttpFile(String file, String mimeType) {
        requireHttp("serveHttpFile");
        this.file = LwsResponse.file(file, mimeType);
        return 0;
    }

    /** lws_return_http_status (HTTP reason): answer with a status and a short HTML body (may be null). Returns 0. */
    public int returnHttpStatus(int status, String html) {
        requireHttp("returnHttpStatus");
        httpStatus = status;
        httpContentType = "text/html; charset=utf-8";
        httpBody = new ByteArrayOutputStream();
        String body = html != null ? html : "<html><body><h1>" + status + "</h1></body></html>";
        httpBody.writeBytes(body.getBytes(StandardCharsets.UTF_8));
        return 0;
    }

    /**
     * lws_add_http_common_headers (HTTP reason): the status and content type of an
     * answer whose body follows with {@code write(..., WriteMode.HTTP)}. Returns 0.
     */
    public int addHttpCommonHeaders(int status, String contentType) {
        requireHttp("addHttpCommonHeaders");
        httpStatus = status;
        httpContentType = Objects.requireNonNull(contentType, "contentType");
        return 0;
    }

    /**
     * lws_add_http_header_by_name: a header of the HTTP answer (HTTP reason) or of the
     * client handshake (CLIENT_APPEND_HANDSHAKE_HEADER). Returns 0.
     */
    public int addHttpHeader(String name, String value) {
        if (!http && !handshake) {
            throw new IllegalStateException("addHttpHeader needs the HTTP or CLIENT_APPEND_HANDSHAKE_HEADER reason");
        }
        if (headers == null) {
            headers = new LinkedHashMap<>();
        }
        headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return 0;
    }

    private int httpBody(byte[] b, int n) {
        requireHttp("write HTTP");
        if (httpBody == null) {
            httpBody = new ByteArrayOutputStream();
        }
        httpBody.write(b, 0, n);
        return n;
    }

    // ---- TLS -------------------------------------------------------------------------------

    /**
     * SSL_CTX_load_verify_locations, for OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS and
     * OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS: trust the CAs in this PEM file too.
     */
    public void loadExtraVerifyCerts(Path caFile) {
        if (caFiles == null) {
            throw new IllegalStateException("loadExtraVerifyCerts needs an OPENSSL_LOAD_EXTRA_*_VERIFY_CERTS reason");
        }
        caFiles.add(Objects.requireNonNull(caFile, "caFile"));
    }

    /** OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: the certificate's depth in the chain (0: the client's own). */
    public int certificateDepth() {
        return certDepth;
    }

    /** OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: the certificate's subject, OpenSSL's one-line form. */
    public String certificateSubject() {
        return certSubject;
    }

    // ---- used by ClassicHandler --------------------------------------------------------

    void frame(boolean binary, boolean first, boolean last, long remaining) {
        this.binary = binary;
        this.first = first;
        this.last = last;
        this.remaining = remaining;
    }

    void closed(int code, String reason) {
        closedCode = code;
        closedText = reason == null ? "" : reason;
    }

    /** Closes the connection because the callback returned non-zero. */
    void closeForReturn() {
        if (connection != null) {
            connection.close(closeCode, closeText);
        }
    }

    void expectCaFiles() {
        caFiles = new ArrayList<>();
    }

    List<Path> caFiles() {
        return caFiles == null ? List.of() : Collections.unmodifiableList(caFiles);
    }

    void certificate(int depth, String subject) {
        certDepth = depth;
        certSubject = subject;
    }

    void expectHandshakeHeaders() {
        handshake = true;
    }

    Map<String, String> handshakeHeaders() {
        return headers == null ? Map.of() : headers;
    }

    /** The answer the callback made during HTTP, or null when it made none. */
    @Nullable LwsResponse httpAnswer() {
        LwsResponse r;
        if (file != null) {
            r = file;
        } else if (httpStatus != 0 || httpBody != null) {
            r = LwsResponse.of(httpStatus == 0 ? 200 : httpStatus,
                    httpContentType == null ? "application/octet-stream" : httpContentType,
                    httpBody == null ? new byte[0] : httpBody.toByteArray());
        } else {
            return null;
        }
        if (headers != null) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                r = r.header(h.getKey(), h.getValue());
            }
        }
        return r;
    }

    private Connection requireConnection(String what) {
        if (connection == null) {
            throw new IllegalStateException(what + " needs a WebSocket connection; this wsi has none");
        }
        return connection;
    }

    private void requireHttp(String what) {
        if (!http) {
            throw new IllegalStateException(what + " needs the HTTP reason");
        }
    }

    @Override
    public String toString() {
        if (connection != null) {
            return "Wsi[" + connection + "]";
        }
        if (request != null) {
            return "Wsi[" + request + "]";
        }
        if (clientRequest != null) {
            return "Wsi[client " + clientRequest + "]";
        }
        return peer != null ? "Wsi[peer " + peer + "]" : "Wsi[]";
    }
}
