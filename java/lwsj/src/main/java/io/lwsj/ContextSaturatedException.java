package io.lwsj;

/**
 * A call from a thread other than the service thread was refused because the context's
 * cross-thread queue is at its bound ({@link LwsContext.Builder#maxCrossThreadQueueBytes}):
 * the service thread is behind, typically because a handler blocks it. Nothing of the
 * refused call was queued; it may be tried again later.
 */
public class ContextSaturatedException extends LwsException {
    public ContextSaturatedException(String message) {
        super(message);
    }
}
