package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * lws_set_log_level: libwebsockets' lines reach SLF4J (logger io.lwsj.libwebsockets; the
 * test binding, slf4j-simple, prints to System.err), at the levels asked for.
 */
class LogLevelTest extends ServerTestSupport {

    private static String logsWhileBuildingAContext(int levels) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Lws.setLogLevel(levels);
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            LwsContext.builder().bindAddress("127.0.0.1").protocol(echo("echo")).build().close();
        } finally {
            System.setErr(saved);
            Lws.setLogLevel(Lws.DEFAULT_LOG_LEVELS);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noticeLinesReachSlf4jWhenAskedForAndNotByDefault() {
        String withNotice = logsWhileBuildingAContext(Lws.LOG_ERR | Lws.LOG_WARN | Lws.LOG_NOTICE);
        assertTrue(withNotice.contains("io.lwsj.libwebsockets") && withNotice.contains("LWS: 4.3.5"),
                "libwebsockets' context banner (a NOTICE line) reached SLF4J: " + withNotice);
        String byDefault = logsWhileBuildingAContext(Lws.DEFAULT_LOG_LEVELS);
        assertFalse(byDefault.contains("LWS: 4.3.5"), "NOTICE lines are off by default: " + byDefault);
    }

    @Test
    void unknownLevelBitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Lws.setLogLevel(1 << 20));
    }
}
