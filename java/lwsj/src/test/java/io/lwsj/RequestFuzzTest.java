package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Random requests against the request path (URI, query, headers): random bytes,
 * percent-encodings (%00 above all), raw NUL, CR and LF in values, very long query
 * parameters, header names near the header limit. Whatever arrives, the server answers or
 * closes, keeps serving, and the request Java sees holds no header that was not sent and
 * the marker header exactly as sent (a query or value cannot forge or hide a header).
 * Memory errors show under scripts/asan-test.sh, which runs this test too.
 *
 * <p>Bounded: {@code -Dlwsj.fuzz.requests=N} requests (default 3,000) or 60 s, whichever
 * ends first; {@code -Dlwsj.fuzz.seed=S} repeats a run (the seed is printed).
 */
class RequestFuzzTest extends ServerTestSupport {
    static final String MARKER = "x-fuzz-marker";

    /** What one request sent: its marker value and the lower-case names of its headers. */
    record Sent(String marker, Set<String> names) {}

    final ConcurrentLinkedQueue<LwsRequest> seen = new ConcurrentLinkedQueue<>();

    LwsContext start() {
        return track(localhost().http(request -> {
            seen.add(request);
            return LwsResponse.text(200, "ok\n");
        }).protocol(Protocol.of("fuzz", new Handler<>() {
            @Override
            public boolean filterProtocolConnection(LwsRequest handshake) {
                if (handshake.header(MARKER) == null && handshake.header("origin") == null) {
                    return true; // the bystander
                }
                seen.add(handshake);
                return false;
            }

            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text); // the bystander's echo
            }
        })).build()).start();
    }

    @Test
    void randomRequestsAreAnsweredOrRefusedAndNeverForgeAHeader() throws Exception {
        int count = Integer.getInteger("lwsj.fuzz.requests", 3000);
        long seed = Long.getLong("lwsj.fuzz.seed", System.nanoTime());
        System.out.println("RequestFuzzTest: seed " + seed + ", " + count + " requests (-Dlwsj.fuzz.seed to repeat)");
        Random rnd = new Random(seed);
        LwsContext ctx = start();
        WsTestClient bystander = client(ctx, "fuzz");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int reached = 0;
        int sent = 0;
        for (; sent < count && System.nanoTime() < deadline; sent++) {
            String marker = "m" + Long.toHexString(rnd.nextLong());
            Set<String> names = new HashSet<>();
            byte[] request = randomRequest(rnd, ctx.port(), marker, names);
            seen.clear();
            exchange(ctx, request, "request " + sent + " (seed " + seed + ")");
            for (LwsRequest r : seen) {
                reached++;
                check(r, new Sent(marker, names), "request " + sent + " (seed " + seed + ")");
            }
            if (sent % 250 == 0) {
                bystander.assertEchoes("bystander after " + sent + " requests");
            }
        }
        bystander.assertEchoes("bystander at the end");
        assertTrue(reached > sent / 10, "only " + reached + " of " + sent + " requests reached Java: the generator is off;"
                + " answers (0: closed) " + statuses);
    }

    final Map<Integer, Integer> statuses = new java.util.TreeMap<>();

    /** Sends the bytes, then reads until an answer head, EOF or reset; a silent server fails. */
    void exchange(LwsContext ctx, byte[] request, String what) throws IOException {
        try (RawClient c = RawClient.connect(ctx.port())) {
            try {
                c.write(request);
                // a request cut short (a broken line ended it early, or a body it
                // announced) waits for more bytes: say there are none
                c.socket.shutdownOutput();
            } catch (SocketException e) {
                return; // refused while we were still writing
            }
            try {
                RawClient.Head h = c.readHead();
                statuses.merge(h == null ? 0 : h.status(), 1, Integer::sum);
                if (h != null) {
                    assertTrue(h.status() >= 100 || h.status() == -1, what + ": " + h.statusLine());
                    assertTrue(h.status() != 101, what + ": upgraded though the filter refuses every upgrade");
                }
            } catch (SocketException e) {
                // reset: refused
            } catch (SocketTimeoutException e) {
                fail(what + ": the server neither answered nor closed: "
                        + new String(request, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n\n"));
            }
        }
    }

    static void check(LwsRequest r, Sent s, String what) {
        for (String name : r.headers().keySet()) {
            assertTrue(s.names().contains(name), what + ": Java saw a header that was not sent: '" + name
                    + "' in " + r.headers().keySet() + ", sent " + s.names());
        }
        List<String> marker = r.headers().get(MARKER);
        if (marker != null) {
            assertEquals(List.of(s.marker()), marker, what + ": the marker header changed");
        }
        for (Map.Entry<String, List<String>> e : r.headers().entrySet()) {
            for (String v : e.getValue()) {
                assertTrue(v.indexOf('\0') < 0 && v.indexOf('\r') < 0 && v.indexOf('\n') < 0,
                        what + ": a header value with NUL, CR or LF reached Java: " + e.getKey());
            }
        }
        String q = r.query();
        for (int i = 0; i < q.length(); i++) {
            char ch = q.charAt(i);
            assertTrue(ch > 0x20 && ch < 0x7f, what + ": the query holds a raw character " + (int) ch);
        }
        r.queryParameters(); // decodes without throwing
    }

    /** Encodings and separators a valid request may hold. */
    static final String[] TOKENS = {"%00", "%26", "%3D", "%25", "%2F", "%0D%0A", "%2e%2e", "&", "=", ";", "+", "?",
        "/", "..", "origin", "host", ":", "%3A"};
    /** What makes a request malformed: rarer, so that most requests still reach Java. */
    static final String[] BROKEN = {"%", "%zz", "%0", "\0", " ", "\t", "\r\n", "\n"};
    /** In a header value, no line break: one would start a header of the sender's own, not a forged one. */
    static final String[] BROKEN_VALUE = {"%", "%zz", "\0", "\t", "\r"};

    static byte[] randomRequest(Random rnd, int port, String marker, Set<String> names) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String method = rnd.nextInt(10) == 0 ? "POST" : "GET";
        write(b, method + " /");
        int segs = rnd.nextInt(4);
        for (int i = 0; i < segs; i++) {
            writeRandomText(b, rnd, rnd.nextInt(20));
            write(b, "/");
        }
        if (rnd.nextInt(4) != 0) {
            write(b, "?");
            int params = 1 + rnd.nextInt(6);
            for (int i = 0; i < params; i++) {
                if (i > 0) {
                    write(b, rnd.nextInt(5) == 0 ? ";" : "&");
                }
                writeRandomText(b, rnd, rnd.nextInt(8));
                write(b, "=");
                int len = rnd.nextInt(8) == 0 ? 900 + rnd.nextInt(5000) : rnd.nextInt(40);
                writeRandomText(b, rnd, len);
            }
        }
        write(b, " HTTP/1.1\r\n");
        header(b, names, "Host", "127.0.0.1:" + port);
        header(b, names, "X-Fuzz-Marker", marker);
        if (rnd.nextBoolean()) {
            header(b, names, "Upgrade", "websocket");
            header(b, names, "Connection", "Upgrade");
            header(b, names, "Sec-WebSocket-Key", RawClient.newKey());
            header(b, names, "Sec-WebSocket-Version", "13");
            header(b, names, "Sec-WebSocket-Protocol", "fuzz");
        }
        int extra = rnd.nextInt(6);
        for (int i = 0; i < extra; i++) {
            String name = rnd.nextInt(3) == 0 ? "Origin" : "X-R" + rnd.nextInt(1000) + "-" + "n".repeat(rnd.nextInt(3) == 0 ? 200 : 3);
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            writeRandomText(v, rnd, rnd.nextInt(10) == 0 ? 2000 + rnd.nextInt(4000) : rnd.nextInt(30), BROKEN_VALUE);
            if (rnd.nextInt(4) == 0) {
                // an injection attempt: NUL, bare CR or LF inside a value
                v.write(new byte[] {0, '\r', '\n'}[rnd.nextInt(3)]);
                write(v, "origin: https://trusted.example");
            }
            names.add(name.toLowerCase(Locale.ROOT));
            write(b, name + ": ");
            b.writeBytes(v.toByteArray());
            write(b, "\r\n");
        }
        write(b, "\r\n");
        if (method.equals("POST")) {
            write(b, "body");
        }
        // a header line split by a bare LF can start a header of any name: count what the
        // injected text names as sent, since the request then really carries it
        names.add("origin");
        return b.toByteArray();
    }

    static void header(ByteArrayOutputStream b, Set<String> names, String name, String value) {
        names.add(name.toLowerCase(Locale.ROOT));
        write(b, name + ": " + value + "\r\n");
    }

    static void writeRandomText(ByteArrayOutputStream b, Random rnd, int n) {
        writeRandomText(b, rnd, n, BROKEN);
    }

    static void writeRandomText(ByteArrayOutputStream b, Random rnd, int n, String[] broken) {
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(10);
            if (k < 3) {
                write(b, TOKENS[rnd.nextInt(TOKENS.length)]);
            } else if (k == 3 && rnd.nextInt(25) == 0) {
                write(b, broken[rnd.nextInt(broken.length)]);
            } else if (k < 4) {
                b.write(0x80 + rnd.nextInt(0x80)); // a byte that is not ASCII
            } else {
                b.write("abcdefghijklmnopqrstuvwxyz0123456789-._~".charAt(rnd.nextInt(40)));
            }
        }
    }

    static void write(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
