package io.lwsj;

import java.net.InetAddress;

/**
 * FILTER_NETWORK_CONNECTION ({@link LwsContext.Builder#networkFilter}): decides, on a
 * service thread, whether a TCP connection just accepted may stay. Without a filter no
 * call is made at all.
 */
@FunctionalInterface
public interface NetworkFilter {
    /** Returns false to drop the connection before anything is sent. */
    boolean accept(InetAddress peer);
}
