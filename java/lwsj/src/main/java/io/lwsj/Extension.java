package io.lwsj;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A user-defined WebSocket extension: the classic extension callbacks (construct,
 * client construct, destroy, payload received, payload about to be sent) with a state
 * object per connection. Added with {@link LwsContext.Builder#extension}; a server accepts
 * it when a client offers its name, the context's clients offer {@link #clientOffer()}.
 *
 * <p>libwebsockets 4.3 lets an extension hand back a new payload only through return
 * codes of its private headers, so here the payload is changed in place: an extension
 * may rewrite its bytes, not its length (a compressing extension cannot be written this
 * way; permessage-deflate is built in). Every payload of a connection with the extension
 * active costs one call from native code into Java. Callbacks run on the service thread.
 *
 * @param <T> the per-connection state
 */
public interface Extension<T> {
    /** The extension token negotiated in Sec-WebSocket-Extensions, e.g. "x-my-ext". */
    String name();

    /** What this context's clients offer; the default is the bare name. */
    default String clientOffer() {
        return name();
    }

    /**
     * CONSTRUCT / CLIENT_CONSTRUCT: the extension became active on a connection (the
     * handshake is still in progress). Returns that connection's state; null refuses it.
     */
    @Nullable T construct(boolean clientSide);

    /** DESTROY: the connection is going away. */
    default void destroy(T state) {}

    /**
     * PAYLOAD_RX: payload as it came off the wire; change its bytes in place. The buffer
     * is valid only during the call (what it holds afterwards is undefined): copy what
     * you keep.
     */
    default void payloadReceived(T state, ByteBuffer payload) {}

    /**
     * PAYLOAD_TX: payload about to be framed and sent; change its bytes in place. Valid
     * only during the call, as for {@link #payloadReceived}.
     */
    default void payloadToSend(T state, ByteBuffer payload) {}
}
