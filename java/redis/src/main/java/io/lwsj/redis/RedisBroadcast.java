package io.lwsj.redis;

import io.lwsj.BroadcastRelay;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import io.lwsj.redis.internal.Envelope;
import io.lwsj.redis.internal.Publisher;
import io.lwsj.redis.internal.RedisEndpoint;
import io.lwsj.redis.internal.Subscriber;
import io.lwsj.redis.internal.Tallies;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;

/**
 * Joins a context to the other servers attached to the same Redis namespace: from
 * {@link Builder#attach} on, a broadcast made on this context ({@link LwsContext#broadcastText},
 * {@link LwsContext#broadcastBinary}, a classic libwebsockets_broadcast) reaches that
 * protocol's connections on every such server, and theirs reach this one's.
 *
 * <pre>{@code
 * RedisBroadcast cluster = RedisBroadcast.builder(URI.create("redis://127.0.0.1:6379"))
 *         .namespace("chat")
 *         .attach(context);
 * ...
 * cluster.close(); // before context.close()
 * }</pre>
 *
 * <p>Delivery: this server's connections get the message at once, as without Redis; the
 * other servers get it through one Redis PUBLISH, each connection once, and the messages
 * of one broadcasting thread in the order it made them. Redis pub/sub is at most once: a
 * message made while Redis is unreachable, or while a server's subscription is broken,
 * does not reach that server, and nothing resends it. Such losses are counted
 * ({@link #counters()}) and logged once per outage, never thrown. No broadcasting thread
 * waits for Redis: the messages queue (bounded; see {@link Builder#maxQueued})
 * for a thread of this object's own, and another thread receives.
 *
 * <p>Every server of a namespace must give the relayed protocols the same names. See
 * docs/scale-out.md.
 */
public final class RedisBroadcast implements AutoCloseable {
    private final LwsContext context;
    private final Tallies tallies = new Tallies();
    private final Publisher publisher;
    private final Subscriber subscriber;
    private final Thread publishing;
    private final Thread subscribing;
    private final byte[] node = new byte[Envelope.NODE_ID_BYTES];
    private final BroadcastRelay relay;
    private volatile boolean closed;

    private RedisBroadcast(Builder b, LwsContext context) {
        this.context = context;
        new SecureRandom().nextBytes(node);
        RedisEndpoint endpoint = new RedisEndpoint(b.uri, b.timeout);
        byte[] channel = ("lwsj:" + b.namespace).getBytes(StandardCharsets.UTF_8);
        this.subscriber = new Subscriber(endpoint, channel, node, context, tallies, b.maxBackoff, b.silence);
        this.publisher = new Publisher(endpoint, channel, tallies, b.maxQueuedMessages, b.maxQueuedBytes,
                b.maxBackoff, subscriber::keepAlive);
        this.relay = this::relay;
        this.publishing = new Thread(publisher, "lwsj-redis-publish-" + b.namespace);
        this.subscribing = new Thread(subscriber, "lwsj-redis-subscribe-" + b.namespace);
        publishing.setDaemon(true);
        subscribing.setDaemon(true);
    }

    public static Builder builder(URI redis) {
        return new Builder(redis);
    }

    private void relay(Protocol<?> protocol, ByteBuffer payload, boolean binary) {
        publisher.offer(Envelope.encode(node, protocol.name(), binary, payload));
    }

    /** What has been sent, lost and received so far, and whether Redis is connected now. */
    public RedisBroadcastCounters counters() {
        return tallies.snapshot();
    }

    /**
     * Detaches from the context (its broadcasts stay local again), publishes what is still
     * queued (for up to 2 s; what is left is counted lost) and ends the subscription and
     * both threads. Idempotent. The context stays open.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        context.relayBroadcasts(null);
        publisher.close();
        subscriber.close();
        join(publishing);
        join(subscribing);
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The settings of an attachment; checked here, before anything connects. */
    public static final class Builder {
        private final URI uri;
        private String namespace = "lwsj";
        private int maxQueuedMessages = 65_536;
        private long maxQueuedBytes = 64L * 1024 * 1024;
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration timeout = Duration.ofSeconds(2);
        private Duration silence = Duration.ofSeconds(10);

        private Builder(URI uri) {
            new RedisEndpoint(uri, timeout); // throws for a URI that is not Redis's
            this.uri = uri;
        }

        /**
         * Servers with the same namespace share their broadcasts (the Redis channel is
         * "lwsj:" + namespace); default "lwsj". Letters, digits, '.', '_', '-' and ':'.
         */
        public Builder namespace(String name) {
            if (name == null || name.isEmpty() || name.length() > 200 || !name.matches("[A-Za-z0-9._:-]+")) {
                throw new IllegalArgumentException("a namespace is 1..200 letters, digits, '.', '_', '-' or ':', got "
                        + name);
            }
            this.namespace = name;
            return this;
        }

        /**
         * The bounds of the queue towards Redis (default 65,536 messages and 64 MiB). A
         * broadcast that finds the queue past either is not sent to the other servers
         * (counted as droppedQueueFull); this server's own connections still get it. A
         * message larger than the byte bound alone is still taken when the queue is
         * empty.
         */
        public Builder maxQueued(int messages, long bytes) {
            if (messages < 1 || bytes < 1) {
                throw new IllegalArgumentException("queue bounds must be positive, got " + messages + " messages, "
                        + bytes + " bytes");
            }
            this.maxQueuedMessages = messages;
            this.maxQueuedBytes = bytes;
            return this;
        }

        /** How long a connection attempt or a PUBLISH may take before Redis counts as down (default 2 s). */
        public Builder timeout(Duration d) {
            if (d == null || d.toMillis() < 10 || d.toMillis() > 60_000) {
                throw new IllegalArgumentException("timeout must be 10 ms .. 60 s, got " + d);
            }
            this.timeout = d;
            return this;
        }

        /**
         * How long the subscription may go without a word from Redis before it counts as
         * broken and is made again (default 10 s, at least 2 s). It is pinged about once
         * a second, so only a stalled Redis or a silent network fault gets this far.
         */
        public Builder silenceTimeout(Duration d) {
            if (d == null || d.toMillis() < 2000 || d.toMillis() > 600_000) {
                throw new IllegalArgumentException("silenceTimeout must be 2 s .. 10 min, got " + d);
            }
            this.silence = d;
            return this;
        }

        /** The longest wait between reconnection attempts (from 100 ms, doubling; default 5 s). */
        public Builder maxBackoff(Duration d) {
            if (d == null || d.toMillis() < 100 || d.toMillis() > 600_000) {
                throw new IllegalArgumentException("maxBackoff must be 100 ms .. 10 min, got " + d);
            }
            this.maxBackoff = d;
            return this;
        }

        /**
         * Starts relaying context's broadcasts and subscribing for the others'; returns
         * at once, connecting in the background (until it has, broadcasts are local only
         * and counted lost; {@link RedisBroadcastCounters#connected()} says when it has).
         * A context carries one relay: attaching replaces an earlier one's.
         */
        public RedisBroadcast attach(LwsContext context) {
            Objects.requireNonNull(context, "context");
            if (!context.isOpen()) {
                throw new IllegalStateException("context is closed");
            }
            RedisBroadcast b = new RedisBroadcast(this, context);
            context.relayBroadcasts(b.relay);
            b.publishing.start();
            b.subscribing.start();
            return b;
        }
    }
}
