package io.lwsj.classic;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.HttpHandler;
import io.lwsj.LwsContext;
import io.lwsj.LwsRequest;
import io.lwsj.LwsResponse;
import io.lwsj.NetworkFilter;
import io.lwsj.PollListener;
import io.lwsj.Protocol;
import io.lwsj.TlsHooks;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Handler} that calls one {@link ClassicCallback}, the classic libwebsockets
 * shape: each Handler method becomes a callback with the matching {@link Reason}
 * (RECEIVE or CLIENT_RECEIVE by {@link Connection#isClient()}, SERVER_WRITEABLE or
 * CLIENT_WRITEABLE, ...) and its return value is applied as the reason defines
 * (non-zero closes the connection, refuses the filter or extension, ...). It is an
 * adapter only: the same dispatcher runs idiomatic and classic handlers.
 *
 * <pre>{@code
 * Protocol<Pss> p = ClassicHandler.protocol("dumb-increment-protocol", MyServer::callbackDumbIncrement, Pss::new)
 *         .build();
 * }</pre>
 *
 * Text arrives as its bytes (the handler overrides {@link #onTextBytes}), so no String
 * is made.
 *
 * <p>In C the first protocol's callback also gets the reasons that concern the whole
 * context (HTTP, FILTER_NETWORK_CONNECTION, the OpenSSL ones). Here those are set on the
 * context's builder, and {@link #serveContextReasons} sets them all to this callback;
 * an external poll loop's reasons come with {@code builder.externalPoll(handler)}.
 *
 * @param <S> the per-session user data
 */
public final class ClassicHandler<S> implements Handler<S>, HttpHandler, NetworkFilter, TlsHooks, PollListener {
    private final ClassicCallback<S> callback;
    /** The Wsi of each open connection, so that it is one object from ESTABLISHED to CLOSED. */
    private final Map<Connection, Wsi> wsis = new ConcurrentHashMap<>();

    public ClassicHandler(ClassicCallback<S> callback) {
        this.callback = Objects.requireNonNull(callback, "callback");
    }

    /** A handler for a callback, e.g. a method reference to a ported C callback. */
    public static <S> ClassicHandler<S> of(ClassicCallback<S> callback) {
        return new ClassicHandler<>(callback);
    }

    /**
     * The Java form of one {@code struct lws_protocols} entry (name, callback,
     * per_session_data_size): a protocol builder for this callback whose sessions are
     * made by perSessionData (null: no session object). Other settings (the receive
     * buffer size, fragments, broadcast callback) can be chained before build().
     */
    public static <S> Protocol.Builder<S> protocol(String name, ClassicCallback<S> callback, Supplier<S> perSessionData) {
        // the classic callback is asked about extensions (CONFIRM_EXTENSION_OKAY), as in C
        Protocol.Builder<S> b = Protocol.builder(name, of(callback)).confirmExtensions(true);
        if (perSessionData != null) {
            b.session(c -> perSessionData.get());
        }
        return b;
    }

    /**
     * Makes this callback the one that gets the reasons concerning the whole context: HTTP
     * and HTTP_FILE_COMPLETION, FILTER_NETWORK_CONNECTION and the OpenSSL reasons, as the
     * first protocol's callback gets them in C.
     */
    public LwsContext.Builder serveContextReasons(LwsContext.Builder builder) {
        return builder.http(this).networkFilter(this).tlsHooks(this);
    }

    /** The Wsi of an open connection of this handler (e.g. one returned by connect), or null. */
    public @Nullable Wsi wsi(Connection connection) {
        return wsis.get(connection);
    }

    private Wsi wsiOf(Connection c) {
        Wsi w = wsis.get(c);
        if (w == null && c.isOpen()) {
            w = wsis.computeIfAbsent(c, Wsi::of);
        }
        return w != null ? w : Wsi.of(c);
    }

    /** Calls back about a connection; non-zero closes it. */
    private void onConnection(Wsi w, Reason reason, S session, ByteBuffer in) {
        if (callback.callback(w, reason, session, in, in == null ? 0 : in.remaining()) != 0) {
            w.closeForReturn();
        }
    }

    private static ByteBuffer utf8(String s) {
        return s == null ? null : ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }

    // ---- connections -----------------------------------------------------------------

    @Override
    public void onEstablished(Connection connection, S session) {
        Wsi w = Wsi.of(connection);
        wsis.put(connection, w);
        onConnection(w, connection.isClient() ? Reason.CLIENT_ESTABLISHED : Reason.ESTABLISHED, session, null);
    }

    @Override
    public void onTextBytes(Connection connection, S session, ByteBuffer utf8) {
        receive(connection, session, utf8, false, true, true, 0);
    }

    @Override
    public void onBinary(Connection connection, S session, ByteBuffer data) {
        receive(connection, session, data, true, true, true, 0);
    }

    @Override
    public void onFragment(Connection connection, S session, ByteBuffer data,
                           boolean binary, boolean first, boolean last, long remaining) {
        receive(connection, session, data, binary, first, last, remaining);
    }

    private void receive(Connection c, S session, ByteBuffer data, boolean binary, boolean first, boolean last,
                         long remaining) {
        Wsi w = wsiOf(c);
        w.frame(binary, first, last, remaining);
        onConnection(w, c.isClient() ? Reason.CLIENT_RECEIVE : Reason.RECEIVE, session, data);
    }

    @Override
    public void onPong(Connection connection, S session, ByteBuffer payload) {
        onConnection(wsiOf(connection),
                connection.isClient() ? Reason.CLIENT_RECEIVE_PONG : Reason.RECEIVE_PONG, session, payload);
    }

    @Override
    public void onWritable(Connection connection, S session) {
        onConnection(wsiOf(connection),
                connection.isClient() ? Reason.CLIENT_WRITEABLE : Reason.SERVER_WRITEABLE, session, null);
    }

    /** BROADCAST: as in C, the callback writes the message itself (or not). */
    @Override
    public void onBroadcast(Connection connection, S session, ByteBuffer data, boolean binary) {
        Wsi w = wsiOf(connection);
        w.frame(binary, true, true, 0);
        onConnection(w, Reason.BROADCAST, session, data);
    }

    @Override
    public void onClosed(Connection connection, S session, int code, String reason) {
        Wsi w = wsis.remove(connection);
        if (w == null) {
            w = Wsi.of(connection);
        }
        w.closed(code, reason);
        callback.callback(w, Reason.CLOSED, session, null, 0);
    }

    // ---- clients --------------------------------------------------------------------

    @Override
    public void onConnectionError(ClientRequest request, String reason) {
        ByteBuffer in = utf8(reason);
        callback.callback(Wsi.ofClientRequest(request), Reason.CLIENT_CONNECTION_ERROR, null, in,
                in == null ? 0 : in.remaining());
    }

    @Override
    public Map<String, String> clientHandshakeHeaders(ClientRequest request) {
        Wsi w = Wsi.ofClientRequest(request);
        w.expectHandshakeHeaders();
        int r = callback.callback(w, Reason.CLIENT_APPEND_HANDSHAKE_HEADER, null, null, 0);
        return r != 0 ? null : w.handshakeHeaders();
    }

    @Override
    public boolean confirmExtension(String extension, ClientRequest request) {
        ByteBuffer in = utf8(extension);
        Wsi w = request == null ? Wsi.none() : Wsi.ofClientRequest(request);
        Reason reason = request == null ? Reason.CONFIRM_EXTENSION_OKAY : Reason.CLIENT_CONFIRM_EXTENSION_SUPPORTED;
        return callback.callback(w, reason, null, in, in.remaining()) == 0;
    }

    // ---- HTTP and filters -----------------------------------------------------------

    /**
     * HTTP: the callback's answer, 404 when it made none. After a non-zero return the
     * answer says {@code Connection: close}.
     */
    @Override
    public LwsResponse onRequest(LwsRequest request) {
        Wsi w = Wsi.ofHttp(request);
        ByteBuffer in = utf8(request.path());
        int r = callback.callback(w, Reason.HTTP, null, in, in.remaining());
        LwsResponse answer = w.httpAnswer();
        if (answer == null) {
            return r != 0 ? LwsResponse.closeConnection() : LwsResponse.notFound();
        }
        return r != 0 ? answer.header("Connection", "close") : answer;
    }

    // ---- external poll ----------------------------------------------------------------

    /** ADD_POLL_FD: in holds the classic lws_pollargs (fd, events, prev_events) as three ints. */
    @Override
    public void onAddPollFd(int fd, int events) {
        pollReason(Reason.ADD_POLL_FD, fd, events, 0, 0);
    }

    @Override
    public void onDelPollFd(int fd) {
        pollReason(Reason.DEL_POLL_FD, fd, 0, 0, 0);
    }

    /** CHANGE_MODE_POLL_FD as the classic pair: SET_MODE for bits added, CLEAR_MODE for bits removed (in len). */
    @Override
    public void onChangeModePollFd(int fd, int events, int previousEvents) {
        int added = events & ~previousEvents;
        int removed = previousEvents & ~events;
        if (added != 0) {
            pollReason(Reason.SET_MODE_POLL_FD, fd, events, previousEvents, added);
        }
        if (removed != 0) {
            pollReason(Reason.CLEAR_MODE_POLL_FD, fd, events, previousEvents, removed);
        }
    }

    private void pollReason(Reason reason, int fd, int events, int previous, int len) {
        ByteBuffer args = ByteBuffer.allocate(12).putInt(fd).putInt(events).putInt(previous).flip();
        callback.callback(Wsi.none(), reason, null, args, len);
    }

    @Override
    public void onFileSent(Path file) {
        ByteBuffer in = utf8(file.toString());
        callback.callback(Wsi.none(), Reason.HTTP_FILE_COMPLETION, null, in, in.remaining());
    }

    @Override
    public boolean accept(InetAddress peer) {
        return callback.callback(Wsi.ofPeer(peer.getHostAddress()), Reason.FILTER_NETWORK_CONNECTION, null, null, 0) == 0;
    }

    @Override
    public boolean filterProtocolConnection(LwsRequest handshake) {
        ByteBuffer in = utf8(handshake.header("sec-websocket-protocol"));
        return callback.callback(Wsi.ofHandshake(handshake), Reason.FILTER_PROTOCOL_CONNECTION, null, in,
                in == null ? 0 : in.remaining()) == 0;
    }

    // ---- TLS --------------------------------------------------------------------------

    @Override
    public List<Path> extraTrustedCaFiles(boolean clientSide) {
        Wsi w = Wsi.none();
        w.expectCaFiles();
        callback.callback(w, clientSide ? Reason.OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS
                : Reason.OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS, null, null, 0);
        return w.caFiles();
    }

    @Override
    public boolean verifyClientCertificate(boolean opensslAccepted, int depth, String subject) {
        Wsi w = Wsi.none();
        w.certificate(depth, subject);
        return callback.callback(w, Reason.OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION, null, null,
                opensslAccepted ? 1 : 0) == 0;
    }
}
