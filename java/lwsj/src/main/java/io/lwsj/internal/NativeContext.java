package io.lwsj.internal;

import io.lwsj.Extension;
import io.lwsj.LwsException;
import io.lwsj.Overflow;
import io.lwsj.Protocol;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The glue's context: made and configured from the settings, destroyed exactly once, by
 * {@link #destroy} or, for a context dropped without close, by the Cleaner. Holds what C
 * holds on to: the slot table it writes and the upcall object it calls.
 */
final class NativeContext implements Runnable {
    private static final Cleaner CLEANER = Cleaner.create();

    final long handle;
    final ByteBuffer slots;
    final int port;
    @SuppressWarnings("unused") // strongly held while C may call it
    private final Upcalls upcalls;
    private boolean destroyed;

    /** Makes and configures the glue's context; on failure nothing is left behind. */
    NativeContext(ContextSettings s, ShardPlacement placement, ProtocolTable protocols, Upcalls upcalls,
            ExtensionStates extensions) {
        this.upcalls = upcalls;
        int maxConnections = placement.maxConnections(s);
        this.slots = ByteBuffer.allocateDirect(maxConnections * Abi.SLOT_SIZE).order(ByteOrder.nativeOrder());
        long h = LwsjNative.lwsj_ctx_new(upcalls);
        if (h == 0) {
            throw new LwsException("cannot create a context: " + LwsjNative.lwsj_last_error());
        }
        this.handle = h;
        boolean ok = false;
        try {
            configure(s, protocols, extensions);
            int r = LwsjNative.lwsj_ctx_listen(h, s.bindAddress(), s.listen() ? placement.port() : -1,
                    (s.validateUtf8() ? 0 : Abi.OPT_NO_VALIDATE_UTF8)
                            | (s.externalPoll() != null ? Abi.OPT_EXTERNAL_POLL : 0)
                            | (s.networkFilter() != null ? Abi.OPT_NETWORK_FILTER : 0)
                            | (placement.sharesItsPort() ? Abi.OPT_LISTEN_SHARE : 0),
                    maxConnections, slots);
            if (r != Abi.OK) {
                throw new LwsException("cannot listen on " + (s.bindAddress() == null ? "*" : s.bindAddress()) + ":"
                        + placement.port() + ": " + LwsjNative.lwsj_last_error());
            }
            this.port = LwsjNative.lwsj_ctx_port(h);
            ok = true;
        } finally {
            if (!ok) {
                run();
            }
        }
    }

    private void configure(ContextSettings s, ProtocolTable protocols, ExtensionStates extensions) {
        for (int i = 0; i < protocols.size(); i++) {
            Protocol<?> p = protocols.at(i);
            int flags = (p.receiveFragments() ? Abi.PROTO_FRAGMENTS : 0)
                    | (p.broadcastCallback() ? Abi.PROTO_BROADCAST_CB : 0)
                    | (p.confirmsExtensions() ? Abi.PROTO_EXT_UPCALL : 0);
            int r = LwsjNative.lwsj_ctx_add_protocol(handle, p.name(), flags, p.receiveBufferSize(),
                    p.maxMessageSize(), p.maxQueuedBytes(), overflowPolicy(p.overflow()), p.overflowCloseCode());
            if (r != Abi.OK) {
                throw new LwsException("add protocol " + p.name() + ": " + Abi.describe(r) + " "
                        + LwsjNative.lwsj_last_error());
            }
        }
        checkArg(LwsjNative.lwsj_ctx_set_limits(handle, s.maxHeaderBytes(), (int) s.handshakeTimeout().toSeconds(),
                (int) s.pingInterval().toSeconds(), (int) s.idleTimeout().toSeconds(), s.maxCrossThreadQueueBytes(),
                s.maxHttpBodyBytes()));
        for (Extension<?> e : s.extensions()) {
            int index = LwsjNative.lwsj_ctx_add_extension(handle, e.name(), e.clientOffer());
            if (index < 0) {
                throw new IllegalArgumentException("extension " + e.name() + ": " + LwsjNative.lwsj_last_error());
            }
            extensions.register(index, e);
        }
        if (s.deflate() != null) {
            checkArg(LwsjNative.lwsj_ctx_set_deflate(handle, s.deflate().clientOffer()));
        }
        if (s.tlsCertificate() != null) {
            checkArg(LwsjNative.lwsj_ctx_set_tls(handle, s.tlsCertificate().toString(), s.tlsPrivateKey().toString(),
                    s.tlsKeyPassword(), pathOrNull(s.tlsClientCa()),
                    s.requireClientCertificate() ? Abi.TLS_REQUIRE_CLIENT_CERT : 0));
        }
        if (s.clientTrust() != null || s.clientCertificate() != null) {
            checkArg(LwsjNative.lwsj_ctx_set_client_tls(handle, pathOrNull(s.clientTrust()),
                    pathOrNull(s.clientCertificate()), pathOrNull(s.clientPrivateKey()), s.clientKeyPassword()));
        }
    }

    private static String pathOrNull(Path p) {
        return p == null ? null : p.toString();
    }

    private static int overflowPolicy(Overflow o) {
        return o == Overflow.CLOSE ? Abi.OVERFLOW_CLOSE : Abi.OVERFLOW_REFUSE;
    }

    /** Settings the glue refused (TLS files): the glue's message names the file. */
    private static void checkArg(int r) {
        if (r != Abi.OK) {
            throw new IllegalArgumentException(LwsjNative.lwsj_last_error());
        }
    }

    /** Has the Cleaner destroy this context if owner becomes unreachable without close. */
    Cleaner.Cleanable cleanWhenUnreachable(Object owner) {
        return CLEANER.register(owner, this);
    }

    /** Destroys the glue's context, writing the CLOSED events into events; 0 when done already. */
    synchronized int destroy(ByteBuffer events) {
        if (destroyed) {
            return 0;
        }
        destroyed = true;
        return LwsjNative.lwsj_ctx_destroy(handle, events, events.capacity());
    }

    @Override
    public void run() {
        destroy(ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder()));
    }
}
