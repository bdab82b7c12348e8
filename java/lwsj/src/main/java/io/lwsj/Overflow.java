package io.lwsj;

/** What happens when a send would take a connection past its bound on queued bytes. */
public enum Overflow {
    /**
     * The message is refused and the connection goes on: the send returns false (its
     * future fails with {@link SendRefusedException}); a broadcast skips that connection.
     * The sender decides: retry after {@link Handler#onWritable}, drop, or close.
     */
    REFUSE,
    /**
     * The slow consumer is closed at once with the protocol's overflow close code, what
     * it had queued dropped; the send returns false.
     */
    CLOSE
}
