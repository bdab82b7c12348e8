package io.lwsj;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The callbacks of one protocol; the Java form of a libwebsockets protocol callback.
 * Every method runs on the context's service thread, one at a time, never re-entrantly.
 * Every method has a default, so a handler implements only what it needs.
 *
 * <p>ByteBuffers passed to a handler are views of native memory that are valid only
 * until the method returns (like {@code in} in a C callback): copy what you keep.
 * An exception thrown by a handler is logged and closes that connection with 1011.
 *
 * @param <S> the per-connection session type (the classic per-session user data)
 */
public interface Handler<S> {

    /**
     * ESTABLISHED / CLIENT_ESTABLISHED: the WebSocket handshake is complete (for a
     * client, {@link Connection#request()} and {@link Connection#subprotocol()} say more).
     */
    default void onEstablished(Connection connection, S session) {}

    /**
     * CLIENT_CONNECTION_ERROR: a client connection of this protocol could not be made;
     * the reason says why (refused, unresolvable host, TLS failure, the HTTP status of
     * a refused upgrade, timed out).
     */
    default void onConnectionError(ClientRequest request, String reason) {}

    /**
     * CLIENT_APPEND_HANDSHAKE_HEADER: headers to add to a client's handshake request,
     * asked for when the request is sent; null fails the connection attempt. Only called
     * for handlers that override it.
     */
    default Map<String, String> clientHandshakeHeaders(ClientRequest request) {
        return Map.of();
    }

    /**
     * OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS / OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS
     * (first protocol only): PEM files of further CAs to trust for checking client
     * certificates (clientSide false) or servers this context connects to (true).
     * Called while the context is built, on the building thread.
     */
    default List<Path> extraTrustedCaFiles(boolean clientSide) {
        return List.of();
    }

    /**
     * OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION (first protocol only): once for each
     * certificate of a client's chain, with OpenSSL's own verdict. Return false to
     * refuse the client. The default keeps OpenSSL's verdict.
     */
    default boolean verifyClientCertificate(boolean opensslAccepted, int depth, String subject) {
        return opensslAccepted;
    }

    /**
     * CONFIRM_EXTENSION_OKAY (server: request is null) and
     * CLIENT_CONFIRM_EXTENSION_SUPPORTED (client: the request being made): return false
     * to refuse the extension for this connection, or to withdraw it from the offer.
     * Only called for handlers that override it.
     */
    default boolean confirmExtension(String extension, ClientRequest request) {
        return true;
    }

    /**
     * ADD_POLL_FD (first protocol, contexts built with
     * {@link LwsContext.Builder#externalPoll(boolean)}): watch fd for these poll(2)
     * events and call {@link LwsContext#serviceFd} when it is ready. Also called while
     * the context is built, on the building thread.
     */
    default void onAddPollFd(int fd, int events) {}

    /** DEL_POLL_FD: stop watching fd. */
    default void onDelPollFd(int fd) {}

    /** CHANGE_MODE_POLL_FD (the classic SET_MODE / CLEAR_MODE): watch fd for these events now. */
    default void onChangeModePollFd(int fd, int events, int previousEvents) {}

    /** RECEIVE, whole message: a complete text message. */
    default void onText(Connection connection, S session, String text) {}

    /**
     * RECEIVE, whole message: a complete text message as its UTF-8 bytes (already
     * validated), valid only during the call. A handler that overrides this gets it
     * instead of {@link #onText}, without a String being made.
     */
    default void onTextBytes(Connection connection, S session, ByteBuffer utf8) {
        onText(connection, session, java.nio.charset.StandardCharsets.UTF_8.decode(utf8).toString());
    }

    /** RECEIVE, whole message: a complete binary message; valid only during the call. */
    default void onBinary(Connection connection, S session, ByteBuffer data) {}

    /**
     * RECEIVE at fragment level, only when the protocol is built with
     * {@link Protocol.Builder#receiveFragments(boolean)}: one chunk of a frame as
     * libwebsockets delivers it.
     *
     * @param first     the first chunk of a message
     * @param last      the last chunk of a message (libwebsockets' final fragment)
     * @param remaining bytes of the current frame still to come
     *                  (libwebsockets_remaining_packet_payload)
     */
    default void onFragment(Connection connection, S session, ByteBuffer data,
                            boolean binary, boolean first, boolean last, long remaining) {}

    /** RECEIVE_PONG: a pong arrived. */
    default void onPong(Connection connection, S session, ByteBuffer payload) {}

    /**
     * SERVER_WRITEABLE / CLIENT_WRITEABLE: asked for with
     * {@link Connection#requestWritable()}; the connection's send queue is empty.
     */
    default void onWritable(Connection connection, S session) {}

    /**
     * BROADCAST, only when the protocol is built with
     * {@link Protocol.Builder#broadcastCallback(boolean)}: decide per connection what
     * to do with a broadcast message. The default sends it unchanged.
     */
    default void onBroadcast(Connection connection, S session, ByteBuffer data, boolean binary) {
        if (binary) {
            connection.send(data);
        } else {
            connection.sendText(data);
        }
    }

    /** CLOSED: the connection is gone; code 1006 when no close frame was exchanged. */
    default void onClosed(Connection connection, S session, int code, String reason) {}

    /**
     * HTTP: only the first protocol of a context sees HTTP requests. Return the answer;
     * the default is 404.
     */
    default LwsResponse onHttp(LwsRequest request) {
        return LwsResponse.notFound();
    }

    /** HTTP_FILE_COMPLETION: a file answered with {@link LwsResponse#file} has been sent. */
    default void onHttpFileCompletion(Path file) {}

    /**
     * FILTER_NETWORK_CONNECTION (first protocol only): a TCP connection was accepted;
     * return false to drop it before anything is sent.
     */
    default boolean filterNetworkConnection(InetAddress peer) {
        return true;
    }

    /**
     * FILTER_PROTOCOL_CONNECTION: a client asks to upgrade to this protocol; return
     * false to refuse the upgrade.
     */
    default boolean filterProtocolConnection(LwsRequest handshake) {
        return true;
    }
}
