package io.lwsj.examples.smoke;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.Lws;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Does this platform's liblwsj.so work? Loads it, then echoes one message from an lwsj
 * client to an lwsj server over ws://, over wss:// and with permessage-deflate, and
 * prints one line each; exits 1 on the first failure. scripts/aarch64-smoke.sh runs it
 * on an aarch64 JVM under qemu.
 *
 * <pre>PlatformSmoke CA_PEM CERT_PEM KEY_PEM</pre>
 */
public final class PlatformSmoke {
    private PlatformSmoke() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: PlatformSmoke CA_PEM CERT_PEM KEY_PEM");
            System.exit(2);
        }
        System.out.println("os.arch " + System.getProperty("os.arch") + ", libwebsockets " + Lws.libwebsocketsVersion());
        echo("ws", false, false, args);
        echo("wss", true, false, args);
        echo("permessage-deflate", false, true, args);
        System.out.println("platform smoke: passed");
    }

    private static void echo(String what, boolean tls, boolean deflate, String[] args) throws Exception {
        CompletableFuture<String> echoed = new CompletableFuture<>();
        Protocol<Void> echo = Protocol.of("echo", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                c.sendText(text);
            }
        });
        Protocol<Void> client = Protocol.of("client", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                echoed.complete(text);
            }
        });
        LwsContext.Builder server = LwsContext.builder().bindAddress("127.0.0.1").port(0).protocol(echo);
        LwsContext.Builder connector = LwsContext.builder().listen(false).protocol(client);
        if (tls) {
            server.tls(Path.of(args[1]), Path.of(args[2]));
            connector.clientTrust(Path.of(args[0]));
        }
        if (deflate) {
            server.permessageDeflate(PermessageDeflate.defaults());
            connector.permessageDeflate(PermessageDeflate.defaults());
        }
        try (LwsContext s = server.build().start(); LwsContext c = connector.build().start()) {
            Connection conn = c.connect(ClientRequest.to((tls ? "wss" : "ws") + "://127.0.0.1:" + s.port() + "/")
                    .subprotocols("echo").protocol(client).build()).get(60, TimeUnit.SECONDS);
            String sent = "hello over " + what + " " + "x".repeat(2000);
            conn.sendText(sent);
            String got = echoed.get(60, TimeUnit.SECONDS);
            if (!got.equals(sent)) {
                throw new AssertionError(what + ": the echo differs from what was sent");
            }
            String ext = conn.responseHeaders().getOrDefault("sec-websocket-extensions", java.util.List.of()).toString();
            if (deflate && !ext.contains("permessage-deflate")) {
                throw new AssertionError(what + ": not negotiated, extensions " + ext);
            }
            System.out.println(what + ": echoed " + got.length() + " characters" + (deflate ? ", extensions " + ext : ""));
        }
    }
}
