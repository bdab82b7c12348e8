package io.lwsj.internal;

import io.lwsj.Connection;
import io.lwsj.LwsContext;
import java.lang.reflect.Field;

/** White-box access to the engine behind the API, for tests that check what it keeps. */
public final class Internals {
    private Internals() {}

    static ServiceGroup group(LwsContext ctx) {
        try {
            Field f = LwsContext.class.getDeclaredField("engine");
            f.setAccessible(true);
            return (ServiceGroup) f.get(ctx);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The engine of the first (or only) service thread. */
    static ContextEngine engine(LwsContext ctx) {
        return group(ctx).engine(0);
    }

    /** Connections the dispatchers hold open now (read it on the service threads, or once they are quiet). */
    public static int openConnections(LwsContext ctx) {
        int n = 0;
        for (int i = 0; i < group(ctx).size(); i++) {
            n += group(ctx).engine(i).dispatcher.openConnections();
        }
        return n;
    }

    /** Open connections per service thread, in thread order. */
    public static int[] openConnectionsPerThread(LwsContext ctx) {
        int[] n = new int[group(ctx).size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = group(ctx).engine(i).dispatcher.openConnections();
        }
        return n;
    }

    /** The glue's context handle. */
    public static long nativeHandle(LwsContext ctx) {
        return engine(ctx).nativeContext.handle;
    }

    /** The glue's handle of a connection (slot and generation). */
    public static long handle(Connection c) {
        return ((NativeConnection) c).handle();
    }

    /** SENDs of these texts to c, all in one lwsj_submit, as another thread's would be; the glue's status. */
    public static int submitTexts(LwsContext ctx, Connection c, String... texts) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(64 * 1024).order(java.nio.ByteOrder.nativeOrder());
        int n = 0;
        for (String t : texts) {
            byte[] p = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            n += CommandEncoder.put(b, n, Abi.CMD_SEND, Abi.SEND_TEXT, handle(c), 0, p, 0, null, p.length);
        }
        return LwsjNative.lwsj_submit(((NativeConnection) c).engine().nativeContext.handle, b, n);
    }

    /** Forces Java's view of a connection's state, to reach the glue's own stale-handle checks. */
    public static void setOpen(Connection c, boolean open) {
        ((NativeConnection) c).open = open;
    }
}
