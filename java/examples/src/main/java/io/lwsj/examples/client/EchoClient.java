package io.lwsj.examples.client;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * lwsj's client under the conformance suite (java/conformance, serve mode): reads the
 * number of cases from BASE/cases, then for each case connects to BASE/case/N and echoes
 * every message it receives until the suite closes the connection.
 *
 * <pre>EchoClient http://127.0.0.1:PORT [--deflate]</pre>
 */
public final class EchoClient {
    private EchoClient() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--deflate"))) {
            System.err.println("usage: EchoClient http://HOST:PORT [--deflate]");
            System.exit(2);
        }
        String base = args[0].replaceAll("/$", "");
        boolean deflate = args.length == 2;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        int cases = Integer.parseInt(http.send(HttpRequest.newBuilder(URI.create(base + "/cases")).build(),
                HttpResponse.BodyHandlers.ofString()).body().trim());

        Protocol<Void> echo = Protocol.builder("echo", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                c.sendBinary(data);
            }
        }).maxMessageSize(64L << 20).build();

        LwsContext.Builder b = LwsContext.builder().listen(false).protocol(echo);
        if (deflate) {
            b.permessageDeflate(PermessageDeflate.defaults());
        }
        try (LwsContext context = b.build().start()) {
            String ws = "ws" + base.substring(base.indexOf(':'));
            for (int n = 1; n <= cases; n++) {
                try {
                    Connection c = context.connect(ClientRequest.to(ws + "/case/" + n).build()).get(10, TimeUnit.SECONDS);
                    waitForTheEnd(c);
                } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                    System.err.println("case " + n + ": " + e.getMessage());
                }
            }
        }
    }

    /** Until the suite (or a failure) ends the connection; 60 s at most for one case. */
    private static void waitForTheEnd(Connection c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (c.isOpen() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
