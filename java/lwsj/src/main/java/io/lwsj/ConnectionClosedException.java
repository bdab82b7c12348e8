package io.lwsj;

/** A connection (or its context) was used after it closed. */
public class ConnectionClosedException extends IllegalStateException {
    public ConnectionClosedException(String message) {
        super(message);
    }
}
