package io.lwsj.redis;

/**
 * What one {@link RedisBroadcast} has done since it was attached. A broadcast of this
 * server is counted once: published, lost or droppedQueueFull (the last two never reach
 * the other servers). A message of another server is counted in received and then once
 * in delivered, refusedLocally or malformed.
 *
 * @param published broadcasts Redis took (PUBLISH answered)
 * @param lost broadcasts not sent: Redis was unreachable when they were made, or the
 *     PUBLISH that carried them failed (such a message may still have reached some
 *     servers when the connection broke after Redis took it)
 * @param droppedQueueFull broadcasts not sent because the queue towards Redis was full
 * @param received messages of other servers that arrived from Redis
 * @param delivered of those, the ones handed to this context's connections
 * @param refusedLocally of those, the ones this context refused (closed, or its
 *     cross-thread queue saturated)
 * @param malformed messages on the channel that were not lwsj's, or named a protocol
 *     this context lacks; ignored
 * @param ownIgnored this server's own broadcasts coming back from Redis; not delivered
 *     twice
 * @param publisherConnects successful connections of the publishing side (1 + reconnects)
 * @param subscriberConnects successful subscriptions (1 + re-subscriptions)
 * @param publisherConnected whether the publishing side is connected now
 * @param subscribed whether the subscribing side is subscribed now
 */
public record RedisBroadcastCounters(long published, long lost, long droppedQueueFull, long received,
        long delivered, long refusedLocally, long malformed, long ownIgnored, long publisherConnects,
        long subscriberConnects, boolean publisherConnected, boolean subscribed) {
    /** Both sides are connected: broadcasts reach the other servers and theirs reach this one. */
    public boolean connected() {
        return publisherConnected && subscribed;
    }
}
