package io.lwsj;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 that forwards every accepted connection to a target port
 * and counts the bytes in each direction: what goes over the wire between two peers
 * (e.g. whether a client really compresses). Bounded: at most a few connections,
 * everything closed by {@link #close()}.
 */
final class CountingProxy implements AutoCloseable {
    final AtomicLong upstream = new AtomicLong();
    final AtomicLong downstream = new AtomicLong();

    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    CountingProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "counting-proxy-accept");
        acceptor.setDaemon(true);
        synchronized (threads) {
            threads.add(acceptor);
        }
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        try {
            for (int i = 0; i < 16 && !server.isClosed(); i++) {
                Socket a = server.accept();
                Socket b = new Socket();
                b.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                a.setTcpNoDelay(true);
                b.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(a);
                    sockets.add(b);
                }
                pump(a, b, upstream, "up");
                pump(b, a, downstream, "down");
            }
        } catch (IOException closed) {
            // the proxy closed
        }
    }

    private void pump(Socket from, Socket to, AtomicLong count, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (;;) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    count.addAndGet(n);
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "counting-proxy-" + name);
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    @Override
    public void close() throws Exception {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        List<Thread> ts;
        synchronized (threads) {
            ts = new ArrayList<>(threads);
        }
        for (Thread t : ts) {
            t.join(5000);
        }
    }
}
