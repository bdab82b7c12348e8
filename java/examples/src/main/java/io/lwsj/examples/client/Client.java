package io.lwsj.examples.client;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Handler;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A command-line WebSocket client, like libwebsockets' classic test client: prints every
 * message it receives on its own line, sends each line of standard input as a text
 * message, and exits non-zero with the reason when the connection fails or is refused.
 *
 * <pre>Client URL [--protocol NAME] [--origin ORIGIN] [--insecure]</pre>
 */
public final class Client {
    private Client() {}

    public static void main(String[] args) throws Exception {
        String url = null;
        ClientRequest.Builder request;
        String subprotocol = null;
        String origin = null;
        boolean insecure = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--protocol":
                    subprotocol = value(args, ++i);
                    break;
                case "--origin":
                    origin = value(args, ++i);
                    break;
                case "--insecure":
                    insecure = true;
                    break;
                case "-h":
                case "--help":
                    usage(null);
                    break;
                default:
                    if (url != null || args[i].startsWith("--")) {
                        usage("unexpected argument " + args[i]);
                    }
                    url = args[i];
            }
        }
        if (url == null) {
            usage("no URL");
        }
        try {
            request = ClientRequest.to(url);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return;
        }
        if (subprotocol != null) {
            request.subprotocols(subprotocol);
        }
        if (origin != null) {
            request.origin(origin);
        }
        if (insecure) {
            request.insecureSkipTlsVerification();
        }

        CompletableFuture<String> ended = new CompletableFuture<>();
        Protocol<Void> printer = Protocol.builder("client", new Handler<Void>() {
            @Override
            public void onText(Connection c, Void s, String text) {
                System.out.println(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
            }

            @Override
            public void onBinary(Connection c, Void s, ByteBuffer data) {
                System.out.println("[binary, " + data.remaining() + " bytes]");
            }

            @Override
            public void onClosed(Connection c, Void s, int code, String reason) {
                ended.complete("closed " + code + (reason.isEmpty() ? "" : " " + reason));
            }
        }).maxMessageSize(64L << 20).build();

        try (LwsContext context = LwsContext.builder().listen(false).protocol(printer).build().start()) {
            Connection connection;
            try {
                connection = context.connect(request.build()).get();
            } catch (ExecutionException e) {
                System.err.println("client: " + e.getCause().getMessage());
                System.exit(1);
                return;
            }
            System.err.println("client: connected to " + url
                    + (connection.subprotocol().isEmpty() ? "" : " (" + connection.subprotocol() + ")"));
            Thread input = new Thread(() -> sendLines(connection), "stdin");
            input.setDaemon(true);
            input.start();
            String how = ended.get();
            System.err.println("client: " + how);
            System.exit(how.startsWith("closed 1000") ? 0 : 3);
        }
    }

    /** Each line of standard input becomes a text message; end of input closes with 1000. */
    private static void sendLines(Connection c) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null;) {
                c.sendText(line + "\n");
            }
            c.close();
        } catch (IOException | IllegalStateException e) {
            // the connection ended while we were reading: main reports how
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage("missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("client: " + problem);
        }
        System.err.println("usage: client URL [--protocol NAME] [--origin ORIGIN] [--insecure]");
        System.exit(problem == null ? 0 : 2);
    }
}
