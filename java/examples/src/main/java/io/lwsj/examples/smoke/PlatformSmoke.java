package io.lwsj.examples.smoke;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.Lws;
import io.lwsj.LwsContext;
import io.lwsj.PermessageDeflate;
import io.lwsj.Protocol;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Does this platform's liblwsj.so work? Loads it, then echoes one message from an lwsj
 * client to an lwsj server over ws://, over wss:// and with permessage-deflate, and
 * prints one line each; exits 1 on the first failure. scripts/aarch64-smoke.sh runs it
 * on an aarch64 JVM under qemu.
 *
 * <p>With {@code --with-system-openssl} the system's libcrypto and libssl are loaded first,
 * with RTLD_GLOBAL, as another binding (netty-tcnative, a JNI wrapper) would load them,
 * and used again at the end: lwsj's own OpenSSL, hidden inside liblwsj.so, and the
 * system's must not see each other (PlatformSmokeTest).
 *
 * <pre>PlatformSmoke [--with-system-openssl] CA_PEM CERT_PEM KEY_PEM</pre>
 */
public final class PlatformSmoke {
    private static final int RTLD_NOW_GLOBAL = 0x2 | 0x100;

    private PlatformSmoke() {}

    public static void main(String[] argv) throws Exception {
        List<String> args = Arrays.asList(argv);
        boolean systemOpenSsl = !args.isEmpty() && args.get(0).equals("--with-system-openssl");
        String[] files = args.subList(systemOpenSsl ? 1 : 0, args.size()).toArray(new String[0]);
        if (files.length != 3) {
            System.err.println("usage: PlatformSmoke [--with-system-openssl] CA_PEM CERT_PEM KEY_PEM");
            System.exit(2);
        }
        Function systemVersion = systemOpenSsl ? loadSystemOpenSsl() : null;
        if (systemVersion != null) {
            System.out.println("system OpenSSL: " + systemVersion.invokeString(new Object[] {0}, false));
        }
        System.out.println("os.arch " + System.getProperty("os.arch") + ", libwebsockets " + Lws.libwebsocketsVersion());
        echo("ws", false, false, files);
        echo("wss", true, false, files);
        echo("permessage-deflate", false, true, files);
        if (systemVersion != null) {
            System.out.println("system OpenSSL again: " + systemVersion.invokeString(new Object[] {0}, false));
        }
        System.out.println("platform smoke: passed");
    }

    /** Loads the system's libcrypto and libssl globally; returns its OpenSSL_version. */
    private static Function loadSystemOpenSsl() {
        Map<String, Object> global = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW_GLOBAL);
        NativeLibrary crypto = NativeLibrary.getInstance("crypto", global);
        NativeLibrary.getInstance("ssl", global);
        return crypto.getFunction("OpenSSL_version");
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
            String ext = conn.responseHeaders().getOrDefault("sec-websocket-extensions", List.of()).toString();
            if (deflate && !ext.contains("permessage-deflate")) {
                throw new AssertionError(what + ": not negotiated, extensions " + ext);
            }
            System.out.println(what + ": echoed " + got.length() + " characters" + (deflate ? ", extensions " + ext : ""));
        }
    }
}
