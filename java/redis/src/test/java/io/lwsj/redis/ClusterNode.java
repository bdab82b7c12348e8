package io.lwsj.redis;

import java.net.URI;
import java.time.Duration;

/**
 * One server node of {@link RedisClusterTest}, in a JVM of its own: a {@link ChatServer}
 * attached to Redis. Prints "PORT n" once it listens and runs until its standard input
 * ends (the test closes it, or dies).
 *
 * <pre>ClusterNode REDIS_URI NAMESPACE</pre>
 */
public final class ClusterNode {
    private ClusterNode() {}

    public static void main(String[] args) throws Exception {
        ChatServer server = new ChatServer();
        RedisBroadcast cluster = server.attach(RedisBroadcast.builder(URI.create(args[0]))
                .namespace(args[1])
                .maxBackoff(Duration.ofMillis(400)));
        System.out.println("PORT " + server.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until stdin closes
        }
        cluster.close();
        server.context.close();
    }
}
