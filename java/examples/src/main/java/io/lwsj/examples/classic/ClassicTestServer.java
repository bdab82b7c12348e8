package io.lwsj.examples.classic;

import io.lwsj.CloseCodes;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import io.lwsj.classic.ClassicHandler;
import io.lwsj.classic.Reason;
import io.lwsj.classic.WriteMode;
import io.lwsj.classic.Wsi;
import io.lwsj.examples.demo.DemoPage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * libwebsockets' classic test server, ported with the C-shaped API: the three protocol
 * callbacks keep the shape of their C originals ({@code switch (reason)}, a per-session
 * struct, {@code lws_write}, non-zero to close), with {@link Wsi} for
 * {@code struct lws *}. It speaks the same protocols as the C test server and as
 * {@code io.lwsj.examples.demo.TestServer}, the idiomatic version of the same program,
 * and serves the same page:
 *
 * <ul>
 *   <li>"http-only": files from the document root; no WebSocket.</li>
 *   <li>"dumb-increment-protocol": a number sent every 50 ms, counting up per
 *       connection; "reset\n" restarts it at 0, "closeme\n" closes the connection
 *       with 1001 "seeya".</li>
 *   <li>"lws-mirror-protocol": every message goes to every mirror connection, through
 *       a ring of the last messages with a read position per connection; readers that
 *       fall behind pause every sender (rx flow control) until they catch up.</li>
 * </ul>
 *
 * permessage-deflate is accepted on the mirror (libwebsockets' own mirror refuses it)
 * and refused on dumb-increment.
 *
 * <pre>
 *   ClassicTestServer [--port P (7681)] [--bind ADDR (127.0.0.1)] [--root DIR]
 *                     [--ssl-cert FILE --ssl-key FILE] [--no-utf8-check]
 * </pre>
 *
 * {@code --no-utf8-check} accepts text that is not UTF-8, as old libwebsockets did;
 * libwebsockets' test client in {@code --echo} mode sends random bytes as text.
 */
public final class ClassicTestServer implements AutoCloseable {
    static final String HTTP = "http-only";
    static final String DUMB_INCREMENT = "dumb-increment-protocol";
    static final String MIRROR = "lws-mirror-protocol";

    /** The mirror ring: how many messages it holds, and when senders are paused and resumed. */
    static final int RING_SIZE = 64;
    static final int RXFLOW_PAUSE = 48;
    static final int RXFLOW_RESUME = 16;

    /** How a server is started. */
    public static final class Options {
        String bind = "127.0.0.1";
        int port = 7681;
        Path root;
        Path sslCert;
        Path sslKey;
        boolean validateUtf8 = true;

        public Options bind(String address) { this.bind = address; return this; }
        public Options port(int p) { this.port = p; return this; }
        public Options root(Path dir) { this.root = dir; return this; }
        public Options ssl(Path cert, Path key) { this.sslCert = cert; this.sslKey = key; return this; }
        public Options validateUtf8(boolean on) { this.validateUtf8 = on; return this; }
    }

    // ---- per-session data (the C structs) ---------------------------------------------

    /** struct per_session_data__dumb_increment */
    static final class PerSessionDataDumbIncrement {
        int number;
    }

    /** struct per_session_data__lws_mirror */
    static final class PerSessionDataLwsMirror {
        Wsi wsi;
        long tail; // the next ring message this connection has to send
    }

    // ---- the mirror's shared state: touched on the service thread only -----------------

    private final byte[][] ring = new byte[RING_SIZE][];
    private final boolean[] ringBinary = new boolean[RING_SIZE];
    private long ringHead; // the number of the next message stored
    private final Set<PerSessionDataLwsMirror> mirrorSessions = new LinkedHashSet<>();
    private boolean rxPaused;

    private final LwsContext context;
    private final ScheduledExecutorService timer;
    private final Path tempRoot;

    private ClassicTestServer(Options o) throws IOException {
        this.tempRoot = o.root == null ? DemoPage.unpack("lwsj-classic-") : null;
        Path root = o.root != null ? o.root : tempRoot;
        try {
            ClassicHandler<Void> http = ClassicHandler.of(this::callbackHttp);
            // in C the first protocol's callback gets the context's reasons (HTTP, filters)
            LwsContext.Builder b = http.serveContextReasons(LwsContext.builder())
                    .bindAddress(o.bind)
                    .port(o.port)
                    .documentRoot(root)
                    .validateUtf8(o.validateUtf8)
                    .permessageDeflate(PermessageDeflate.defaults())
                    // the protocol table: name, callback, per-session data
                    .protocol(Protocol.builder(HTTP, http).confirmExtensions(true).build())
                    .protocol(ClassicHandler.protocol(DUMB_INCREMENT, this::callbackDumbIncrement,
                            PerSessionDataDumbIncrement::new).build())
                    .protocol(ClassicHandler.protocol(MIRROR, this::callbackLwsMirror,
                            PerSessionDataLwsMirror::new).maxMessageSize(64 * 1024).build());
            if (o.sslCert != null) {
                b.tls(o.sslCert, o.sslKey);
            }
            this.context = b.build().start();
        } catch (RuntimeException e) {
            DemoPage.delete(tempRoot);
            throw e;
        }
        // the C main loop's lws_callback_on_writable_all_protocol, every 50 ms
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dumb-increment-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                context.requestWritableAll(context.protocol(DUMB_INCREMENT));
            } catch (IllegalStateException closed) {
                timer.shutdown();
            }
        }, 50, 50, TimeUnit.MILLISECONDS);
    }

    /** Starts a server; {@link #close()} stops it. */
    public static ClassicTestServer start(Options options) throws IOException {
        return new ClassicTestServer(options);
    }

    public LwsContext context() {
        return context;
    }

    public int port() {
        return context.port();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        context.close();
        DemoPage.delete(tempRoot);
    }

    // ---- http-only ----------------------------------------------------------------------

    int callbackHttp(Wsi wsi, Reason reason, Void user, ByteBuffer in, long len) {
        switch (reason) {
            case HTTP: {
                String uri = string(in, len);
                if (uri.equals("/")) {
                    uri = "/index.html";
                }
                String mime = DemoPage.mimeType(uri);
                if (mime == null) {
                    return wsi.returnHttpStatus(404, null);
                }
                // the library answers 404 for a missing file, 403 for one outside the root
                return wsi.serveHttpFile(uri, mime);
            }
            case FILTER_PROTOCOL_CONNECTION:
                return 1; // HTTP only: refuse WebSocket upgrades
            default:
                break;
        }
        return 0;
    }

    // ---- dumb-increment-protocol ----------------------------------------------------

    int callbackDumbIncrement(Wsi wsi, Reason reason, PerSessionDataDumbIncrement pss, ByteBuffer in, long len) {
        switch (reason) {
            case ESTABLISHED:
                pss.number = 0;
                break;

            case SERVER_WRITEABLE: {
                byte[] p = Integer.toString(pss.number++).getBytes(StandardCharsets.US_ASCII);
                int m = wsi.write(p, p.length, WriteMode.TEXT);
                if (m < p.length) {
                    System.err.println("ERROR " + p.length + " writing to di socket");
                    return -1;
                }
                break;
            }

            case CONFIRM_EXTENSION_OKAY:
                // no compression for a few digits: the C protocol's 10-byte receive buffer
                // is too small for permessage-deflate, and the C test client's (20 bytes)
                // cannot take compressed frames either
                return 1;

            case RECEIVE:
                if (len < 6) {
                    break;
                }
                if (startsWith(in, len, "reset\n")) {
                    pss.number = 0;
                }
                if (startsWith(in, len, "closeme\n")) {
                    wsi.closeReason(CloseCodes.GOING_AWAY, "seeya");
                    return -1;
                }
                break;

            default:
                break;
        }
        return 0;
    }

    // ---- lws-mirror-protocol --------------------------------------------------------

    int callbackLwsMirror(Wsi wsi, Reason reason, PerSessionDataLwsMirror pss, ByteBuffer in, long len) {
        switch (reason) {
            case ESTABLISHED:
                pss.wsi = wsi;
                pss.tail = ringHead;
                mirrorSessions.add(pss);
                if (rxPaused) {
                    wsi.rxFlowControl(false);
                }
                break;

            case CLOSED:
                mirrorSessions.remove(pss);
                releaseSentMessages();
                break;

            case SERVER_WRITEABLE:
                while (pss.tail < ringHead) {
                    int slot = (int) (pss.tail % RING_SIZE);
                    byte[] msg = ring[slot];
                    int n = wsi.write(msg, msg.length, ringBinary[slot] ? WriteMode.BINARY : WriteMode.TEXT);
                    if (n < 0) {
                        System.err.println("ERROR " + n + " writing to mirror socket");
                        return -1;
                    }
                    pss.tail++;
                    if (wsi.sendPipeChoked()) {
                        break; // the rest on the next WRITEABLE
                    }
                }
                releaseSentMessages();
                if (pss.tail < ringHead) {
                    wsi.callbackOnWritable();
                }
                break;

            case RECEIVE: {
                if (ringHead - oldestTail() >= RING_SIZE) {
                    System.err.println("mirror ring full: dropping a message");
                    break;
                }
                int slot = (int) (ringHead % RING_SIZE);
                byte[] msg = new byte[(int) len];
                in.get(in.position(), msg);
                ring[slot] = msg;
                ringBinary[slot] = wsi.frameIsBinary();
                ringHead++;
                if (!rxPaused && ringHead - oldestTail() >= RXFLOW_PAUSE) {
                    setMirrorRx(false);
                }
                wsi.callbackOnWritableAllProtocol();
                break;
            }

            default:
                break;
        }
        return 0;
    }

    /** The read position of the slowest mirror connection (ringHead when there is none). */
    private long oldestTail() {
        long oldest = ringHead;
        for (PerSessionDataLwsMirror p : mirrorSessions) {
            oldest = Math.min(oldest, p.tail);
        }
        return oldest;
    }

    /** Frees the messages every connection has sent; resumes the senders once there is room. */
    private void releaseSentMessages() {
        long oldest = oldestTail();
        for (long n = Math.max(0, ringHead - RING_SIZE); n < oldest; n++) {
            ring[(int) (n % RING_SIZE)] = null;
        }
        if (rxPaused && ringHead - oldest <= RXFLOW_RESUME) {
            setMirrorRx(true);
        }
    }

    private void setMirrorRx(boolean enable) {
        for (PerSessionDataLwsMirror p : mirrorSessions) {
            p.wsi.rxFlowControl(enable);
        }
        rxPaused = !enable;
    }

    // ---- helpers ------------------------------------------------------------------------

    /** strncmp(in, prefix, strlen(prefix)) == 0 */
    private static boolean startsWith(ByteBuffer in, long len, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (len < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (in.get(in.position() + i) != p[i]) {
                return false;
            }
        }
        return true;
    }

    private static String string(ByteBuffer in, long len) {
        byte[] b = new byte[(int) len];
        in.get(in.position(), b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println(problem);
        }
        System.err.println("usage: ClassicTestServer [--port P (7681)] [--bind ADDR (127.0.0.1)] [--root DIR]"
                + " [--ssl-cert FILE --ssl-key FILE] [--no-utf8-check]");
        System.exit(problem == null ? 0 : 2);
    }

    public static void main(String[] args) throws Exception {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
            }
            if (a.equals("--no-utf8-check")) {
                o.validateUtf8(false);
                continue;
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--port":
                    try {
                        o.port(Integer.parseInt(v));
                    } catch (NumberFormatException e) {
                        usage("not a port number: " + v);
                    }
                    break;
                case "--bind":
                    o.bind(v);
                    break;
                case "--root":
                    o.root(Paths.get(v));
                    if (!Files.isDirectory(o.root)) {
                        usage("not a directory: " + v);
                    }
                    break;
                case "--ssl-cert":
                    o.sslCert = Paths.get(v);
                    break;
                case "--ssl-key":
                    o.sslKey = Paths.get(v);
                    break;
                default:
                    usage("unknown option " + a);
            }
        }
        if ((o.sslCert == null) != (o.sslKey == null)) {
            usage("--ssl-cert and --ssl-key go together");
        }
        ClassicTestServer server = start(o);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "lwsj-classic-shutdown"));
        String host = o.bind.indexOf(':') >= 0 ? "[" + o.bind + "]" : o.bind;
        System.out.println("lwsj classic test server on " + (o.sslCert != null ? "https" : "http") + "://"
                + host + ":" + server.port() + "/");
        System.out.flush();
        // the service thread keeps the JVM alive until Ctrl-C
    }
}
