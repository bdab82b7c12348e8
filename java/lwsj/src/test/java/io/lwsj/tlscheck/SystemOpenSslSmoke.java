package io.lwsj.tlscheck;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run by TlsTest in a JVM of its own: the system's libssl and libcrypto are loaded first,
 * with RTLD_GLOBAL, as another binding (netty-tcnative, a JNI wrapper) would load them;
 * then lwsj serves and connects over wss://. With its own OpenSSL hidden inside
 * liblwsj.so, neither copy may see the other's symbols. Arguments: CA, certificate, key.
 */
public final class SystemOpenSslSmoke {
    private static final int RTLD_NOW_GLOBAL = 0x2 | 0x100;

    private SystemOpenSslSmoke() {}

    public static void main(String[] args) throws Exception {
        Map<String, Object> global = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW_GLOBAL);
        NativeLibrary crypto = NativeLibrary.getInstance("crypto", global);
        NativeLibrary.getInstance("ssl", global);
        Function version = crypto.getFunction("OpenSSL_version");
        System.out.println("system: " + version.invokeString(new Object[] {0}, false));

        Path ca = Path.of(args[0]);
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
        try (LwsContext server = LwsContext.builder().bindAddress("127.0.0.1").port(0)
                .tls(Path.of(args[1]), Path.of(args[2])).protocol(echo).build().start();
             LwsContext cli = LwsContext.builder().listen(false).clientTrust(ca).protocol(client).build().start()) {
            Connection c = cli.connect(ClientRequest.to("wss://127.0.0.1:" + server.port() + "/")
                    .subprotocols("echo").protocol(client).build()).get(10, TimeUnit.SECONDS);
            c.sendText("over wss beside the system's OpenSSL");
            System.out.println("echo: " + echoed.get(10, TimeUnit.SECONDS));
        }
        // the system's library still works after lwsj's has run
        System.out.println("system again: " + version.invokeString(new Object[] {0}, false));
    }
}
