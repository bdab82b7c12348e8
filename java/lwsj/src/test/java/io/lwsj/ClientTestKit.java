package io.lwsj;

import static io.lwsj.TestData.copy;
import static io.lwsj.Waits.WAIT_MS;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * Common ground for the client and TLS tests (ClientTest, ClientInteropTest, TlsTest):
 * a recording handler usable on either side, bounded waits, loopback-only helpers, and
 * cleanup of everything a test opened (contexts last), even when the test fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ClientTestKit {
    static final int[] SIZES = {0, 1, 125, 126, 65535, 65536, 1024 * 1024};
    static final long BIG = 4L * 1024 * 1024;

    private final Opened opened = new Opened();

    /** How a connection ended, as its handler's onClosed saw it. */
    record Closed(Connection connection, int code, String reason) {}

    /** One call of confirmExtension. */
    record Confirm(String extension, ClientRequest request) {}

    /** One call of verifyClientCertificate. */
    record Verify(boolean opensslAccepted, int depth, String subject) {}

    /**
     * A handler that records every callback into queues, and optionally echoes, closes
     * on command ("close:code:reason" as text), refuses upgrades of one path, adds
     * handshake headers, answers HTTP, names extra CA files and judges client certificates.
     */
    static final class Recorder implements Handler<Void>, HttpHandler, TlsHooks {
        final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        final BlockingQueue<LwsRequest> handshakes = new LinkedBlockingQueue<>();
        /** Whole messages: String for text, byte[] for binary. */
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
        final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();
        final BlockingQueue<String> connectionErrors = new LinkedBlockingQueue<>();
        final BlockingQueue<Verify> verifications = new LinkedBlockingQueue<>();
        final BlockingQueue<Boolean> extraCaCalls = new LinkedBlockingQueue<>();
        final BlockingQueue<LwsRequest> httpRequests = new LinkedBlockingQueue<>();
        final BlockingQueue<Confirm> confirms = new LinkedBlockingQueue<>();

        volatile boolean echo;
        volatile boolean recordMessages = true;
        volatile String refusePath;
        volatile Map<String, String> handshakeHeaders = Map.of();
        volatile List<Path> extraCaClientSide = List.of();
        volatile List<Path> extraCaServerSide = List.of();
        /** false: refuse every client certificate at depth 0. */
        volatile boolean acceptClientCertificates = true;
        volatile String httpBody = "hello from lwsj\n";
        /** confirmExtension's answer, by extension name. */
        volatile Predicate<String> acceptExtension = name -> true;

        Recorder echoing() {
            this.echo = true;
            return this;
        }

        @Override
        public boolean confirmExtension(String extension, ClientRequest request) {
            confirms.add(new Confirm(extension, request));
            return acceptExtension.test(extension);
        }

        @Override
        public void onEstablished(Connection connection, Void session) {
            established.add(connection);
        }

        @Override
        public void onConnectionError(ClientRequest request, String reason) {
            connectionErrors.add(reason);
        }

        @Override
        public Map<String, String> clientHandshakeHeaders(ClientRequest request) {
            return handshakeHeaders;
        }

        @Override
        public List<Path> extraTrustedCaFiles(boolean clientSide) {
            extraCaCalls.add(clientSide);
            return clientSide ? extraCaClientSide : extraCaServerSide;
        }

        @Override
        public boolean verifyClientCertificate(boolean opensslAccepted, int depth, String subject) {
            verifications.add(new Verify(opensslAccepted, depth, subject));
            if (depth == 0 && !acceptClientCertificates) {
                return false;
            }
            return opensslAccepted;
        }

        @Override
        public void onText(Connection c, Void session, String text) {
            if (recordMessages) {
                messages.add(text);
            }
            if (text.startsWith("close:")) {
                String[] f = text.split(":", 3);
                c.close(Integer.parseInt(f[1]), f.length > 2 ? f[2] : "");
                return;
            }
            if (echo) {
                c.sendText(text);
            }
        }

        @Override
        public void onBinary(Connection c, Void session, ByteBuffer data) {
            if (echo) {
                c.sendBinary(data);
            }
            if (recordMessages) {
                messages.add(copy(data));
            }
        }

        @Override
        public void onPong(Connection c, Void session, ByteBuffer payload) {
            pongs.add(copy(payload));
        }

        @Override
        public void onClosed(Connection c, Void session, int code, String reason) {
            closed.add(new Closed(c, code, reason));
        }

        @Override
        public LwsResponse onRequest(LwsRequest request) {
            httpRequests.add(request);
            return LwsResponse.text(200, httpBody);
        }

        @Override
        public boolean filterProtocolConnection(LwsRequest handshake) {
            handshakes.add(handshake);
            return refusePath == null || !refusePath.equals(handshake.path());
        }
    }

    /** A protocol with generous sizes on both sides (1 MiB messages and more). */
    static Protocol<Void> protocol(String name, Recorder handler) {
        return Protocol.builder(name, handler)
                .confirmExtensions(true)
                .maxMessageSize(BIG)
                .maxQueuedBytes(64L * 1024 * 1024)
                .build();
    }

    static LwsContext.Builder loopbackServer() {
        return LwsContext.builder().bindAddress("127.0.0.1").port(0).serviceThreads(TestData.SERVICE_THREADS);
    }

    static LwsContext.Builder clientOnly() {
        return LwsContext.builder().listen(false);
    }

    /** Tracks a context (closed after the test, after everything else). */
    LwsContext track(LwsContext ctx) {
        return opened.late(ctx);
    }

    /** Tracks something closed after the test, before the contexts. */
    <T extends AutoCloseable> T closeLater(T c) {
        return opened.early(c);
    }

    @AfterEach
    void closeEverything() throws Exception {
        opened.closeAll();
    }

    // ---- loopback helpers --------------------------------------------------------

    /** A loopback port that nothing listens on (it was just bound and closed). */
    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A loopback server that accepts connections and never says anything. */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket;
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread acceptor;

        SilentServer() throws Exception {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    for (int i = 0; i < 1000 && !socket.isClosed(); i++) {
                        Socket s = socket.accept();
                        synchronized (accepted) {
                            accepted.add(s);
                        }
                    }
                } catch (Exception closed) {
                    // the server socket closed: done
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int acceptedCount() {
            synchronized (accepted) {
                return accepted.size();
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
            acceptor.join(5000);
        }
    }

    // ---- bounded waits -----------------------------------------------------------

    /** The connection a connect future completes with, within WAIT_MS. */
    static Connection connected(CompletableFuture<Connection> f, String what) {
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT_MS + " ms waiting for " + what);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The exception a connect future fails with, within WAIT_MS (AssertionError if it succeeds). */
    static Throwable failure(CompletableFuture<Connection> f, String what) {
        try {
            Connection c = f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            c.close();
            throw new AssertionError(what + " was expected to fail but connected: " + c);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT_MS + " ms waiting for " + what + " to fail");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ---- data --------------------------------------------------------------------

    /** A short description of a message for assertion texts. */
    static String describe(Object m) {
        if (m instanceof String s) {
            return "text(" + s.length() + ")";
        }
        if (m instanceof byte[] b) {
            return "binary(" + b.length + ")";
        }
        return String.valueOf(m);
    }
}
