package io.lwsj.internal;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Protocol;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The client connections asked for and not yet made, by the request id the glue echoes back. */
final class ClientConnects {
    private final ContextEngine engine;
    private final AtomicLong nextRequest = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    static final class Pending {
        final ClientRequest request;
        final Protocol<?> protocol;
        final int protocolIndex;
        final CompletableFuture<Connection> future = new CompletableFuture<>();

        Pending(ClientRequest request, Protocol<?> protocol, int protocolIndex) {
            this.request = request;
            this.protocol = protocol;
            this.protocolIndex = protocolIndex;
        }
    }

    ClientConnects(ContextEngine engine) {
        this.engine = engine;
    }

    /** [any] asks the service thread to connect; the future completes after onEstablished. */
    CompletableFuture<Connection> connect(ClientRequest request) {
        Objects.requireNonNull(request, "request");
        int index = request.protocol() == null ? 0 : engine.protocols.indexOf(request.protocol());
        engine.loop.checkOpen();
        long id = nextRequest.getAndIncrement();
        Pending p = new Pending(request, engine.protocols.at(index), index);
        pending.put(id, p);
        int flags = (request.tls() ? Abi.CONNECT_TLS : 0)
                | (request.insecureSkipTlsVerification() ? Abi.CONNECT_TLS_INSECURE : 0)
                | Abi.CONNECT_HEADER_UPCALL;
        byte[] blob = ConnectBlob.encode(request, index, flags);
        int r = engine.sends.submit(Abi.CMD_CONNECT, 0, id, 0, blob, 0, null, blob.length);
        if (r != Abi.OK) {
            pending.remove(id);
            p.future.completeExceptionally(SendPath.refusal(r));
        }
        return p.future;
    }

    /** [service] the pending connect of a request id, removed; null when unknown. */
    Pending take(long id) {
        return pending.remove(id);
    }

    /** [service] a pending connect, left in place; null when unknown. */
    Pending get(long id) {
        return pending.get(id);
    }

    /** [closing thread] the context closed: no pending connect will be made. */
    void failAll() {
        for (Pending p : pending.values()) {
            p.future.completeExceptionally(new IllegalStateException("context closed before " + p.request + " connected"));
        }
        pending.clear();
    }
}
