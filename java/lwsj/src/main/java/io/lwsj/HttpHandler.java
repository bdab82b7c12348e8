package io.lwsj;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Answers the plain HTTP requests of a context ({@link LwsContext.Builder#http}): the
 * classic HTTP callback reason. Runs on a service thread; the request's body has
 * arrived whole ({@link LwsContext.Builder#maxHttpBodyBytes}). Without one, every HTTP
 * request is answered 404. An exception thrown here is logged and answered 500.
 */
@FunctionalInterface
public interface HttpHandler {
    /** The answer to a request; null answers 404. */
    @Nullable LwsResponse onRequest(LwsRequest request);

    /** HTTP_FILE_COMPLETION: a file answered with {@link LwsResponse#file} has been sent. */
    default void onFileSent(Path file) {}
}
