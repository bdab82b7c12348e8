package io.lwsj;

import io.lwsj.DeflateWire.WireMessage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.Inflater;

/**
 * Two extensions active on one connection (permessage-deflate and the XOR extension of
 * {@link ExtensionTest}), run in a child JVM so that a native crash fails one test
 * instead of ending the whole test run. {@link #run} starts the child and returns its
 * exit status and output; {@link #main} is the child: "raw OFFER" (a raw client offers
 * OFFER to an lwsj server with both extensions) or "lwsj" (an lwsj client with both
 * against that server). It prints NEGOTIATED, SERVER-GOT and ECHO lines, exit 0.
 */
final class TwoExtensionsProbe {
    static final String NAME = "x-xor";
    static final byte KEY = 0x5a;

    record Outcome(int exit, String output, String crashFrame) {
        boolean has(String line) {
            return output.lines().anyMatch(l -> l.equals(line));
        }
    }

    private TwoExtensionsProbe() {}

    /** Runs the probe in a child JVM (bounded to 30 s); hs_err files go to dir. */
    static Outcome run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TwoExtensionsProbe.class.getName());
        cmd.addAll(List.of(args));
        Path out = dir.resolve("probe-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            return new Outcome(-1, Files.readString(out), "timed out after 30 s");
        }
        String crash = null;
        File[] errs = dir.toFile().listFiles((d, n) -> n.startsWith("hs_err_"));
        if (errs != null) {
            for (File f : errs) {
                boolean nativeFrames = false;
                int frames = 0;
                for (String l : Files.readAllLines(f.toPath(), StandardCharsets.ISO_8859_1)) {
                    if (l.startsWith("Native frames:")) {
                        nativeFrames = true;
                        continue;
                    }
                    boolean keep = l.startsWith("#  SIG") || (nativeFrames && frames < 4 && l.startsWith("C "));
                    if (nativeFrames && (l.isEmpty() || !l.startsWith("C "))) {
                        nativeFrames = false;
                    }
                    if (keep) {
                        frames += l.startsWith("C ") ? 1 : 0;
                        crash = crash == null ? l.trim() : crash + " | " + l.trim();
                    }
                }
                Files.delete(f.toPath());
            }
        }
        return new Outcome(p.exitValue(), Files.readString(out), crash);
    }

    static byte[] xor(byte[] b) {
        return ExtensionTest.Xor.xor(b, KEY);
    }

    /** The extension tokens of a Sec-WebSocket-Extensions value, in order. */
    static List<String> order(String header) {
        List<String> names = new ArrayList<>();
        if (header != null) {
            for (String e : header.split(",")) {
                names.add(e.split(";")[0].trim().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** The next message of q within 5 s, or null as soon as a connection of ends has closed. */
    private static Object next(java.util.concurrent.BlockingQueue<Object> q, ClientTestKit.Recorder... ends)
            throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            Object m = q.poll(20, TimeUnit.MILLISECONDS);
            if (m != null) {
                return m;
            }
            for (ClientTestKit.Recorder r : ends) {
                if (!r.closed.isEmpty()) {
                    return q.poll(50, TimeUnit.MILLISECONDS);
                }
            }
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        ClientTestKit.Recorder rec = new ClientTestKit.Recorder().echoing();
        LwsContext srv = LwsContext.builder().bindAddress("127.0.0.1").port(0)
                .extension(new ExtensionTest.Xor(NAME, KEY)).permessageDeflate(PermessageDeflate.defaults())
                .protocol(ClientTestKit.protocol("ext", rec)).build().start();
        try {
            if (args[0].equals("raw")) {
                raw(srv, rec, args[1]);
            } else {
                lwsj(srv, rec);
            }
        } finally {
            srv.close();
        }
        System.out.flush();
        System.exit(0);
    }

    private static void raw(LwsContext srv, ClientTestKit.Recorder rec, String offer) throws Exception {
        byte[] msg = ("hello, two extensions " + TestData.asciiText(200)).getBytes(StandardCharsets.UTF_8);
        try (RawClient c = RawClient.connect(srv.port()); DeflateWire.Compressor comp = new DeflateWire.Compressor(false)) {
            String ext = DeflateWire.upgrade(c, srv.port(), "ext", offer).header("sec-websocket-extensions");
            System.out.println("NEGOTIATED " + ext);
            List<String> order = order(ext);
            // RFC 6455 9.1: a sender applies the extensions in the response's order,
            // so a receiver undoes them in reverse
            byte[] wire = msg;
            int rsv = 0;
            for (String e : order) {
                if (e.equals("permessage-deflate")) {
                    wire = comp.compress(wire);
                    rsv = 0x40;
                } else if (e.equals(NAME)) {
                    wire = xor(wire);
                }
            }
            c.write(DeflateWire.clientFrame(0x1, true, rsv, wire));
            Object got = next(rec.messages, rec);
            String want = new String(msg, StandardCharsets.UTF_8);
            System.out.println("SERVER-GOT " + (want.equals(got) ? "OK" : ClientTestKit.describe(got)));
            WireMessage m;
            try {
                m = DeflateWire.readMessage(c);
            } catch (IOException | AssertionError e) {
                System.out.println("ECHO-ERROR " + e);
                return;
            }
            byte[] p = m.payload();
            try {
                for (int i = order.size() - 1; i >= 0; i--) {
                    if (order.get(i).equals(NAME)) {
                        p = xor(p);
                    } else if (order.get(i).equals("permessage-deflate") && m.rsv1()) {
                        Inflater inf = new Inflater(true);
                        try {
                            p = DeflateWire.inflate(inf, p, "echo");
                        } finally {
                            inf.end();
                        }
                    }
                }
                System.out.println(Arrays.equals(p, msg) ? "ECHO-OK" : "ECHO-BAD " + p.length + " bytes");
            } catch (AssertionError e) {
                System.out.println("ECHO-BAD " + e.getMessage());
            }
        }
    }

    private static void lwsj(LwsContext srv, ClientTestKit.Recorder rec) throws Exception {
        ClientTestKit.Recorder cli = new ClientTestKit.Recorder();
        try (LwsContext ctx = LwsContext.builder().listen(false).extension(new ExtensionTest.Xor(NAME, KEY))
                .permessageDeflate(PermessageDeflate.defaults()).protocol(ClientTestKit.protocol("ext", cli)).build()
                .start()) {
            Connection c = ctx.connect(ClientRequest.to("127.0.0.1", srv.port(), "/", false).build())
                    .get(10, TimeUnit.SECONDS);
            List<String> v = c.responseHeaders().get("sec-websocket-extensions");
            System.out.println("NEGOTIATED " + (v == null ? null : String.join(",", v)));
            String msg = "hello, two extensions " + TestData.asciiText(2000);
            c.sendText(msg);
            Object got = next(rec.messages, rec, cli);
            System.out.println("SERVER-GOT " + (msg.equals(got) ? "OK" : ClientTestKit.describe(got)));
            Object back = next(cli.messages, rec, cli);
            System.out.println(msg.equals(back) ? "ECHO-OK" : "ECHO-BAD " + ClientTestKit.describe(back));
            ClientTestKit.Closed closed = rec.closed.poll();
            if (closed != null) {
                System.out.println("SERVER-CLOSED " + closed.code() + " " + closed.reason());
            }
        }
    }
}
