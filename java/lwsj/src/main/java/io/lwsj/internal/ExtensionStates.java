package io.lwsj.internal;

import io.lwsj.Extension;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-connection states of a context's user extensions, by the id the glue keeps in
 * lws's extension slot. Service thread only (and the building thread, before it starts).
 */
final class ExtensionStates {
    private static final int EXT_CONSTRUCT = Abi.EXT_CONSTRUCT;
    private static final int EXT_CLIENT_CONSTRUCT = Abi.EXT_CLIENT_CONSTRUCT;
    private static final int EXT_DESTROY = Abi.EXT_DESTROY;
    private static final int EXT_RX = Abi.EXT_RX;
    private static final int EXT_TX = Abi.EXT_TX;

    /** Glue extension index to extension; permessage-deflate has no entry. */
    private final Map<Integer, Extension<?>> byIndex = new HashMap<>();
    private final Map<Integer, Entry> states = new HashMap<>();
    private int nextId = 1;

    private static final class Entry {
        final Extension<Object> extension;
        final Object state;

        Entry(Extension<Object> extension, Object state) {
            this.extension = extension;
            this.state = state;
        }
    }

    void register(int glueIndex, Extension<?> e) {
        byIndex.put(glueIndex, e);
    }

    /**
     * Returns what the glue's upcall returns (lwsj.h, LWSJ_UP_EXTENSION_CB). payload is
     * libwebsockets' memory, valid only during the upcall: the extension gets a copy.
     */
    int call(int op, long id, ByteBuffer payload) {
        if (payload == null || (op != EXT_RX && op != EXT_TX)) {
            return dispatch(op, id, payload);
        }
        // a copy of its own for each call, written back after it: an extension that keeps
        // the buffer past its call holds Java memory that nothing else uses, never
        // libwebsockets' (freed or reused for the next payload)
        ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload.duplicate()).flip();
        int r = dispatch(op, id, copy);
        payload.duplicate().put(copy.clear());
        return r;
    }

    @SuppressWarnings("unchecked")
    private int dispatch(int op, long id, ByteBuffer payload) {
        switch (op) {
            case EXT_CONSTRUCT:
            case EXT_CLIENT_CONSTRUCT: {
                Extension<Object> e = (Extension<Object>) byIndex.get((int) id);
                if (e == null) {
                    return 0;
                }
                Object state = e.construct(op == EXT_CLIENT_CONSTRUCT);
                if (state == null) {
                    return 0;
                }
                int mine = nextId;
                nextId = nextId == Integer.MAX_VALUE ? 1 : nextId + 1;
                states.put(mine, new Entry(e, state));
                return mine;
            }
            case EXT_DESTROY: {
                Entry s = states.remove((int) id);
                if (s != null) {
                    s.extension.destroy(s.state);
                }
                return 0;
            }
            case EXT_RX:
            case EXT_TX: {
                Entry s = states.get((int) id);
                if (s == null) {
                    return 1;
                }
                if (op == EXT_RX) {
                    s.extension.payloadReceived(s.state, payload);
                } else {
                    s.extension.payloadToSend(s.state, payload);
                }
                return 0;
            }
            default:
                return 1;
        }
    }
}
