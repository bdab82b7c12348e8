package io.lwsj.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three server JVMs ({@link ClusterNode}) on one real redis-server, two WebSocket clients
 * on each; the first client of each node sends. Redis is killed and started again between
 * two rounds of sending.
 */
class RedisClusterTest {
    static final int NODES = 3;
    static final int CLIENTS_PER_NODE = 2;
    static final int PER_ROUND = 100;

    private final List<Process> nodes = new ArrayList<>();
    private final List<WsClient> clients = new ArrayList<>();
    private RedisServer redis;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        clients.forEach(WsClient::close);
        for (Process p : nodes) {
            p.getOutputStream().close(); // ClusterNode exits when its stdin ends
        }
        for (Process p : nodes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** Starts a node JVM and returns its port. */
    private int startNode(String namespace, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-cp", cp, "-Dorg.slf4j.simpleLogger.showDateTime=true",
                ClusterNode.class.getName(), redis.uri().toString(), namespace)
                .redirectError(log.toFile()).start();
        nodes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("PORT ")) {
            throw new AssertionError("node did not start: " + line + "; its log: " + log);
        }
        return Integer.parseInt(line.substring(5).trim());
    }

    private Map<String, String> counters(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/counters"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            String[] kv = line.split("=", 2);
            m.put(kv[0], kv[1]);
        }
        return m;
    }

    private void waitAllConnected(int[] ports) throws Exception {
        for (int port : ports) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!"true".equals(counters(port).get("connected"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("node on " + port + " did not connect to Redis: " + counters(port));
                }
                RedisServer.sleep(50);
            }
        }
    }

    /** Each node's first client sends PER_ROUND messages "n<node>:r<round>:<i>". */
    private void sendRound(int round) throws Exception {
        for (int i = 0; i < PER_ROUND; i++) {
            for (int n = 0; n < NODES; n++) {
                clients.get(n * CLIENTS_PER_NODE).send("n" + n + ":r" + round + ":" + i);
            }
        }
    }

    /**
     * What a client on node `at` must receive in a round, in each sender's order: every
     * sender's messages, or only its own node's when remote is false.
     */
    private void assertRound(int round, boolean remote) throws Exception {
        for (int c = 0; c < clients.size(); c++) {
            int at = c / CLIENTS_PER_NODE;
            int expected = remote ? NODES * PER_ROUND : PER_ROUND;
            List<Object> got = clients.get(c).awaitCount(expected, 30_000);
            int[] next = new int[NODES];
            for (Object m : got) {
                String s = (String) m;
                int sender = s.charAt(1) - '0';
                assertTrue(remote || sender == at, "client " + c + " on node " + at + " got " + s
                        + " from node " + sender + " while Redis was down");
                assertEquals("n" + sender + ":r" + round + ":" + next[sender]++, s,
                        "client " + c + ": sender " + sender + "'s order, exactly once");
            }
        }
    }

    @Test
    void everyClientOfEveryNodeGetsEveryMessageAndAnOutageLosesOnlyWhatWasSentDuringIt() throws Exception {
        redis = RedisServer.start();
        Path logs = java.nio.file.Files.createTempDirectory("lwsj-cluster-test");
        int[] ports = new int[NODES];
        for (int n = 0; n < NODES; n++) {
            ports[n] = startNode("cluster", logs.resolve("node" + n + ".log"));
        }
        waitAllConnected(ports);
        for (int n = 0; n < NODES; n++) {
            for (int k = 0; k < CLIENTS_PER_NODE; k++) {
                clients.add(new WsClient(ports[n], ChatServer.CHAT));
            }
        }

        sendRound(1);
        assertRound(1, true);

        redis.kill();
        sendRound(2);
        assertRound(2, false); // local delivery goes on
        for (int port : ports) { // and each node counted its sender's messages lost, each once
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (Long.parseLong(counters(port).get("lost")) != PER_ROUND) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("node on " + port + ": " + counters(port));
                }
                RedisServer.sleep(50);
            }
        }

        redis.restart();
        waitAllConnected(ports);
        sendRound(3);
        assertRound(3, true);
        for (WsClient c : clients) {
            c.assertNoMessage(200); // nothing late from round 2, no duplicate
        }
        for (int port : ports) {
            Map<String, String> c = counters(port);
            assertEquals(String.valueOf(2 * PER_ROUND), c.get("published"), c.toString());
            assertEquals(String.valueOf(PER_ROUND), c.get("lost"), c.toString());
            assertEquals(String.valueOf(2 * PER_ROUND), c.get("ownIgnored"), c.toString());
            assertEquals(String.valueOf(2 * (NODES - 1) * PER_ROUND), c.get("delivered"), c.toString());
            assertEquals("0", c.get("droppedQueueFull"), c.toString());
        }
    }
}
