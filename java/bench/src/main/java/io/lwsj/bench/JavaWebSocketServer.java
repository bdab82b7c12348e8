package io.lwsj.bench;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/** Java-WebSocket (TooTallNate) echo + broadcast server, defaults otherwise. */
public final class JavaWebSocketServer extends WebSocketServer {
    private final ServerOptions opt;
    private final Set<WebSocket> broadcastConns = ConcurrentHashMap.newKeySet();

    private JavaWebSocketServer(ServerOptions opt) {
        super(new InetSocketAddress(opt.host, opt.port), opt.threads);
        this.opt = opt;
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(4096);
    }

    public static void main(String[] args) throws Exception {
        ServerOptions opt = ServerOptions.parse("JavaWebSocketServer", args);
        JavaWebSocketServer server = new JavaWebSocketServer(opt);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        server.run(); // serve on the main thread until stopped
    }

    @Override
    public void onStart() {
        opt.ready("java-websocket", ServerOptions.version("java-websocket"));
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        if (ServerOptions.isBroadcast(handshake.getResourceDescriptor())) {
            conn.setAttachment(Boolean.TRUE);
            broadcastConns.add(conn);
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        broadcastConns.remove(conn);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        if (conn.getAttachment() != null) {
            broadcast(message, broadcastConns);
        } else {
            conn.send(message);
        }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        if (conn.getAttachment() != null) {
            broadcast(message, broadcastConns);
        } else {
            conn.send(message);
        }
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            System.err.println("java-websocket server error: " + ex);
        }
    }
}
