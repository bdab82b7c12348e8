package io.lwsj;

import java.nio.ByteBuffer;

/**
 * Carries a context's broadcasts beyond it, to the same protocol on other servers (the
 * lwsj-redis module is one). Set with {@link LwsContext#relayBroadcasts}; a message that
 * comes back from elsewhere is handed to {@link LwsContext#deliverRelayed}, which does
 * not call the relay again.
 */
@FunctionalInterface
public interface BroadcastRelay {
    /**
     * Called once for each broadcast the context accepted, on the thread that made it
     * (often a service thread), after the copies for the context's own connections were
     * queued, in the order of that thread's broadcasts. The payload is read-only and
     * valid during the call only: copy what you keep. It must not block; queue and
     * return. An exception reaches the caller of the broadcast, whose local copies are
     * already queued.
     */
    void relay(Protocol<?> protocol, ByteBuffer payload, boolean binary);
}
