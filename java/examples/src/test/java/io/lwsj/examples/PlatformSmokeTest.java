package io.lwsj.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PlatformSmoke in a JVM of its own with the system's OpenSSL loaded first, globally, as
 * another binding would load it: lwsj's ws, wss and deflate echoes work beside it, and
 * the system's library still answers afterwards. (scripts/aarch64-smoke.sh runs the same
 * program on aarch64.) What keeps the two apart, the NEEDED list and the hidden symbols,
 * is checked by scripts/check-natives.sh; this shows the result in a running JVM.
 */
class PlatformSmokeTest {
    @Test
    void lwsjAndTheSystemsOpenSslWorkSideBySideInOneJvm(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        String made = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl req: " + made);

        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, "io.lwsj.examples.smoke.PlatformSmoke",
                "--with-system-openssl", cert.toString(), cert.toString(), key.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "PlatformSmoke did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("system OpenSSL: OpenSSL "), out);
        assertTrue(out.contains("wss: echoed"), out);
        assertTrue(out.contains("permessage-deflate: echoed"), out);
        assertTrue(out.contains("system OpenSSL again: OpenSSL "), out);
        assertTrue(out.contains("platform smoke: passed"), out);
    }
}
