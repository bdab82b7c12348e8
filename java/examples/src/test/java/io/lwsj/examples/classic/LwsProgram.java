package io.lwsj.examples.classic;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of libwebsockets' own programs (built by scripts/build-lws-programs.sh) running
 * as a subprocess, its stdout and stderr read into memory: the lines a test looks
 * for and the last lines for failure messages. Every wait is bounded; close() ends
 * the process.
 */
final class LwsProgram implements AutoCloseable {
    private static final int TAIL_LINES = 60;

    private final String name;
    private final Process process;
    private final Thread reader;
    private final Pattern keep;
    private final List<String> kept = new ArrayList<>();
    private final Deque<String> tail = new ArrayDeque<>();

    private LwsProgram(String name, List<String> command, Pattern keep) throws IOException {
        this.name = name;
        this.keep = keep;
        this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
        this.reader = new Thread(this::read, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * The directory of the built programs: the system property lwsj.lws.programs (set
     * by the Maven build), else build/lws-programs/bin of the source tree.
     */
    static Path binDir() {
        String p = System.getProperty("lwsj.lws.programs");
        if (p != null && !p.isBlank()) {
            return Paths.get(p);
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/build-lws-programs.sh"))) {
            dir = dir.getParent();
        }
        return dir == null ? Paths.get("build/lws-programs/bin") : dir.resolve("build/lws-programs/bin");
    }

    /** The path of libwebsockets-NAME; fails the test (never skips) when it is missing. */
    static Path program(String name) {
        Path p = binDir().resolve("libwebsockets-" + name);
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            fail("libwebsockets' " + name + " program is missing: " + p
                    + " (it is built by scripts/build-lws-programs.sh; the Maven build runs it before the tests)");
        }
        return p;
    }

    /** Starts libwebsockets-NAME with arguments; output lines matching keep are kept. */
    static LwsProgram start(String name, Pattern keep, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(program(name).toString());
        command.addAll(List.of(args));
        return new LwsProgram(name, command, keep);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                synchronized (this) {
                    if (keep.matcher(line).find()) {
                        kept.add(line);
                        notifyAll();
                    }
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** The kept lines so far. */
    synchronized List<String> kept() {
        return List.copyOf(kept);
    }

    /**
     * Waits until the kept lines satisfy the condition; fails with the program's last
     * output when they do not within the timeout or the program ends first.
     */
    synchronized List<String> await(String what, Predicate<List<String>> condition, long timeoutMs)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.test(kept)) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                fail(name + ": " + what + " did not happen within " + timeoutMs + " ms" + describe());
            }
            if (!process.isAlive() && !reader.isAlive()) {
                fail(name + " exited with " + process.exitValue() + " before " + what + describe());
            }
            wait(Math.min(left, 100));
        }
        return List.copyOf(kept);
    }

    /** Waits for the program to exit by itself; returns its exit status. */
    int awaitExit(long timeoutMs) throws InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            fail(name + " did not exit within " + timeoutMs + " ms" + describe());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of output, for failure messages. */
    synchronized String describe() {
        return "; its last output:\n  " + String.join("\n  ", tail);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        reader.join(5_000);
    }

    /** The integers of group 1 of every kept line that matches. */
    static List<Integer> ints(List<String> lines, Pattern p) {
        List<Integer> out = new ArrayList<>();
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    /** A port that was free on 127.0.0.1 a moment ago (for a C program that cannot take port 0). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until something accepts TCP connections on 127.0.0.1:port; false if this program exited first. */
    boolean awaitListening(int port, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        fail(name + " is not listening on 127.0.0.1:" + port + " after " + timeoutMs + " ms" + describe());
        return false;
    }
}
