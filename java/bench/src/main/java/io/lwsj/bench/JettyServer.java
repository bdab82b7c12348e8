package io.lwsj.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Jetty 12 echo + broadcast server on Jetty's core WebSocket API (no servlets).
 * Echo hands the received buffer straight to sendBinary and completes the receive
 * callback when the send completes, the zero-copy idiom of the Jetty 12 API.
 */
public final class JettyServer {
    private JettyServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerOptions opt = ServerOptions.parse("JettyServer", args);
        Set<Session> broadcastSessions = ConcurrentHashMap.newKeySet();

        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jetty");
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, opt.threads);
        connector.setHost(opt.host);
        connector.setPort(opt.port);
        connector.setAcceptQueueSize(4096);
        connector.setReuseAddress(true);
        connector.setIdleTimeout(Duration.ofHours(1).toMillis());
        server.addConnector(connector);

        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofHours(1));
            container.setMaxBinaryMessageSize(16 << 20);
            container.setMaxTextMessageSize(16 << 20);
            container.addMapping("/*", (request, response, callback) ->
                    ServerOptions.isBroadcast(request.getHttpURI().getPath())
                            ? new BroadcastEndpoint(broadcastSessions)
                            : new EchoEndpoint());
        });
        server.setHandler(ws);
        server.setStopAtShutdown(true);
        server.start();
        opt.ready("jetty", ServerOptions.version("jetty"));
        server.join();
    }

    /** Echoes text as text and binary as binary. */
    public static final class EchoEndpoint implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            this.session = s;
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, callback);
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // the connection is closed by Jetty; nothing to keep
        }
    }

    /** Sends every message it receives to every /broadcast session, itself included. */
    public static final class BroadcastEndpoint implements Session.Listener.AutoDemanding {
        private final Set<Session> sessions;
        private Session session;

        BroadcastEndpoint(Set<Session> sessions) {
            this.sessions = sessions;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            this.session = s;
            sessions.add(s);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            callback.succeed();
            for (Session s : sessions) {
                if (s.isOpen()) {
                    s.sendBinary(ByteBuffer.wrap(copy), Callback.NOOP);
                }
            }
        }

        @Override
        public void onWebSocketText(String message) {
            for (Session s : sessions) {
                if (s.isOpen()) {
                    s.sendText(message, Callback.NOOP);
                }
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            sessions.remove(session);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            sessions.remove(session);
        }
    }
}
