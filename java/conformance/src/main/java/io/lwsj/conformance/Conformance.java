package io.lwsj.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * lwsj's conformance suite, run like Autobahn|Testsuite's fuzzing client and server.
 *
 * <pre>
 *   server --url ws://127.0.0.1:PORT/ --agent NAME --out DIR [--no-deflate]
 *       the suite is the client: every case against the echo server at the URL
 *   serve --port PORT --agent NAME --out DIR [--no-deflate] [--seconds N]
 *       the suite is the server: a client under test reads the number of cases from
 *       GET /cases, connects to /case/1 .. /case/N in turn and echoes what it gets;
 *       the suite exits when every case has run (or after N seconds, 600 by default)
 * </pre>
 *
 * Writes DIR/NAME.json and DIR/NAME.md (cases, verdicts, reasons) and prints one line
 * "N passed, N failed": passed counts OK and NON-STRICT. Exit status 1 when a case FAILED.
 * Servers bind to 127.0.0.1 only.
 */
public final class Conformance {
    private Conformance() {}

    record Result(Cases.Case c, Run.Verdict verdict, List<String> reasons, long ms) {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        Map<String, String> o = new LinkedHashMap<>();
        boolean noDeflate = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--no-deflate")) {
                noDeflate = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                o.put(args[i].substring(2), args[++i]);
            } else {
                usage();
            }
        }
        String agent = o.getOrDefault("agent", "peer");
        Path out = Path.of(o.getOrDefault("out", "target/conformance"));
        List<Cases.Case> cases = new ArrayList<>();
        for (Cases.Case c : Cases.all()) {
            if (!noDeflate || c.deflate() == null) {
                cases.add(c);
            }
        }
        List<Result> results;
        String mode = args[0];
        switch (mode) {
            case "server" -> results = againstServer(URI.create(required(o, "url")), cases);
            case "serve" -> results = asServer(Integer.parseInt(required(o, "port")), cases,
                    Integer.parseInt(o.getOrDefault("seconds", "600")));
            default -> {
                usage();
                return;
            }
        }
        String role = mode.equals("server") ? "server" : "client";
        Report.write(out, agent, role, results, noDeflate);
        long failed = results.stream().filter(r -> r.verdict() == Run.Verdict.FAILED).count();
        long nonStrict = results.stream().filter(r -> r.verdict() == Run.Verdict.NON_STRICT).count();
        System.out.println(agent + " as a " + role + ": " + results.size() + " cases, " + nonStrict + " NON-STRICT; report "
                + out.resolve(agent + ".md"));
        System.out.println((results.size() - failed) + " passed, " + failed + " failed");
        System.exit(failed == 0 && results.size() == cases.size() ? 0 : 1);
    }

    private static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            usage();
        }
        return v;
    }

    private static void usage() {
        System.err.println("usage: Conformance server --url ws://HOST:PORT/ --agent NAME --out DIR [--no-deflate]\n"
                + "       Conformance serve --port PORT --agent NAME --out DIR [--no-deflate] [--seconds N]");
        System.exit(2);
    }

    static String offer(Cases.Case c) {
        if (c.deflate() == null) {
            return null;
        }
        return c.deflate().isEmpty() ? "permessage-deflate" : "permessage-deflate; " + c.deflate();
    }

    /** The suite as the client: one connection per case. */
    static List<Result> againstServer(URI url, List<Cases.Case> cases) {
        List<Result> results = new ArrayList<>();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        for (Cases.Case c : cases) {
            long t0 = System.nanoTime();
            Run r;
            try (Peer p = Peer.connect(url, path, offer(c), (int) Run.WAIT_MS)) {
                r = new Run(p);
                c.body().run(r);
            } catch (IOException e) {
                r = new Run(null);
                r.fail("no connection: " + e.getMessage());
            } catch (RuntimeException e) {
                r = new Run(null);
                r.fail("the case itself failed: " + e);
            }
            results.add(new Result(c, r.verdict, r.reasons, (System.nanoTime() - t0) / 1_000_000));
            System.out.println(c.id() + " " + r.verdict + " " + c.title() + (r.reasons.isEmpty() ? "" : " :: " + r.reasons));
        }
        return results;
    }

    /** The suite as the server: serves GET /cases and runs case N on a WebSocket at /case/N. */
    static List<Result> asServer(int port, List<Cases.Case> cases, int seconds) throws IOException {
        Map<Integer, Result> done = new LinkedHashMap<>();
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("serving " + cases.size() + " cases on ws://127.0.0.1:" + server.getLocalPort() + "/case/N");
            server.setSoTimeout(1000);
            while (done.size() < cases.size() && System.currentTimeMillis() < deadline) {
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                try (s) {
                    s.setSoTimeout((int) Run.WAIT_MS);
                    serveOne(s, cases, done);
                } catch (IOException e) {
                    System.out.println("a client connection failed: " + e.getMessage());
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (int i = 1; i <= cases.size(); i++) {
            Result r = done.get(i);
            if (r == null) {
                r = new Result(cases.get(i - 1), Run.Verdict.FAILED, List.of("FAILED: the client never ran this case"), 0);
            }
            results.add(r);
        }
        return results;
    }

    private static void serveOne(Socket s, List<Cases.Case> cases, Map<Integer, Result> done) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        Wire.Head h = Wire.readHead(in);
        String[] line = h.line().split(" ");
        String target = line.length > 1 ? line[1] : "";
        if (target.equals("/cases")) {
            byte[] body = (cases.size() + "\n").getBytes(StandardCharsets.US_ASCII);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return;
        }
        int n = target.startsWith("/case/") ? parseInt(target.substring(6)) : -1;
        String key = h.header("sec-websocket-key");
        if (n < 1 || n > cases.size() || key == null) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return;
        }
        Cases.Case c = cases.get(n - 1);
        String answer = answer(c, h.header("sec-websocket-extensions"));
        StringBuilder resp = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + Wire.acceptFor(key) + "\r\n");
        if (answer != null) {
            resp.append("Sec-WebSocket-Extensions: ").append(answer).append("\r\n");
        }
        out.write(resp.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long t0 = System.nanoTime();
        Peer p = new Peer(s, false);
        if (answer != null) {
            p.deflate = new Deflate(Deflate.Params.parse(answer), false);
        }
        Run r = new Run(p);
        try {
            c.body().run(r);
            if (!p.peerClosed && !r.failed() && r.verdict != Run.Verdict.FAILED) {
                // the case left it open (a failure case the client answered): end it
                p.writeQuietly(p.frame(Wire.CLOSE, true, 0, Wire.closePayload(1000, new byte[0])), 0);
            }
        } catch (RuntimeException e) {
            r.fail("the case itself failed: " + e);
        } finally {
            if (p.deflate != null) {
                p.deflate.close();
            }
        }
        done.put(n, new Result(c, r.verdict, r.reasons, (System.nanoTime() - t0) / 1_000_000));
        System.out.println(c.id() + " " + r.verdict + " " + c.title() + (r.reasons.isEmpty() ? "" : " :: " + r.reasons));
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.replaceAll("[?].*", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Our answer, as the server, to the client's offer for this case: the case's
     * parameters, where the offer allows them (client_max_window_bits only with a value,
     * and only when the client offered it), or null: no extension.
     */
    static String answer(Cases.Case c, String offered) {
        if (c.deflate() == null || offered == null) {
            return null;
        }
        String mine = null;
        for (String one : offered.split(",")) {
            if (one.trim().toLowerCase(Locale.ROOT).startsWith("permessage-deflate")) {
                mine = one.trim().toLowerCase(Locale.ROOT);
                break;
            }
        }
        if (mine == null) {
            return null;
        }
        StringBuilder a = new StringBuilder("permessage-deflate");
        for (String p : c.deflate().split(";")) {
            String q = p.trim();
            if (q.isEmpty() || q.equals("client_max_window_bits")) {
                continue;
            }
            if (q.startsWith("client_max_window_bits") && !mine.contains("client_max_window_bits")) {
                continue;
            }
            a.append("; ").append(q);
        }
        return a.toString();
    }
}
