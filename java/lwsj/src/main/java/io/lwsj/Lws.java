package io.lwsj;

import io.lwsj.internal.NativeLog;

/** Process-wide settings: the libwebsockets version and its log level (lws_set_log_level). */
public final class Lws {
    /** libwebsockets log level bits (LLL_*). */
    public static final int LOG_ERR = 1;
    public static final int LOG_WARN = 2;
    public static final int LOG_NOTICE = 4;
    public static final int LOG_INFO = 8;
    public static final int LOG_DEBUG = 16;
    public static final int LOG_PARSER = 32;
    public static final int LOG_HEADER = 64;
    public static final int LOG_EXT = 128;
    public static final int LOG_CLIENT = 256;
    public static final int LOG_LATENCY = 512;
    public static final int LOG_USER = 1024;
    public static final int LOG_THREAD = 2048;

    /** The default: errors and warnings. */
    public static final int DEFAULT_LOG_LEVELS = LOG_ERR | LOG_WARN;

    private Lws() {}

    /** The libwebsockets version string, e.g. "4.3.5-...". */
    public static String libwebsocketsVersion() {
        return NativeLog.libwebsocketsVersion();
    }

    /**
     * Which libwebsockets log levels (LOG_* bits) reach SLF4J, logger
     * "io.lwsj.libwebsockets". Set it before creating contexts.
     */
    public static synchronized void setLogLevel(int levels) {
        if ((levels & ~0xfff) != 0) {
            throw new IllegalArgumentException("unknown log level bits: 0x" + Integer.toHexString(levels & ~0xfff));
        }
        NativeLog.setLevels(levels);
    }
}
