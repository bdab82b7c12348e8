package io.lwsj;

/** Nothing accepted the TCP connection (ECONNREFUSED). */
public class ConnectionRefusedException extends ConnectFailedException {
    public ConnectionRefusedException(ClientRequest request, String message) {
        super(request, message);
    }
}
