package io.lwsj.classic;

/**
 * What {@link Wsi#write} sends: the classic LWS_WRITE_* modes. The C form
 * {@code LWS_WRITE_TEXT | LWS_WRITE_NO_FIN} is written
 * {@code wsi.write(buf, len, WriteMode.TEXT, WriteMode.NO_FIN)}. There is no padding
 * to leave in front of the data (LWS_PRE): the library frames a copy of it.
 */
public enum WriteMode {
    /** A text message, or with {@link #NO_FIN} the first fragment of one. */
    TEXT,
    /** A binary message, or with {@link #NO_FIN} the first fragment of one. */
    BINARY,
    /** The next fragment of a message; without {@link #NO_FIN} the last one. */
    CONTINUATION,
    /** A ping (at most 125 bytes). */
    PING,
    /** A pong (at most 125 bytes). */
    PONG,
    /** HTTP reason only: bytes of the response body. */
    HTTP,
    /** HTTP reason only: the last bytes of the response body. */
    HTTP_FINAL,
    /** Flag, given after the mode: more fragments of this message follow. */
    NO_FIN
}
