package io.lwsj.redis.internal;

import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisURIHelper;

/** Where Redis is and how long to wait for it; opens connections. */
public record RedisEndpoint(URI uri, Duration timeout) {
    public RedisEndpoint {
        if (uri == null || !JedisURIHelper.isValid(uri) || !(JedisURIHelper.isRedisScheme(uri) || JedisURIHelper.isRedisSSLScheme(uri))) {
            throw new IllegalArgumentException("a Redis URI is redis://[user:password@]host:port[/db] or rediss://..., got "
                    + (uri == null ? null : label(uri)));
        }
    }

    /** Host and port only: what log lines and errors show (never the password). */
    public String label() {
        return label(uri);
    }

    private static String label(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
    }

    /**
     * A connection that has answered a PING; the timeout bounds connecting and every reply
     * (Jedis lifts it while a connection is subscribed, since a subscriber reads only
     * when Redis sends).
     */
    Jedis open() {
        int ms = (int) timeout.toMillis();
        Jedis jedis = new Jedis(uri, DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(ms)
                .socketTimeoutMillis(ms)
                .clientName("lwsj-redis")
                .build());
        try {
            jedis.ping();
            return jedis;
        } catch (RuntimeException e) {
            jedis.close();
            throw e;
        }
    }
}
