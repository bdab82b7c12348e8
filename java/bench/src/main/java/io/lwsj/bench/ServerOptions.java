package io.lwsj.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Command line shared by the comparison servers: {@code --port P [--host H] [--threads N]
 * [--tls-cert PEM --tls-key PEM [--tls-provider jdk|openssl]]} (TLS: NettyServer only).
 * Each server echoes on every path except {@code /broadcast}, where every message any
 * client sends goes to every {@code /broadcast} client, the sender included.
 */
final class ServerOptions {
    static final String BROADCAST_PATH = "/broadcast";

    final String host;
    final int port;
    /** Worker (event loop / selector) threads; default: the CPUs this process may use. */
    final int threads;
    /** wss: the certificate and key (PEM), or null for ws. */
    final String tlsCert;
    final String tlsKey;
    /** jdk (the JDK's SSLEngine) or openssl (netty-tcnative's BoringSSL). */
    final String tlsProvider;

    private ServerOptions(String host, int port, int threads, String tlsCert, String tlsKey, String tlsProvider) {
        this.host = host;
        this.port = port;
        this.threads = threads;
        this.tlsCert = tlsCert;
        this.tlsKey = tlsKey;
        this.tlsProvider = tlsProvider;
    }

    static ServerOptions parse(String name, String[] args) {
        String host = "127.0.0.1";
        int port = -1;
        int threads = Runtime.getRuntime().availableProcessors();
        String tlsCert = null;
        String tlsKey = null;
        String tlsProvider = "jdk";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port" -> { port = Integer.parseInt(need(a, v)); i++; }
                case "--host" -> { host = need(a, v); i++; }
                case "--threads" -> { threads = Integer.parseInt(need(a, v)); i++; }
                case "--tls-cert" -> { tlsCert = need(a, v); i++; }
                case "--tls-key" -> { tlsKey = need(a, v); i++; }
                case "--tls-provider" -> { tlsProvider = need(a, v); i++; }
                case "-h", "--help" -> {
                    System.out.println("usage: " + name + " --port P [--host 127.0.0.1] [--threads N]"
                            + " [--tls-cert PEM --tls-key PEM [--tls-provider jdk|openssl]]");
                    System.exit(0);
                }
                default -> usage(name, "unknown argument: " + a);
            }
        }
        if (port <= 0 || port > 65535) {
            usage(name, "--port P is required (1..65535)");
        }
        if (threads < 1) {
            usage(name, "--threads must be at least 1");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            usage(name, "--tls-cert and --tls-key go together");
        }
        if (!tlsProvider.equals("jdk") && !tlsProvider.equals("openssl")) {
            usage(name, "--tls-provider is jdk or openssl");
        }
        return new ServerOptions(host, port, threads, tlsCert, tlsKey, tlsProvider);
    }

    private static String need(String opt, String v) {
        if (v == null) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return v;
    }

    private static void usage(String name, String msg) {
        System.err.println(name + ": " + msg);
        System.err.println("usage: " + name + " --port P [--host 127.0.0.1] [--threads N]");
        System.exit(2);
    }

    /** Version of a library as recorded at build time (versions.properties). */
    static String version(String key) {
        Properties p = new Properties();
        try (InputStream in = ServerOptions.class.getResourceAsStream("versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty(key, "unknown");
    }

    /** The line scripts/bench.sh waits for; it must contain "listening". */
    void ready(String server, String version) {
        System.out.println(server + " " + version + " listening on " + host + ":" + port
                + " threads=" + threads + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
    }

    static boolean isBroadcast(String path) {
        if (path == null) {
            return false;
        }
        int q = path.indexOf('?');
        return (q < 0 ? path : path.substring(0, q)).equals(BROADCAST_PATH);
    }
}
