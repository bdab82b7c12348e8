package io.lwsj;

/**
 * A client connection could not be made ({@link LwsContext#connect}). The subclasses say
 * why where it is known; the message is the reason libwebsockets and the glue give.
 */
public class ConnectFailedException extends LwsException {
    private final ClientRequest request;

    public ConnectFailedException(ClientRequest request, String message) {
        super(message);
        this.request = request;
    }

    /** The request that failed. */
    public ClientRequest request() {
        return request;
    }
}
