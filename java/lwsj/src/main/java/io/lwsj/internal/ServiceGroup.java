package io.lwsj.internal;

import io.lwsj.BroadcastRelay;
import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Counters;
import io.lwsj.LwsContext;
import io.lwsj.Protocol;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What stands behind an {@link LwsContext}: one {@link ContextEngine} per service thread
 * (one, unless {@link LwsContext.Builder#serviceThreads} asked for more). The first
 * listens on the port asked for; the others on the port it got, each with SO_REUSEPORT,
 * so the kernel spreads accepted connections over them. A connection belongs to the
 * engine that accepted (or made) it, so everything sent to it goes through that engine's
 * queue; what concerns the whole context (broadcast, writable-all, close) goes to each.
 */
public final class ServiceGroup {
    private final List<ContextEngine> engines;
    private final String threadPrefix;
    private final Counters counters;
    private final AtomicInteger nextClient = new AtomicInteger();
    private volatile BroadcastRelay relay;

    public ServiceGroup(LwsContext facade, ContextSettings s) {
        int n = s.serviceThreads();
        List<ContextEngine> made = new ArrayList<>(n);
        try {
            ContextEngine first = new ContextEngine(facade, s, new ShardPlacement(0, n, s.port()));
            made.add(first);
            for (int i = 1; i < n; i++) {
                made.add(new ContextEngine(facade, s, new ShardPlacement(i, n, first.port())));
            }
        } catch (RuntimeException | Error e) {
            made.forEach(ContextEngine::close);
            throw e;
        }
        this.engines = List.copyOf(made);
        this.threadPrefix = "lwsj-service-" + (s.name() == null ? "" : s.name() + "-");
        this.counters = n == 1 ? engines.get(0).counters() : new SummedCounters(engines);
    }

    public int port() {
        return engines.get(0).port();
    }

    public List<Protocol<?>> protocols() {
        return engines.get(0).protocols();
    }

    public Protocol<?> protocol(String name) {
        return engines.get(0).protocol(name);
    }

    /** Client connections go to the service threads in turn. */
    public CompletableFuture<Connection> connect(ClientRequest request) {
        return engines.get(Math.floorMod(nextClient.getAndIncrement(), engines.size())).connect(request);
    }

    public String canonicalHostname() {
        return engines.get(0).canonicalHostname();
    }

    public Counters counters() {
        return counters;
    }

    /**
     * False once any engine has closed: close() closes them one after another, and a
     * call that reached an engine already closed must find the context closed too.
     */
    public boolean isOpen() {
        for (ContextEngine e : engines) {
            if (!e.isOpen()) {
                return false;
            }
        }
        return true;
    }

    public void start() {
        for (int i = 0; i < engines.size(); i++) {
            engines.get(i).start(threadPrefix + i);
        }
    }

    public void service(Duration timeout) {
        single("service()").service(timeout);
    }

    public void serviceFd(int fd, int revents) {
        single("serviceFd()").serviceFd(fd, revents);
    }

    private ContextEngine single(String what) {
        if (engines.size() > 1) {
            throw new IllegalStateException(what + " runs one service turn on the caller's thread; a context with "
                    + engines.size() + " service threads is serviced by start()");
        }
        return engines.get(0);
    }

    /**
     * Closes every engine. From another thread: all are asked first, so that they close
     * at once, then each is waited for. From a handler: each is only asked (its own
     * closes when the handler returns), since waiting there for another engine's thread
     * could wait on a thread that is waiting for this one.
     */
    public void close() {
        boolean fromHandler = false;
        for (ContextEngine e : engines) {
            fromHandler |= e.loop.onServiceThread();
        }
        for (ContextEngine e : engines) {
            e.requestClose();
        }
        if (!fromHandler) {
            for (ContextEngine e : engines) {
                e.close();
            }
        }
    }

    /**
     * Each engine fans the message out to its own connections. With several engines the
     * glue keeps one copy for all of them (lwsj_broadcast_shared), except that a handler's
     * broadcast reaches its own engine through its submission buffer, in order with the
     * handler's sends, as a copy of that engine's. A refusal (a closed or saturated
     * engine) is thrown after the engines that took the message.
     */
    private void broadcastLocally(Protocol<?> protocol, boolean binary, byte[] array, ByteBuffer data, int n) {
        if (engines.size() == 1) {
            engines.get(0).broadcast(protocol, binary, array, data, n);
            return;
        }
        ContextEngine caller = null;
        for (ContextEngine e : engines) {
            if (e.loop.onServiceThread()) {
                caller = e;
            }
        }
        int index = engines.get(0).protocols.indexOf(protocol);
        engines.get(0).loop.checkOpen();
        long[] others = new long[engines.size() - (caller == null ? 0 : 1)];
        int k = 0;
        for (ContextEngine e : engines) {
            if (e != caller) {
                others[k++] = e.nativeContext.handle;
            }
        }
        byte[] payload = array;
        if (payload == null) {
            payload = new byte[n];
            data.duplicate().get(payload);
        }
        if (caller != null) {
            caller.broadcast(protocol, binary, payload, null, n);
        }
        engines.get(0).counters.foreignDowncall();
        int r = LwsjNative.lwsj_broadcast_shared(others, others.length, index,
                binary ? Abi.SEND_BINARY : Abi.SEND_TEXT, payload, n);
        if (r != Abi.OK) {
            throw SendPath.refusal(r);
        }
    }

    /** A broadcast of the API: to this context's connections, then to the relay if one is set. */
    public void broadcast(Protocol<?> protocol, boolean binary, byte[] array, ByteBuffer data, int n) {
        broadcastLocally(protocol, binary, array, data, n);
        BroadcastRelay r = relay;
        if (r != null) {
            ByteBuffer view = array != null ? ByteBuffer.wrap(array, 0, n) : data;
            r.relay(protocol, view.asReadOnlyBuffer(), binary);
        }
    }

    public void relayBroadcasts(BroadcastRelay relay) {
        this.relay = relay;
    }

    /** A broadcast from another server: local connections only, never back to the relay. */
    public void deliverRelayed(Protocol<?> protocol, ByteBuffer payload, boolean binary) {
        if (!binary && !Utf8.isValid(payload)) {
            throw new IllegalArgumentException("a relayed text broadcast is not valid UTF-8");
        }
        broadcastLocally(protocol, binary, null, payload, payload.remaining());
    }

    public void requestWritableAll(Protocol<?> protocol) {
        for (ContextEngine e : engines) {
            e.requestWritableAll(protocol);
        }
    }

    /** The engine of one service thread, for tests. */
    ContextEngine engine(int index) {
        return engines.get(index);
    }

    int size() {
        return engines.size();
    }
}
