package io.lwsj.internal;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The glue's C ABI (native/include/lwsj.h), direct-mapped: one static native per C
 * function, no logic. Buffers passed here are direct and used from their start.
 */
public final class LwsjNative {
    /** The ABI version this binding was written for (LWSJ_ABI_VERSION). */
    public static final int ABI_VERSION = Abi.ABI_VERSION;

    static {
        NativeLibrary lib = NativeLibraryLoader.load();
        Native.register(LwsjNative.class, lib);
        int abi = lwsj_abi_version();
        if (abi != ABI_VERSION) {
            throw new UnsatisfiedLinkError("liblwsj at " + lib.getFile() + " has ABI version " + abi
                    + ", this jar needs " + ABI_VERSION + ": use the platform jar of the same lwsj version");
        }
    }

    /** Options for {@link NativeLibrary#getInstance(String, Map)}. */
    static Map<String, Object> libraryOptions() {
        return Map.of(Library.OPTION_STRING_ENCODING, StandardCharsets.UTF_8.name());
    }

    private LwsjNative() {}


    public interface UpcallFn extends Callback {
        int invoke(long ctx, int reason, long conn, int protocol, Pointer in, int len, int eventsLen);
    }

    public interface LogFn extends Callback {
        void invoke(int level, String line);
    }

    public static native int lwsj_abi_version();
    public static native String lwsj_lws_version();
    public static native void lwsj_set_log(int levels, LogFn fn);
    public static native String lwsj_last_error();

    public static native long lwsj_ctx_new(UpcallFn upcall);
    public static native int lwsj_ctx_add_protocol(long ctx, String name, int flags, int rxBufferSize,
            long maxMessageSize, long maxQueuedBytes, int overflowPolicy, int overflowCloseCode);
    public static native int lwsj_ctx_listen(long ctx, String iface, int port, int options, int maxConns,
            ByteBuffer slots);
    public static native int lwsj_ctx_set_tls(long ctx, String cert, String key, String password, String ca,
            int flags);
    public static native int lwsj_ctx_set_client_tls(long ctx, String ca, String cert, String key, String password);
    public static native int lwsj_ctx_set_limits(long ctx, int maxHeaderBytes, int handshakeTimeoutS,
            int pingIntervalS, int idleTimeoutS, long maxForeignBytes, long maxHttpBody);
    public static native int lwsj_ctx_add_extension(long ctx, String name, String clientOffer);
    public static native int lwsj_ctx_set_deflate(long ctx, String clientOffer);
    public static native int lwsj_ctx_port(long ctx);
    public static native int lwsj_ctx_hostname(long ctx, byte[] out, int cap);
    public static native int lwsj_ctx_destroy(long ctx, ByteBuffer events, int cap);

    public static native int lwsj_service(long ctx, int timeoutMs, ByteBuffer sub, int subLen,
            ByteBuffer events, int cap);
    public static native int lwsj_service_fd(long ctx, int fd, int revents, ByteBuffer sub, int subLen,
            ByteBuffer events, int cap);
    public static native int lwsj_run_commands(long ctx, ByteBuffer sub, int subLen);
    public static native int lwsj_take_pending(long ctx, ByteBuffer events, int at, int cap);
    public static native int lwsj_submit(long ctx, ByteBuffer cmds, int len);
    public static native int lwsj_broadcast_shared(long[] ctxs, int n, int protocol, int flags, byte[] payload,
            int len);
    public static native int lwsj_wake(long ctx);

    public static native int lwsj_http_respond(long ctx, int status, String contentType, byte[] headers,
            int hlen, byte[] body, long blen);
    public static native int lwsj_http_serve_file(long ctx, String root, String relative, String contentType, byte[] headers,
            int hlen);
}
