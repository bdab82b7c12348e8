package io.lwsj.internal;

import io.lwsj.Lws;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes libwebsockets' log lines to SLF4J, logger "io.lwsj.libwebsockets". */
public final class NativeLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.lwsj.libwebsockets");
    private static final LwsjNative.LogFn BRIDGE = NativeLog::log; // held for as long as C may call it

    static {
        LwsjNative.lwsj_set_log(Lws.DEFAULT_LOG_LEVELS, BRIDGE);
    }

    private NativeLog() {}

    /** Installs the default routing (the static initializer does the work). */
    static void init() {
    }

    public static synchronized void setLevels(int levels) {
        LwsjNative.lwsj_set_log(levels, BRIDGE);
    }

    public static String libwebsocketsVersion() {
        return LwsjNative.lwsj_lws_version();
    }

    private static void log(int level, String line) {
        if ((level & Lws.LOG_ERR) != 0) {
            LOG.error(line);
        } else if ((level & Lws.LOG_WARN) != 0) {
            LOG.warn(line);
        } else if ((level & (Lws.LOG_NOTICE | Lws.LOG_USER)) != 0) {
            LOG.info(line);
        } else if ((level & (Lws.LOG_INFO | Lws.LOG_DEBUG)) != 0) {
            LOG.debug(line);
        } else {
            LOG.trace(line);
        }
    }
}
