package io.lwsj.internal;

import io.lwsj.ClientRequest;
import io.lwsj.Connection;
import io.lwsj.Counters;
import io.lwsj.HttpHandler;
import io.lwsj.LwsContext;
import io.lwsj.NetworkFilter;
import io.lwsj.PollListener;
import io.lwsj.Protocol;
import io.lwsj.TlsHooks;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One service thread's part of an {@link LwsContext}: the glue's context and the parts
 * that talk to it, each in its own class. {@link ServiceGroup} holds one per service
 * thread and forwards the façade's calls to them.
 */
final class ContextEngine {
    final LwsContext facade;
    final ProtocolTable protocols;
    final CrossingCounters counters = new CrossingCounters();
    final ExtensionStates extensions = new ExtensionStates();
    final @Nullable HttpHandler httpHandler;
    final @Nullable NetworkFilter networkFilter;
    final @Nullable TlsHooks tlsHooks;
    final @Nullable PollListener pollListener;
    final boolean externalPoll;
    final NativeContext nativeContext;
    final Cleaner.Cleanable cleanable;
    final Submissions submissions;
    final EventDispatcher dispatcher;
    final HttpAnswers http;
    final ServiceLoop loop;
    final SendPath sends;
    final ClientConnects connects;
    /** Which service thread of its context this engine is (0 for the first or only). */
    final int shardIndex;

    ContextEngine(LwsContext facade, ContextSettings s, ShardPlacement placement) {
        NativeLog.init();
        this.facade = facade;
        this.shardIndex = placement.index();
        this.protocols = new ProtocolTable(s.protocols());
        this.httpHandler = s.http();
        this.networkFilter = s.networkFilter();
        this.tlsHooks = s.tlsHooks();
        this.pollListener = s.externalPoll();
        this.externalPoll = pollListener != null;
        // the glue calls up while it is being made (external poll fds, extra CA files)
        this.nativeContext = new NativeContext(s, placement, protocols, new Upcalls(this), extensions);
        this.loop = new ServiceLoop(this);
        this.submissions = new Submissions(nativeContext.handle, counters);
        this.sends = new SendPath(this, submissions, nativeContext.slots);
        this.connects = new ClientConnects(this);
        this.dispatcher = new EventDispatcher(this, placement.maxConnections(s));
        this.http = new HttpAnswers(nativeContext.handle, httpHandler, s.documentRoot(), counters);
        this.cleanable = nativeContext.cleanWhenUnreachable(this);
    }

    public int port() {
        return nativeContext.port;
    }

    public CompletableFuture<Connection> connect(ClientRequest request) {
        return connects.connect(request);
    }

    public String canonicalHostname() {
        byte[] out = new byte[256];
        int n = LwsjNative.lwsj_ctx_hostname(nativeContext.handle, out, out.length);
        if (n < 0) {
            throw new IllegalStateException("context is closed");
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    public Counters counters() {
        return counters;
    }

    public boolean isOpen() {
        return !loop.isClosed();
    }

    public List<Protocol<?>> protocols() {
        return protocols.asList();
    }

    public Protocol<?> protocol(String name) {
        return protocols.named(name);
    }

    public void start(String threadName) {
        loop.start(threadName);
    }

    public void service(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        loop.service((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    public void serviceFd(int fd, int revents) {
        loop.serviceFd(fd, revents);
    }

    public void close() {
        loop.close();
    }

    void requestClose() {
        loop.requestClose();
    }

    public void broadcast(Protocol<?> protocol, boolean binary, byte[] array, ByteBuffer data, int n) {
        int index = protocols.indexOf(protocol);
        loop.checkOpen();
        sends.toProtocol(Abi.CMD_BROADCAST, binary ? Abi.SEND_BINARY : Abi.SEND_TEXT, index, array, data, n);
    }

    public void requestWritableAll(Protocol<?> protocol) {
        int index = protocols.indexOf(protocol);
        loop.checkOpen();
        sends.toProtocol(Abi.CMD_WRITABLE_ALL, 0, index, null, null, 0);
    }
}
