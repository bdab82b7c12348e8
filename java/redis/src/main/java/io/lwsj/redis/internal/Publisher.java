package io.lwsj.redis.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The sending side: broadcasting threads (service threads among them) only queue; one
 * thread of its own publishes, so a slow or absent Redis never blocks them.
 *
 * <p>The queue policy: while connected, up to maxMessages and maxBytes wait, and past
 * either bound the new broadcast is dropped and counted (droppedQueueFull). While not
 * connected nothing waits: each broadcast is counted lost at once, as are those queued
 * when the connection broke, since pub/sub could not deliver them later anyway to a
 * subscriber that was away. The thread reconnects with backoff and logs the outage once
 * and the recovery once, with the count lost meanwhile.
 */
public final class Publisher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("io.lwsj.redis");
    /** The most messages sent in one pipeline (one write, one read of the answers). */
    private static final int BATCH = 256;
    /**
     * How long the thread waits for work before it pings Redis to see it is there, and
     * how often it runs the subscriber's keep-alive.
     */
    private static final long IDLE_PING_MS = 1000;
    /** How long close() lets the queue drain. */
    private static final long CLOSE_DRAIN_MS = 2000;

    private final RedisEndpoint endpoint;
    private final byte[] channel;
    private final Tallies tallies;
    private final int maxMessages;
    private final long maxBytes;
    private final Backoff backoff;
    private final Runnable everySecond;
    /** Put in the queue by close() to end a wait at once; never published. */
    private static final byte[] WAKE = new byte[0];

    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean closing;
    private long lostAtOutage;
    private long lastKeepAliveNanos = System.nanoTime();

    public Publisher(RedisEndpoint endpoint, byte[] channel, Tallies tallies, int maxMessages, long maxBytes,
            Duration maxBackoff, Runnable everySecond) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.tallies = tallies;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.backoff = new Backoff(maxBackoff);
        this.everySecond = everySecond;
    }

    /** Any thread: queues one envelope, or counts it lost or dropped. Never blocks. */
    public void offer(byte[] envelope) {
        if (!tallies.publisherConnected || closing) {
            tallies.lost.incrementAndGet();
            return;
        }
        long bytes = queuedBytes.addAndGet(envelope.length);
        if (queue.size() >= maxMessages || (bytes > maxBytes && bytes != envelope.length)) {
            queuedBytes.addAndGet(-envelope.length);
            tallies.droppedQueueFull.incrementAndGet();
            return;
        }
        queue.add(envelope);
    }

    /** Asks the thread to publish what is queued (for up to 2 s) and stop. */
    public void close() {
        closing = true;
        queue.add(WAKE);
    }

    @Override
    public void run() {
        Jedis jedis = null;
        long closeBy = Long.MAX_VALUE;
        int attempts = 0;
        try {
            while (!closing || (!queue.isEmpty() && System.nanoTime() < closeBy && jedis != null)) {
                if (closing && closeBy == Long.MAX_VALUE) {
                    closeBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_DRAIN_MS);
                }
                keepAliveEverySecond();
                if (jedis == null) {
                    attempts++;
                    jedis = connect(attempts);
                    if (jedis == null) {
                        if (!backoff.waitNext(() -> closing)) {
                            closing = true;
                        }
                    } else {
                        attempts = 0;
                    }
                    continue;
                }
                List<byte[]> batch = nextBatch();
                try {
                    if (batch.isEmpty()) {
                        jedis.ping();
                    } else {
                        publish(jedis, batch);
                    }
                } catch (RuntimeException e) {
                    tallies.lost.addAndGet(batch.size());
                    jedis.close();
                    jedis = null;
                    outage(e);
                }
            }
        } finally {
            tallies.publisherConnected = false;
            if (jedis != null) {
                jedis.close();
            }
            drainAsLost();
        }
    }

    /** Runs the idle work (the subscriber's keep-alive) about once a second, busy or not. */
    private void keepAliveEverySecond() {
        long now = System.nanoTime();
        if (now - lastKeepAliveNanos >= TimeUnit.MILLISECONDS.toNanos(IDLE_PING_MS)) {
            lastKeepAliveNanos = now;
            everySecond.run();
        }
    }

    private Jedis connect(int attempt) {
        try {
            Jedis jedis = endpoint.open();
            tallies.publisherConnected = true;
            long connects = tallies.publisherConnects.incrementAndGet();
            backoff.reset();
            if (connects == 1) {
                LOG.info("lwsj-redis: publishing to {}", endpoint.label());
            } else {
                LOG.info("lwsj-redis: publishing to {} again after {} attempts; {} broadcasts were lost meanwhile",
                        endpoint.label(), attempt, tallies.lost.get() - lostAtOutage);
            }
            return jedis;
        } catch (RuntimeException e) {
            if (attempt == 1 && tallies.publisherConnects.get() == 0) {
                lostAtOutage = tallies.lost.get();
                LOG.warn("lwsj-redis: cannot reach {} ({}); broadcasts stay on this server and are counted lost"
                        + " until it can be reached; retrying with backoff", endpoint.label(), e.toString());
            }
            drainAsLost();
            return null;
        }
    }

    private void outage(RuntimeException e) {
        tallies.publisherConnected = false;
        lostAtOutage = tallies.lost.get();
        drainAsLost();
        LOG.warn("lwsj-redis: lost {} ({}); broadcasts stay on this server and are counted lost until it is back;"
                + " reconnecting with backoff", endpoint.label(), e.toString());
    }

    private List<byte[]> nextBatch() {
        List<byte[]> batch = new ArrayList<>();
        try {
            byte[] first = queue.poll(IDLE_PING_MS, TimeUnit.MILLISECONDS);
            if (first != null) {
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
        batch.removeIf(b -> b == WAKE);
        long bytes = 0;
        for (byte[] b : batch) {
            bytes += b.length;
        }
        queuedBytes.addAndGet(-bytes);
        return batch;
    }

    private void publish(Jedis jedis, List<byte[]> batch) {
        if (batch.size() == 1) {
            jedis.publish(channel, batch.get(0));
        } else {
            Pipeline p = jedis.pipelined();
            for (byte[] m : batch) {
                p.publish(channel, m);
            }
            p.sync();
        }
        tallies.published.addAndGet(batch.size());
    }

    private void drainAsLost() {
        List<byte[]> left = new ArrayList<>();
        queue.drainTo(left);
        left.removeIf(b -> b == WAKE);
        long bytes = 0;
        for (byte[] b : left) {
            bytes += b.length;
        }
        queuedBytes.addAndGet(-bytes);
        tallies.lost.addAndGet(left.size());
    }
}
