package io.lwsj;

import io.lwsj.internal.Utf8;
import java.nio.ByteBuffer;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The per-connection callbacks of one protocol; the Java form of a libwebsockets protocol
 * callback. The calls for one connection run one at a time on the service thread that
 * owns it, never re-entrantly. Every method has a default, so a handler implements only
 * what it needs, and every method is called whether or not it is overridden (a
 * delegating wrapper behaves as the handler it wraps). What concerns the whole context
 * (HTTP, the network filter, TLS, an external poll loop) is set on
 * {@link LwsContext.Builder}, not here.
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
     * asked for when the request is sent; null fails the connection attempt.
     */
    default @Nullable Map<String, String> clientHandshakeHeaders(ClientRequest request) {
        return Map.of();
    }

    /**
     * CONFIRM_EXTENSION_OKAY (server: request is null) and
     * CLIENT_CONFIRM_EXTENSION_SUPPORTED (client: the request being made): return false
     * to refuse the extension for this connection, or to withdraw it from the offer.
     * Called only for protocols built with {@link Protocol.Builder#confirmExtensions}.
     */
    default boolean confirmExtension(String extension, @Nullable ClientRequest request) {
        return true;
    }

    /** RECEIVE, whole message: a complete text message. */
    default void onText(Connection connection, S session, String text) {}

    /**
     * RECEIVE, whole message: a complete text message as its UTF-8 bytes (already
     * validated), valid only during the call. The default makes the String and calls
     * {@link #onText}; a handler that overrides this gets the bytes without a String
     * being made.
     */
    default void onTextBytes(Connection connection, S session, ByteBuffer utf8) {
        onText(connection, session, Utf8.decode(utf8));
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
            connection.sendBinary(data);
        } else {
            connection.sendText(data);
        }
    }

    /** CLOSED: the connection is gone; code 1006 when no close frame was exchanged. */
    default void onClosed(Connection connection, S session, int code, String reason) {}

    /**
     * FILTER_PROTOCOL_CONNECTION: a client asks to upgrade to this protocol; return
     * false to refuse the upgrade.
     */
    default boolean filterProtocolConnection(LwsRequest handshake) {
        return true;
    }
}
