package io.lwsj.modulecheck;

import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Run by ModulePathTest in a JVM of its own, with lwsj on the module path and this class
 * outside it: the API works, the engine is out of reach. Prints one line per finding.
 */
public final class ModuleSmoke {
    private ModuleSmoke() {}

    public static void main(String[] args) throws Exception {
        System.out.println("module " + LwsContext.class.getModule().getName());
        try (LwsContext ctx = LwsContext.builder().bindAddress("127.0.0.1").port(0)
                .protocol(Protocol.of("echo", new Handler<Void>() {
                    @Override
                    public void onText(Connection c, Void s, String text) {
                        c.sendText(text);
                    }
                })).build().start()) {
            CompletableFuture<String> got = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("echo")
                    .buildAsync(URI.create("ws://127.0.0.1:" + ctx.port() + "/"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            got.complete(data.toString());
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("through the module path", true);
            System.out.println("echo " + got.get(10, TimeUnit.SECONDS));
            ws.abort();
        }
        try {
            Class<?> engine = Class.forName("io.lwsj.internal.LwsjNative");
            engine.getMethod("lwsj_abi_version").invoke(null);
            System.out.println("internal REACHABLE");
        } catch (IllegalAccessException e) {
            System.out.println("internal denied: " + e.getClass().getSimpleName());
        }
    }
}
