package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.pattern;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * lwsj's client against a third-party server: the Python {@code websockets} library
 * (Debian: python3-websockets), running src/test/resources/interop/ws_echo_server.py.
 * Missing python3 or the module fails the test class with a message saying what to
 * install; it is never skipped.
 */
class ClientInteropTest extends ClientTestKit {
    private static final long START_MS = 20_000;

    private static Process server;
    private static int port;
    private static Path stderrLog;
    private static String python;
    private static String websocketsVersion;
    private static final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Recorder client;
    private LwsContext context;

    @BeforeAll
    static void startPythonServer() throws Exception {
        findPython();
        URL script = ClientInteropTest.class.getResource("/interop/ws_echo_server.py");
        if (script == null) {
            throw new AssertionError("interop/ws_echo_server.py is not on the test class path");
        }
        stderrLog = Files.createTempFile("lwsj-interop-", ".log");
        ProcessBuilder pb = new ProcessBuilder(python, "-u", Path.of(script.toURI()).toString(), "0");
        pb.redirectError(stderrLog.toFile());
        server = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("reader failed: " + e);
            }
        }, "python-ws-stdout");
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(START_MS, TimeUnit.MILLISECONDS);
        if (first == null || !first.startsWith("listening ")) {
            String err = stderrTail();
            server.destroyForcibly();
            throw new AssertionError("the Python websockets server (" + python + ", websockets "
                    + websocketsVersion + ") did not start: first line " + first + "; stderr:\n" + err);
        }
        port = Integer.parseInt(first.substring("listening ".length()).trim());
    }

    /**
     * The first of -Dlwsj.python, $LWSJ_PYTHON, python3 on the PATH and /usr/bin/python3
     * that can import websockets.
     */
    private static void findPython() throws Exception {
        List<String> candidates = new ArrayList<>();
        if (System.getProperty("lwsj.python") != null) {
            candidates.add(System.getProperty("lwsj.python"));
        }
        if (System.getenv("LWSJ_PYTHON") != null) {
            candidates.add(System.getenv("LWSJ_PYTHON"));
        }
        candidates.addAll(Arrays.asList("python3", "/usr/bin/python3"));
        StringBuilder tried = new StringBuilder();
        for (String py : candidates) {
            String out;
            try {
                Process p = new ProcessBuilder(py, "-c", "import websockets; print(websockets.__version__)")
                        .redirectErrorStream(true).start();
                p.getOutputStream().close();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    tried.append("\n  ").append(py).append(": no answer in 15 s");
                    continue;
                }
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.exitValue() == 0) {
                    python = py;
                    websocketsVersion = out;
                    return;
                }
            } catch (IOException e) {
                out = e.getMessage();
            }
            String[] outLines = out.split("\n");
            tried.append("\n  ").append(py).append(": ").append(outLines[outLines.length - 1]);
        }
        throw new AssertionError("ClientInteropTest needs python3 with the 'websockets' module "
                + "(Debian/Ubuntu: apt-get install python3-websockets; or point -Dlwsj.python / "
                + "LWSJ_PYTHON at a python3 that has it). Tried:" + tried);
    }

    private static String stderrTail() {
        try {
            String s = Files.readString(stderrLog);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(cannot read " + stderrLog + ": " + e + ")";
        }
    }

    @AfterAll
    static void stopPythonServer() throws Exception {
        if (server == null) {
            return;
        }
        server.getOutputStream().close(); // the script ends when its stdin closes
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor(5, TimeUnit.SECONDS);
            }
        }
        Files.deleteIfExists(stderrLog);
    }

    @BeforeEach
    void clientContext() {
        assertTrue(server.isAlive(), "the Python server died; stderr:\n" + stderrTail());
        client = new Recorder();
        context = track(clientOnly().protocol(protocol("client", client)).build()).start();
    }

    private Connection connect(String path) {
        ClientRequest r = ClientRequest.to("ws://127.0.0.1:" + port + path).build();
        return connected(context.connect(r), "connect to the Python websockets " + websocketsVersion
                + " server at " + r + " (server stderr:\n" + stderrTail() + ")");
    }

    /** The server's "closed <path> <code> <reason>" line for this path. */
    private static String serverClosedLine(String path) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        List<String> other = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l == null) {
                    continue;
                }
                if (l.startsWith("closed " + path + " ")) {
                    return l.substring(("closed " + path + " ").length());
                }
                other.add(l);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the Python server did not report closing " + path + "; it said " + other
                + "; stderr:\n" + stderrTail());
    }

    @Test
    void echoTextAndBinaryOfEverySize() {
        Connection c = connect("/echo");
        for (int n : SIZES) {
            String text = asciiText(n);
            assertTrue(c.sendText(text));
            Object back = poll(client.messages, "the echo of text(" + n + ")");
            assertInstanceOf(String.class, back, "text(" + n + ") came back as " + describe(back));
            assertEquals(text, back, "text of " + n + " bytes");

            String unicode = "ünïcødé ✓ " + n;
            assertTrue(c.sendText(unicode));
            assertEquals(unicode, poll(client.messages, "the echo of a non-ASCII text"));

            byte[] bin = pattern(n);
            assertTrue(c.sendBinary(bin));
            back = poll(client.messages, "the echo of binary(" + n + ")");
            assertInstanceOf(byte[].class, back, "binary(" + n + ") came back as " + describe(back));
            assertArrayEquals(bin, (byte[]) back, "binary of " + n + " bytes");
        }
    }

    @Test
    void fragmentsArriveWhole() {
        Connection c = connect("/fragments");
        assertTrue(c.sendFragment(utf8("frag"), false, true, false));
        assertTrue(c.sendFragment(utf8("ment"), false, false, false));
        assertTrue(c.sendFragment(utf8("ed"), false, false, true));
        assertEquals("fragmented", poll(client.messages, "the echo of a fragmented text"));

        byte[] all = pattern(300_000);
        assertTrue(c.sendFragment(Arrays.copyOfRange(all, 0, 100_000), true, true, false));
        assertTrue(c.sendFragment(new byte[0], true, false, false));
        assertTrue(c.sendFragment(Arrays.copyOfRange(all, 100_000, 300_000), true, false, true));
        Object back = poll(client.messages, "the echo of a fragmented binary");
        assertInstanceOf(byte[].class, back);
        assertArrayEquals(all, (byte[]) back);
    }

    @Test
    void pingGetsPong() {
        Connection c = connect("/ping");
        assertTrue(c.ping(utf8("ping from lwsj")));
        assertArrayEquals(utf8("ping from lwsj"), poll(client.pongs, "the pong of the Python server"));
        byte[] max = pattern(125);
        assertTrue(c.ping(max));
        assertArrayEquals(max, poll(client.pongs, "the pong of a 125-byte ping"));
        assertTrue(c.sendText("still open"));
        assertEquals("still open", poll(client.messages, "an echo after the pings"));
    }

    @Test
    void serverClosesWithCode() {
        connect("/close-me");
        Closed closed = poll(client.closed, "onClosed after the server closed");
        assertEquals(4321, closed.code(), "close code from the Python server");
        assertEquals("bye", closed.reason());
        assertFalse(closed.connection().isOpen());
        assertEquals("4321 bye", serverClosedLine("/close-me"), "the server's view: the client echoed the code");
    }

    @Test
    void clientClosesWithCode() {
        Connection c = connect("/client-close");
        assertTrue(c.sendText("hello"));
        assertEquals("hello", poll(client.messages, "an echo before closing"));

        c.close(4100, "client bye");

        assertEquals("4100 client bye", serverClosedLine("/client-close"), "close code the Python server received");
        Closed closed = poll(client.closed, "the client's onClosed");
        assertEquals(4100, closed.code());
        assertFalse(c.isOpen());
    }

    @Test
    void refusedUpgradeFailsWith403() {
        ClientRequest r = ClientRequest.to("ws://127.0.0.1:" + port + "/forbidden").build();
        Throwable e = failure(context.connect(r), "connect to /forbidden");
        assertInstanceOf(LwsException.class, e);
        assertTrue(e.getMessage().contains("403"), e.getMessage());
        String reason = poll(client.connectionErrors, "onConnectionError");
        assertTrue(reason.contains("403"), reason);
        // the same context connects fine afterwards
        Connection c = connect("/after-403");
        assertTrue(c.sendText("ok"));
        assertEquals("ok", poll(client.messages, "an echo after the refused upgrade"));
    }

    @Test
    void connectionRefused() throws Exception {
        ClientRequest r = ClientRequest.to("127.0.0.1", closedPort(), "/", false).build();
        Throwable e = failure(context.connect(r), "connect to a closed port");
        assertInstanceOf(LwsException.class, e);
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("refused"), e.getMessage());
        assertTrue(poll(client.connectionErrors, "onConnectionError").toLowerCase(Locale.ROOT).contains("refused"));
    }
}
