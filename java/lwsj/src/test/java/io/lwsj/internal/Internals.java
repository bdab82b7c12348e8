package io.lwsj.internal;

import io.lwsj.Connection;
import io.lwsj.LwsContext;
import java.lang.reflect.Field;

/** White-box access to the engine behind the API, for tests that check what it keeps. */
public final class Internals {
    private Internals() {}

    public static ContextEngine engine(LwsContext ctx) {
        try {
            Field f = LwsContext.class.getDeclaredField("engine");
            f.setAccessible(true);
            return (ContextEngine) f.get(ctx);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Connections the dispatcher holds open now (read it on the service thread, or once it is quiet). */
    public static int openConnections(LwsContext ctx) {
        return engine(ctx).dispatcher.openConnections();
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
        return LwsjNative.lwsj_submit(nativeHandle(ctx), b, n);
    }

    /** Forces Java's view of a connection's state, to reach the glue's own stale-handle checks. */
    public static void setOpen(Connection c, boolean open) {
        ((NativeConnection) c).open = open;
    }
}
