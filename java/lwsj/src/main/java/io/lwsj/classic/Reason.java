package io.lwsj.classic;

/**
 * Why a {@link ClassicCallback} is called: the classic libwebsockets callback reasons
 * (LWS_CALLBACK_*), each with what {@code wsi}, {@code user}, {@code in} and {@code len}
 * hold and what a non-zero return means. {@code user} is the connection's session
 * object (null where no connection is established yet); {@code in} is null and
 * {@code len} 0 where nothing else is said.
 *
 * <p>Every reason is delivered by {@link ClassicHandler}, which maps the methods of
 * {@link io.lwsj.Handler} onto them; the poll reasons are the exception (see
 * {@link #ADD_POLL_FD}).
 */
public enum Reason {
    /**
     * A server connection completed its WebSocket handshake; {@code user} was just made
     * by the protocol's session factory. Non-zero closes the connection.
     */
    ESTABLISHED,

    /**
     * A client connection could not be made. {@code wsi} has no connection,
     * {@link Wsi#clientRequest()} says which request failed; {@code in} is the reason
     * as UTF-8 text. The return value is ignored.
     */
    CLIENT_CONNECTION_ERROR,

    /** A client connection completed its handshake. Non-zero closes the connection. */
    CLIENT_ESTABLISHED,

    /**
     * The connection is gone (server and client side alike, libwebsockets 4's
     * CLIENT_CLOSED included); {@link Wsi#closeStatus()} and
     * {@link Wsi#closeStatusReason()} say how it ended. The return value is ignored.
     */
    CLOSED,

    /**
     * A broadcast reached this connection (only for protocols built with
     * {@link io.lwsj.Protocol.Builder#broadcastCallback(boolean)}). {@code in} is the message;
     * as in C, nothing is sent unless the callback writes it, e.g.
     * {@code wsi.write(in, len, WriteMode.TEXT)}. Non-zero closes the connection.
     */
    BROADCAST,

    /**
     * Data arrived on a server connection: a whole message, or with
     * {@link io.lwsj.Protocol.Builder#receiveFragments(boolean)} one chunk of it
     * ({@link Wsi#isFinalFragment()}, {@link Wsi#remainingPacketPayload()}).
     * {@code in} is valid only during the call. Non-zero closes the connection.
     */
    RECEIVE,

    /** A pong arrived on a server connection; {@code in} is its payload. Non-zero closes the connection. */
    RECEIVE_PONG,

    /** As {@link #RECEIVE}, on a client connection. */
    CLIENT_RECEIVE,

    /** As {@link #RECEIVE_PONG}, on a client connection. */
    CLIENT_RECEIVE_PONG,

    /**
     * An HTTP request (to the handler given {@link ClassicHandler#serveContextReasons}).
     * {@code in} is the URI path;
     * {@link Wsi#request()} has the method, query and headers. Answer with
     * {@link Wsi#serveHttpFile}, {@link Wsi#returnHttpStatus}, or
     * {@link Wsi#addHttpHeader} plus {@code write(..., WriteMode.HTTP)}; without an
     * answer the request gets 404. Non-zero marks the answer {@code Connection: close},
     * so that the client closes the connection after it.
     */
    HTTP,

    /**
     * A file answered with {@link Wsi#serveHttpFile} has been sent; {@code in} is its
     * path. The return value is ignored (the connection stays open for the next request).
     */
    HTTP_FILE_COMPLETION,

    /**
     * The server connection's send queue is empty after
     * {@link Wsi#callbackOnWritable()} or {@link Wsi#callbackOnWritableAllProtocol()}.
     * Non-zero closes the connection.
     */
    SERVER_WRITEABLE,

    /** As {@link #SERVER_WRITEABLE}, on a client connection. */
    CLIENT_WRITEABLE,

    /**
     * To the handler given {@link ClassicHandler#serveContextReasons}: a TCP connection was accepted; {@link Wsi#peerAddress()}
     * says from where. Non-zero drops it before anything is sent.
     */
    FILTER_NETWORK_CONNECTION,

    /**
     * A client asks to upgrade to this protocol; {@link Wsi#request()} and
     * {@link Wsi#header(String)} give the handshake, {@code in} is its
     * Sec-WebSocket-Protocol header (null without one). Non-zero refuses the upgrade.
     */
    FILTER_PROTOCOL_CONNECTION,

    /**
     * To the handler given {@link ClassicHandler#serveContextReasons}, while the context is built: name further CA files to trust
     * for the servers this context connects to, with
     * {@link Wsi#loadExtraVerifyCerts(java.nio.file.Path)}. The return value is ignored.
     */
    OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS,

    /** As {@link #OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS}, for checking client certificates. */
    OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS,

    /**
     * To the handler given {@link ClassicHandler#serveContextReasons}: once for each certificate of a client's chain.
     * {@code len} is OpenSSL's verdict (1 accepted, 0 refused, C's preverify_ok);
     * {@link Wsi#certificateDepth()} and {@link Wsi#certificateSubject()} say which
     * certificate. As in libwebsockets 4, 0 accepts the certificate even when OpenSSL
     * refused it and non-zero refuses it: return {@code len == 0 ? 1 : 0} to keep
     * OpenSSL's verdict.
     */
    OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION,

    /**
     * A client handshake request is being sent: add headers with
     * {@link Wsi#addHttpHeader}; {@link Wsi#clientRequest()} says which request. The
     * return value is ignored.
     */
    CLIENT_APPEND_HANDSHAKE_HEADER,

    /**
     * A client offered an extension to this server; {@code in} is its name. Non-zero
     * refuses the extension for this connection.
     */
    CONFIRM_EXTENSION_OKAY,

    /**
     * A client request is about to offer an extension; {@code in} is its name,
     * {@link Wsi#clientRequest()} the request. Non-zero withdraws it from the offer.
     */
    CLIENT_CONFIRM_EXTENSION_SUPPORTED,

    /**
     * External poll integration (contexts built with
     * {@link io.lwsj.LwsContext.Builder#externalPoll(io.lwsj.PollListener)} given the handler): a socket was
     * added to the set to poll; {@code in} holds three ints, the classic lws_pollargs
     * (fd, events, previous events). Call {@link io.lwsj.LwsContext#serviceFd} when it is ready.
     */
    ADD_POLL_FD,

    /** External poll integration: a socket left the set to poll (see {@link #ADD_POLL_FD}). */
    DEL_POLL_FD,

    /** External poll integration: add events to poll for on a socket; {@code len} holds the bits added. */
    SET_MODE_POLL_FD,

    /** External poll integration: stop polling for events on a socket; {@code len} holds the bits removed. */
    CLEAR_MODE_POLL_FD
}
