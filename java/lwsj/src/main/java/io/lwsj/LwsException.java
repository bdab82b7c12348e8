package io.lwsj;

/** libwebsockets or the native glue failed; the message says what failed. */
public class LwsException extends RuntimeException {
    public LwsException(String message) {
        super(message);
    }

    public LwsException(String message, Throwable cause) {
        super(message, cause);
    }
}
