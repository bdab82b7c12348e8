package io.lwsj;

/** The connection was not established within the request's timeout. */
public class ConnectTimeoutException extends ConnectFailedException {
    public ConnectTimeoutException(ClientRequest request, String message) {
        super(request, message);
    }
}
