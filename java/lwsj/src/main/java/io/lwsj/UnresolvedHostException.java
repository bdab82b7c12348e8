package io.lwsj;

/** The request's host name did not resolve to an address. */
public class UnresolvedHostException extends ConnectFailedException {
    public UnresolvedHostException(ClientRequest request, String message) {
        super(request, message);
    }
}
