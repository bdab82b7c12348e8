package io.lwsj.examples.echo;

import io.lwsj.CloseCodes;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.LwsRequest;
import io.lwsj.LwsResponse;
import io.lwsj.Overflow;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import io.lwsj.redis.RedisBroadcast;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A WebSocket echo server on any path (but /broadcast).
 *
 * <ul>
 *   <li>{@code echo} (the default when a client asks for no subprotocol): every message
 *       comes back to its sender, text as text and binary as binary; fragmented
 *       messages come back whole (the library assembles them, up to 64 MiB).</li>
 *   <li>{@code broadcast}, asked for by subprotocol or by the path {@code /broadcast}
 *       without one: every message any broadcast client sends goes to every broadcast
 *       client, the sender included.</li>
 * </ul>
 *
 * Close frames are answered by the library. A client that sends faster than it reads
 * is paused (TCP backpressure) until its echoes have been written.
 *
 * With {@code --deflate} the server accepts permessage-deflate (RFC 7692) from clients
 * that offer it; with {@code --tls-cert FILE --tls-key FILE} it speaks wss:// only; with
 * {@code --service-threads N} N threads serve it, the kernel spreading connections over
 * them ({@code /broadcast} reaches the clients of every thread); with
 * {@code --redis redis://HOST:PORT} {@code /broadcast} reaches the broadcast clients of
 * every echo server attached to that Redis (and namespace, {@code --redis-namespace}).
 *
 * <pre>
 *   EchoServer [--port P (default 9000)] [--bind ADDR (default 127.0.0.1)] [--deflate]
 *              [--tls-cert FILE --tls-key FILE] [--service-threads N (default 1)]
 *              [--redis redis://HOST:PORT [--redis-namespace NS (default lwsj-echo)]]
 * </pre>
 */
public final class EchoServer {
    static final String ECHO = "echo";
    static final String BROADCAST = "broadcast";

    /** The largest message echoed; a longer one closes the connection with 1009. */
    static final long MAX_MESSAGE = 64L * 1024 * 1024;
    /** Above this many queued bytes a connection stops being read until they are written. */
    static final long PAUSE_ABOVE = 4L * 1024 * 1024;

    private EchoServer() {}

    /** Sends every message back to where it came from. */
    static final class Echo implements Handler<Void> {
        @Override
        public void onText(Connection connection, Void session, String text) {
            connection.sendText(text);
            throttle(connection);
        }

        @Override
        public void onBinary(Connection connection, Void session, ByteBuffer data) {
            connection.sendBinary(data); // copied once, into the native send queue
            throttle(connection);
        }

        @Override
        public void onWritable(Connection connection, Void session) {
            connection.setReceiving(true); // the queue has drained: read again
        }
    }

    /** Plain HTTP gets 426: this server speaks WebSocket only. */
    static LwsResponse onHttp(LwsRequest request) {
        return LwsResponse.text(426, "lwsj echo server: connect with a WebSocket client\n")
                .header("Upgrade", "websocket");
    }

    /** Stops reading a connection whose echoes pile up, until its queue is empty again. */
    static void throttle(Connection connection) {
        if (connection.bufferedAmount() > PAUSE_ABOVE) {
            connection.setReceiving(false);
            connection.requestWritable();
        }
    }

    /** Sends every message to every broadcast client. */
    static final class Broadcast implements Handler<Void> {
        @Override
        public void onText(Connection connection, Void session, String text) {
            connection.context().broadcastText(connection.protocol(), text);
        }

        @Override
        public void onBinary(Connection connection, Void session, ByteBuffer data) {
            connection.context().broadcastBinary(connection.protocol(), data);
        }
    }

    /** Builds and starts a plain server without compression; the caller closes it. */
    static LwsContext start(String bind, int port) {
        return start(bind, port, false, null, null);
    }

    /**
     * Builds and starts the server; the caller closes it. {@code deflate} accepts
     * permessage-deflate; a certificate and key (PEM, both or neither) make it wss://.
     */
    static LwsContext start(String bind, int port, boolean deflate, Path tlsCert, Path tlsKey) {
        return start(bind, port, deflate, tlsCert, tlsKey, 1);
    }

    /** As above, served by serviceThreads threads. */
    static LwsContext start(String bind, int port, boolean deflate, Path tlsCert, Path tlsKey, int serviceThreads) {
        // the benchmark's idle scenario holds 10,000 connections (the default is 4,096)
        LwsContext.Builder builder = LwsContext.builder().maxConnections(20_000).serviceThreads(serviceThreads);
        if (deflate) {
            builder.permessageDeflate(PermessageDeflate.defaults());
        }
        if (tlsCert != null) {
            builder.tls(tlsCert, tlsKey);
        }
        return builder
                .bindAddress(bind)
                .port(port)
                .http(EchoServer::onHttp)
                .protocol(echoProtocol()) // first: the default without a subprotocol
                .protocol(Protocol.builder(BROADCAST, new Broadcast())
                        .path("/broadcast") // ws://host:port/broadcast without a subprotocol
                        .maxMessageSize(MAX_MESSAGE)
                        .receiveBufferSize(64 * 1024)
                        // a client too slow for the others misses messages (REFUSE)
                        .maxQueuedBytes(4 * MAX_MESSAGE)
                        .build())
                .build()
                .start();
    }

    static Protocol<Void> echoProtocol() {
        return Protocol.builder(ECHO, new Echo())
                .maxMessageSize(MAX_MESSAGE)
                .receiveBufferSize(64 * 1024)
                // room for a whole 64 MiB echo and then some; a client that still
                // overruns it is closed rather than silently losing an echo
                .maxQueuedBytes(4 * MAX_MESSAGE)
                .onOverflow(Overflow.CLOSE, CloseCodes.POLICY_VIOLATION)
                .build();
    }

    public static void main(String[] args) {
        int port = 9000;
        String bind = "127.0.0.1";
        boolean deflate = false;
        Path tlsCert = null;
        Path tlsKey = null;
        int serviceThreads = 1;
        URI redis = null;
        String namespace = "lwsj-echo";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
            }
            if (a.equals("--deflate")) {
                deflate = true;
                continue;
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--port":
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        usage("not a port number: " + v);
                    }
                    break;
                case "--bind":
                    bind = v;
                    break;
                case "--tls-cert":
                    tlsCert = Paths.get(v);
                    break;
                case "--tls-key":
                    tlsKey = Paths.get(v);
                    break;
                case "--service-threads":
                    try {
                        serviceThreads = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        usage("not a number of threads: " + v);
                    }
                    if (serviceThreads < 1 || serviceThreads > 256) {
                        usage("--service-threads is 1..256, got " + v);
                    }
                    break;
                case "--redis":
                    try {
                        redis = new URI(v);
                        RedisBroadcast.builder(redis); // checks it
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        usage("--redis wants redis://host:port, got " + v);
                    }
                    break;
                case "--redis-namespace":
                    namespace = v;
                    break;
                default:
                    usage("unknown option " + a);
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            usage("--tls-cert and --tls-key go together");
        }

        LwsContext context = start(bind, port, deflate, tlsCert, tlsKey, serviceThreads);
        RedisBroadcast cluster = null;
        if (redis != null) {
            try {
                cluster = RedisBroadcast.builder(redis).namespace(namespace).attach(context);
            } catch (IllegalArgumentException e) {
                context.close();
                usage(e.getMessage());
            }
        }
        RedisBroadcast attached = cluster;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (attached != null) {
                attached.close();
            }
            context.close();
        }, "lwsj-echo-shutdown"));
        String host = bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind;
        System.out.println("lwsj echo server listening on " + (tlsCert != null ? "wss://" : "ws://")
                + host + ":" + context.port() + "/" + (deflate ? " (permessage-deflate)" : "")
                + (serviceThreads > 1 ? " with " + serviceThreads + " service threads" : "")
                + (redis != null ? "; /broadcast joins the servers on " + redis.getHost() + ":" + redis.getPort()
                        + " namespace " + namespace : ""));
        System.out.flush();
        // the context's service thread keeps the JVM alive until it is killed
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println(problem);
        }
        System.err.println("usage: EchoServer [--port P (default 9000)] [--bind ADDR (default 127.0.0.1)]"
                + " [--deflate] [--tls-cert FILE --tls-key FILE] [--service-threads N (default 1)]"
                + " [--redis redis://HOST:PORT [--redis-namespace NS (default lwsj-echo)]]");
        System.exit(problem == null ? 0 : 2);
    }
}
