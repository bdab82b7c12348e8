package io.lwsj;

/** The server's certificate was refused; the message has OpenSSL's reason. */
public class TlsHandshakeException extends ConnectFailedException {
    public TlsHandshakeException(ClientRequest request, String message) {
        super(request, message);
    }
}
