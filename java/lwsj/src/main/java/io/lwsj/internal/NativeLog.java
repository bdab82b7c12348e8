package io.lwsj.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes libwebsockets' log lines to SLF4J, logger "io.lwsj.libwebsockets". */
public final class NativeLog {
    private static final int ERR = 1;
    private static final int WARN = 2;
    private static final int NOTICE = 4;
    private static final int INFO = 8;
    private static final int DEBUG = 16;
    private static final int USER = 1024;
    /** Errors and warnings, until {@link #setLevels} says otherwise. */
    private static final int DEFAULT_LEVELS = ERR | WARN;

    private static final Logger LOG = LoggerFactory.getLogger("io.lwsj.libwebsockets");
    private static final LwsjNative.LogFn BRIDGE = NativeLog::log; // held for as long as C may call it

    static {
        LwsjNative.lwsj_set_log(DEFAULT_LEVELS, BRIDGE);
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
        if ((level & ERR) != 0) {
            LOG.error(line);
        } else if ((level & WARN) != 0) {
            LOG.warn(line);
        } else if ((level & (NOTICE | USER)) != 0) {
            LOG.info(line);
        } else if ((level & (INFO | DEBUG)) != 0) {
            LOG.debug(line);
        } else {
            LOG.trace(line);
        }
    }
}
