package io.lwsj;

/** The server answered the WebSocket upgrade with another HTTP status than 101. */
public class UpgradeRefusedException extends ConnectFailedException {
    private final int status;

    public UpgradeRefusedException(ClientRequest request, int status, String message) {
        super(request, message);
        this.status = status;
    }

    /** The HTTP status the server answered with. */
    public int status() {
        return status;
    }
}
