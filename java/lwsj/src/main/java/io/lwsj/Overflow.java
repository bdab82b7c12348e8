package io.lwsj;

/** What happens when a send would take a connection past its bound on queued bytes. */
public enum Overflow {
    /** The send is refused: {@code send} returns false; a broadcast skips that connection. */
    REFUSE,
    /** The message is dropped for that connection; {@code send} returns false. */
    DROP,
    /** The slow consumer is closed with the protocol's overflow close code. */
    CLOSE
}
