package io.lwsj;

/**
 * A message given to {@link Connection#sendTextAsync} or {@link Connection#sendBinaryAsync}
 * was not queued: the connection's bound on queued bytes refused it
 * ({@link Protocol.Builder#maxQueuedBytes}). Nothing of it was sent.
 */
public class SendRefusedException extends LwsException {
    public SendRefusedException(String message) {
        super(message);
    }
}
