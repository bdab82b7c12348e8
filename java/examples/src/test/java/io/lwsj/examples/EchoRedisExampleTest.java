package io.lwsj.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The echo example as README runs it with --redis: two EchoServer JVMs on one real
 * redis-server; a message sent to /broadcast on one reaches /broadcast clients of both.
 */
class EchoRedisExampleTest {
    private static final Pattern LISTENING = Pattern.compile("listening on ws://127\\.0\\.0\\.1:(\\d+)/");
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private Process start(List<String> cmd, Path log) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private int startEcho(String redis, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = start(List.of(java, "-cp", cp, "io.lwsj.examples.echo.EchoServer", "--port", "0",
                "--redis", redis), log);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        Matcher m = LISTENING.matcher(line == null ? "" : line);
        if (!m.find()) {
            p.waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("EchoServer said: " + line + "; its standard error: " + Files.readString(log));
        }
        assertTrue(line.contains("/broadcast joins the servers on 127.0.0.1"), line);
        return Integer.parseInt(m.group(1));
    }

    static final class Received implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            texts.add(data.toString());
            ws.request(1);
            return null;
        }
    }

    @Test
    void aBroadcastOnOneEchoServerReachesTheBroadcastClientsOfAnother(@TempDir Path dir) throws Exception {
        int redisPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            redisPort = probe.getLocalPort();
        }
        start(List.of("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString()), dir.resolve("redis.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) { // until redis-server accepts connections
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), redisPort)) {
                break;
            } catch (java.io.IOException e) {
                assertTrue(System.nanoTime() < deadline, "redis-server did not start: " + dir.resolve("redis.log"));
                Thread.sleep(50);
            }
        }
        String redis = "redis://127.0.0.1:" + redisPort;
        int a = startEcho(redis, dir.resolve("a.log"));
        int b = startEcho(redis, dir.resolve("b.log"));

        HttpClient http = HttpClient.newHttpClient();
        Received onA = new Received();
        Received onB = new Received();
        WebSocket wsA = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + a + "/broadcast"), onA)
                .get(10, TimeUnit.SECONDS);
        WebSocket wsB = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + b + "/broadcast"), onB)
                .get(10, TimeUnit.SECONDS);
        // until both servers are subscribed, a broadcast stays local: send until B hears one
        String heard = null;
        for (int i = 0; i < 100 && heard == null; i++) {
            wsA.sendText("ping " + i, true).get(10, TimeUnit.SECONDS);
            heard = onB.texts.poll(100, TimeUnit.MILLISECONDS);
        }
        assertTrue(heard != null && heard.startsWith("ping "), "B never heard A: " + heard);
        onA.texts.clear();
        onB.texts.clear();
        wsB.sendText("from b", true).get(10, TimeUnit.SECONDS);
        assertEquals("from b", onA.texts.poll(10, TimeUnit.SECONDS));
        assertEquals("from b", onB.texts.poll(10, TimeUnit.SECONDS));
        wsA.abort();
        wsB.abort();
    }
}
