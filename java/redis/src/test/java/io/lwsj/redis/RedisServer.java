package io.lwsj.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * A real redis-server for a test: its own loopback port and temporary directory, no
 * persistence. It can be killed (SIGKILL), paused (SIGSTOP) and started again on the
 * same port.
 */
final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final String password;
    private Process process;

    private RedisServer(int port, Path dir, String password) {
        this.port = port;
        this.dir = dir;
        this.password = password;
    }

    /** A server on a free port, started. */
    static RedisServer start() throws IOException {
        return start(null);
    }

    /** A server on a free port that wants this password (requirepass), started. */
    static RedisServer start(String password) throws IOException {
        RedisServer s = notStarted(password);
        s.restart();
        return s;
    }

    /** A free port and a directory, with no server on it yet ({@link #restart()} starts one). */
    static RedisServer notStarted() throws IOException {
        return notStarted(null);
    }

    private static RedisServer notStarted(String password) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        return new RedisServer(port, Files.createTempDirectory("lwsj-redis-test"), password);
    }

    URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    int port() {
        return port;
    }

    /** Starts redis-server on this port and waits (up to 10 s) until it answers PING. */
    void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is running");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(executable(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Jedis j = new Jedis("127.0.0.1", port, 500)) {
                if (password != null) {
                    j.auth(password);
                }
                if ("PONG".equals(j.ping())) {
                    return;
                }
            } catch (RuntimeException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("redis-server did not start on port " + port + ": "
                            + Files.readString(dir.resolve("redis.out")) + readLog(), e);
                }
            }
            sleep(50);
        }
    }

    /** SIGKILL: the server vanishes at once, with whatever it had. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGSTOP: the server holds its connections and answers nothing, as a stalled host does. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    private String readLog() throws IOException {
        Path log = dir.resolve("redis.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static String executable() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, "redis-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
            return "/usr/bin/redis-server";
        }
        throw new AssertionError("redis-server is not installed; these tests need a real one:"
                + " apt-get install redis-server (scripts/test.sh installs it)");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            if (process.isAlive()) {
                resume(); // a paused server cannot act on SIGTERM
            }
            process.destroyForcibly();
            process.waitFor();
        }
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }
}
