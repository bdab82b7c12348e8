package io.lwsj.redis.internal;

import io.lwsj.redis.RedisBroadcastCounters;
import java.util.concurrent.atomic.AtomicLong;

/** The counters of one attachment, written by its threads and by broadcasting threads. */
public final class Tallies {
    final AtomicLong published = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong droppedQueueFull = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong refusedLocally = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong ownIgnored = new AtomicLong();
    final AtomicLong publisherConnects = new AtomicLong();
    final AtomicLong subscriberConnects = new AtomicLong();
    volatile boolean publisherConnected;
    volatile boolean subscribed;

    public RedisBroadcastCounters snapshot() {
        return new RedisBroadcastCounters(published.get(), lost.get(), droppedQueueFull.get(), received.get(),
                delivered.get(), refusedLocally.get(), malformed.get(), ownIgnored.get(), publisherConnects.get(),
                subscriberConnects.get(), publisherConnected, subscribed);
    }
}
