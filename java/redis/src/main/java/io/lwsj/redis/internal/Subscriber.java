package io.lwsj.redis.internal;

import io.lwsj.ContextSaturatedException;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * The receiving side: one thread of its own subscribes to the channel and hands each
 * message of another server to the context as one copy (LwsContext.deliverRelayed), which
 * queues it for the service threads and returns; a full context queue counts the message
 * refused rather than waiting. The subscription is re-made with backoff when it breaks.
 */
public final class Subscriber implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("io.lwsj.redis");

    private final RedisEndpoint endpoint;
    private final byte[] channel;
    private final byte[] node;
    private final LwsContext context;
    private final Tallies tallies;
    private final Backoff backoff;
    /** A subscription that has said nothing for this long (pings included) is taken as broken. */
    private final long silentMs;
    private final Map<String, Protocol<?>> protocols = new HashMap<>();
    private volatile boolean closing;
    private volatile Jedis current;
    private volatile Listener listener;
    private volatile long lastHeardNanos = System.nanoTime();
    private boolean warnedMalformed;

    public Subscriber(RedisEndpoint endpoint, byte[] channel, byte[] node, LwsContext context, Tallies tallies,
            Duration maxBackoff, Duration silence) {
        this.silentMs = silence.toMillis();
        this.endpoint = endpoint;
        this.channel = channel;
        this.node = node;
        this.context = context;
        this.tallies = tallies;
        this.backoff = new Backoff(maxBackoff);
        for (Protocol<?> p : context.protocols()) {
            protocols.put(p.name(), p);
        }
    }

    /** Ends the subscription and the thread. Any thread. */
    public void close() {
        closing = true;
        Listener l = listener;
        if (l != null && l.isSubscribed()) {
            try {
                l.unsubscribe();
            } catch (RuntimeException e) {
                // the connection is already gone; disconnecting below ends the thread
            }
        }
        Jedis j = current;
        if (j != null) {
            j.disconnect();
        }
    }

    /**
     * The publisher's thread, about once a second: pings the subscription, and breaks it
     * when Redis has said nothing for the silence allowed, so that a stalled Redis or a
     * silent network fault is noticed, not only a closed socket.
     */
    public void keepAlive() {
        Listener l = listener;
        Jedis j = current;
        if (l == null || j == null || !l.isSubscribed()) {
            return;
        }
        if (System.nanoTime() - lastHeardNanos > TimeUnit.MILLISECONDS.toNanos(silentMs)) {
            LOG.warn("lwsj-redis: the subscription to {} answered no ping for {} ms; reconnecting",
                    endpoint.label(), silentMs);
            j.disconnect();
            return;
        }
        try {
            l.ping();
        } catch (RuntimeException e) {
            // the subscribing thread sees the same failure and reconnects
        }
    }

    @Override
    public void run() {
        int attempts = 0;
        boolean everSubscribed = false;
        while (!closing) {
            attempts++;
            try (Jedis jedis = endpoint.open()) {
                current = jedis;
                Listener l = new Listener();
                listener = l;
                if (closing) {
                    break;
                }
                lastHeardNanos = System.nanoTime();
                jedis.subscribe(l, channel); // returns when unsubscribed; throws when the connection breaks
            } catch (RuntimeException e) {
                if (!closing && (tallies.subscribed || (attempts == 1 && !everSubscribed))) {
                    LOG.warn("lwsj-redis: no subscription to {} ({}); other servers' broadcasts do not reach this"
                            + " one until it is back; reconnecting with backoff", endpoint.label(), e.toString());
                }
            } finally {
                everSubscribed |= tallies.subscribed;
                if (tallies.subscribed) {
                    attempts = 0;
                }
                tallies.subscribed = false;
                current = null;
                listener = null;
            }
            if (!backoff.waitNext(() -> closing)) {
                closing = true;
            }
        }
    }


    /** Runs on the subscribing thread, inside jedis.subscribe. */
    private final class Listener extends BinaryJedisPubSub {
        @Override
        public void onSubscribe(byte[] ch, int count) {
            lastHeardNanos = System.nanoTime();
            tallies.subscribed = true;
            long n = tallies.subscriberConnects.incrementAndGet();
            backoff.reset();
            if (n == 1) {
                LOG.info("lwsj-redis: subscribed to {} on {}", new String(ch, java.nio.charset.StandardCharsets.UTF_8),
                        endpoint.label());
            } else {
                LOG.info("lwsj-redis: subscribed to {} again", endpoint.label());
            }
        }

        @Override
        public void onPong(byte[] pattern) {
            lastHeardNanos = System.nanoTime();
        }

        @Override
        public void onMessage(byte[] ch, byte[] message) {
            lastHeardNanos = System.nanoTime();
            if (Envelope.isFrom(message, node)) {
                tallies.ownIgnored.incrementAndGet();
                return;
            }
            Envelope e = Envelope.decode(message);
            tallies.received.incrementAndGet();
            Protocol<?> p = e == null ? null : protocols.get(e.protocol());
            if (p == null) {
                tallies.malformed.incrementAndGet();
                if (!warnedMalformed) {
                    warnedMalformed = true;
                    LOG.warn("lwsj-redis: ignoring a message on the channel that is not an lwsj broadcast for a"
                            + " protocol of this context ({}); further ones are only counted",
                            e == null ? message.length + " bytes of another format" : "protocol '" + e.protocol() + "'");
                }
                return;
            }
            try {
                context.deliverRelayed(p, e.payload(), e.binary());
                tallies.delivered.incrementAndGet();
            } catch (ContextSaturatedException | IllegalStateException ex) {
                tallies.refusedLocally.incrementAndGet();
            } catch (IllegalArgumentException ex) { // text that is not UTF-8
                tallies.malformed.incrementAndGet();
            }
        }
    }
}
