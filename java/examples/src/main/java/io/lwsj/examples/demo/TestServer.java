package io.lwsj.examples.demo;

import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.HttpHandler;
import io.lwsj.LwsContext;
import io.lwsj.LwsRequest;
import io.lwsj.LwsResponse;
import io.lwsj.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The classic libwebsockets test server, in Java: an HTTP protocol that serves a page
 * from a document root, "dumb-increment-protocol" (a counter pushed to each client
 * every 50 ms, reset by the message {@code reset\n}) and "lws-mirror-protocol" (every
 * message goes to every mirror client: a shared drawing board).
 *
 * <pre>
 *   TestServer [--port P] [--bind ADDR] [--root DIR]
 * </pre>
 *
 * The default binds to 127.0.0.1 only; {@code --bind 0.0.0.0} serves other machines too.
 * Without {@code --root} the page shipped in this jar (demo-www/) is copied to a
 * temporary directory that becomes the document root.
 */
public final class TestServer {
    static final String HTTP = "http-only";
    static final String DUMB_INCREMENT = "dumb-increment-protocol";
    static final String MIRROR = "lws-mirror-protocol";

    private TestServer() {}

    // ---- http-only: the page -------------------------------------------------

    /** The context's HTTP handler: the page and its files. */
    static final class Page implements HttpHandler {
        @Override
        public LwsResponse onRequest(LwsRequest request) {
            String method = request.method();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return LwsResponse.text(405, "Method Not Allowed\n").header("Allow", "GET, HEAD");
            }
            String path = request.path();
            if (path.equals("/")) {
                path = "/index.html";
            }
            String mime = DemoPage.mimeType(path);
            if (mime == null) {
                return LwsResponse.notFound();
            }
            // the library answers 404 for a missing file and 403 for a path that would
            // leave the document root
            return LwsResponse.file(path, mime);
        }
    }

    /** The first protocol, as in the C test server: it takes no WebSocket clients. */
    static final class HttpOnly implements Handler<Void> {
        @Override
        public boolean filterProtocolConnection(LwsRequest handshake) {
            return false; // HTTP only
        }
    }

    // ---- dumb-increment-protocol --------------------------------------------

    /** Per-connection data: the classic per_session_data__dumb_increment. */
    static final class Counter {
        int number;
    }

    /**
     * Every 50 ms a timer asks for onWritable on all connections of this protocol; each
     * connection then sends its own next number. onWritable runs only once the
     * connection's send queue is empty, so a slow client is never flooded.
     */
    static final class DumbIncrement implements Handler<Counter> {
        @Override
        public void onWritable(Connection connection, Counter session) {
            connection.sendText(Integer.toString(session.number++));
        }

        @Override
        public void onText(Connection connection, Counter session, String text) {
            if (text.strip().equals("reset")) { // the page sends "reset\n"
                session.number = 0;
            }
        }
    }

    // ---- lws-mirror-protocol ------------------------------------------------

    /** Whatever one client sends, every mirror client receives (the sender too). */
    static final class Mirror implements Handler<Void> {
        @Override
        public void onText(Connection connection, Void session, String text) {
            connection.context().broadcastText(connection.protocol(), text);
        }

        @Override
        public void onBinary(Connection connection, Void session, ByteBuffer data) {
            connection.context().broadcastBinary(connection.protocol(), data);
        }
    }

    // ---- setup ----------------------------------------------------------------

    /** Builds and starts the server; the caller closes it. */
    static LwsContext start(String bind, int port, Path root) {
        return LwsContext.builder()
                .bindAddress(bind)
                .port(port)
                .documentRoot(root)
                .http(new Page())
                .protocol(Protocol.of(HTTP, new HttpOnly()))
                .protocol(Protocol.builder(DUMB_INCREMENT, new DumbIncrement())
                        .session(c -> new Counter())
                        .build())
                .protocol(Protocol.builder(MIRROR, new Mirror())
                        .maxMessageSize(64 * 1024)
                        .build())
                .build()
                .start();
    }

    /** The packaged page in a new temporary directory, with a favicon drawn here. */
    static Path unpackPage() throws IOException {
        Path dir = DemoPage.unpack("lwsj-demo-");
        Files.write(dir.resolve("favicon.ico"), Favicon.ico());
        return dir;
    }

    /** The host to show in the URL: localhost for loopback and wildcard addresses. */
    static String urlHost(String bind) {
        switch (bind) {
            case "127.0.0.1":
            case "localhost":
            case "0.0.0.0":
            case "::":
            case "::1":
                return "localhost";
            default:
                return bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind;
        }
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println(problem);
        }
        System.err.println("usage: TestServer [--port P (default 7681)] [--bind ADDR (default 127.0.0.1;"
                + " 0.0.0.0 for all interfaces)] [--root DIR]");
        System.exit(problem == null ? 0 : 2);
    }

    public static void main(String[] args) throws Exception {
        int port = 7681;
        String bind = "127.0.0.1";
        Path root = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
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
                case "--root":
                    root = Paths.get(v);
                    if (!Files.isDirectory(root)) {
                        usage("not a directory: " + v);
                    }
                    break;
                default:
                    usage("unknown option " + a);
            }
        }

        Path temp = root == null ? unpackPage() : null;
        LwsContext context;
        try {
            context = start(bind, port, root == null ? temp : root);
        } catch (RuntimeException e) {
            if (temp != null) {
                DemoPage.delete(temp);
            }
            throw e;
        }

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dumb-increment-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                context.requestWritableAll(context.protocol(DUMB_INCREMENT));
            } catch (IllegalStateException closed) {
                timer.shutdown(); // the context is closing
            }
        }, 50, 50, TimeUnit.MILLISECONDS);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            context.close();
            if (temp != null) {
                DemoPage.delete(temp);
            }
        }, "lwsj-demo-shutdown"));

        System.out.println("lwsj demo serving on http://" + urlHost(bind) + ":" + context.port() + "/");
        System.out.flush();
        // the context's service thread keeps the JVM alive until Ctrl-C
    }
}
