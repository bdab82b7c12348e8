package io.lwsj.classic;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A protocol callback with the classic libwebsockets shape,
 * {@code int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)}.
 * Wrap it in a {@link ClassicHandler} to use it as a protocol's handler. It runs on
 * the context's service thread, like every {@link io.lwsj.Handler} method.
 *
 * @param <S> the per-session user data (the protocol's session type)
 */
@FunctionalInterface
public interface ClassicCallback<S> {

    /**
     * @param wsi    the connection or request the reason is about
     * @param reason why it is called; {@link Reason} says what the arguments hold and what
     *               a non-zero return means for each reason
     * @param user   the connection's session object, null where there is none yet
     * @param in     the data of the reason (its remaining bytes), or null; valid only
     *               during the call
     * @param len    the number of bytes in {@code in}
     * @return 0 to go on; non-zero to close the connection or refuse, as the reason defines
     */
    int callback(Wsi wsi, Reason reason, @Nullable S user, @Nullable ByteBuffer in, long len);
}
