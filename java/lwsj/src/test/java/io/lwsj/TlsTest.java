package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.WAIT_MS;
import static io.lwsj.Waits.await;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS: wss:// and https:// served by lwsj, lwsj's wss:// client, encrypted keys, client
 * certificates, the classic OpenSSL callback reasons (LOAD_EXTRA_*_VERIFY_CERTS,
 * PERFORM_CLIENT_CERT_VERIFICATION), and refused server certificates. Every
 * certificate is made at test time with the openssl command into a temporary directory.
 */
class TlsTest extends ClientTestKit {
    private static final String PASSWORD = "s3cret-Pw";
    private static final String CLIENT_CN = "lwsj-test-client";

    @TempDir
    static Path dir;

    /** CA of the server certificates, and the server certificate (DNS:localhost, IP:127.0.0.1). */
    static Path ca;
    static Path serverCert;
    static Path serverKey;
    static Path serverKeyEncrypted;
    /** A key that belongs to no certificate here. */
    static Path otherKey;
    /** Signed by ca for the server key, but expired. */
    static Path expiredCert;
    /** Signed by ca for the server key, but only for DNS:wrong-host.invalid. */
    static Path wrongHostCert;
    /** The CA of client certificates, a client certificate signed by it, and an unrelated CA. */
    static Path clientCa;
    static Path clientCert;
    static Path clientKey;
    static Path unrelatedCa;

    @BeforeAll
    static void makeCertificates() throws Exception {
        Files.writeString(dir.resolve("openssl.cnf"), String.join("\n",
                "[ req ]",
                "distinguished_name = dn",
                "prompt = no",
                "[ dn ]",
                "CN = unused",
                "[ v3_ca ]",
                "basicConstraints = critical, CA:TRUE",
                "keyUsage = critical, keyCertSign, cRLSign",
                "subjectKeyIdentifier = hash",
                "[ server ]",
                "basicConstraints = CA:FALSE",
                "keyUsage = critical, digitalSignature, keyEncipherment",
                "extendedKeyUsage = serverAuth",
                "subjectAltName = DNS:localhost, IP:127.0.0.1",
                "[ wronghost ]",
                "basicConstraints = CA:FALSE",
                "keyUsage = critical, digitalSignature, keyEncipherment",
                "extendedKeyUsage = serverAuth",
                "subjectAltName = DNS:wrong-host.invalid",
                "[ client ]",
                "basicConstraints = CA:FALSE",
                "keyUsage = critical, digitalSignature",
                "extendedKeyUsage = clientAuth",
                "[ ca ]",
                "default_ca = testca",
                "[ testca ]",
                "database = index.txt",
                "new_certs_dir = .",
                "serial = serial",
                "default_md = sha256",
                "policy = anything",
                "unique_subject = no",
                "[ anything ]",
                "commonName = supplied",
                ""));
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");

        newCa("ca", "lwsj test CA");
        newCa("clientca", "lwsj test client CA");
        newCa("unrelatedca", "lwsj unrelated CA");

        openssl("req", "-config", "openssl.cnf", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        sign("server.csr", "ca", "server", "server.pem", 10);
        openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:" + PASSWORD, "-out", "server-enc.key");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");

        openssl("req", "-config", "openssl.cnf", "-new", "-key", "server.key", "-out", "wrong.csr",
                "-subj", "/CN=wrong-host.invalid");
        sign("wrong.csr", "ca", "wronghost", "wronghost.pem", 11);

        // a validity wholly in the past: openssl ca takes explicit dates
        openssl("ca", "-batch", "-config", "openssl.cnf", "-name", "testca", "-cert", "ca.pem", "-keyfile", "ca.key",
                "-in", "server.csr", "-out", "expired.pem", "-notext", "-extfile", "openssl.cnf",
                "-extensions", "server", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z");

        openssl("req", "-config", "openssl.cnf", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=" + CLIENT_CN);
        sign("client.csr", "clientca", "client", "client.pem", 12);

        ca = dir.resolve("ca.pem");
        serverCert = dir.resolve("server.pem");
        serverKey = dir.resolve("server.key");
        serverKeyEncrypted = dir.resolve("server-enc.key");
        otherKey = dir.resolve("other.key");
        expiredCert = dir.resolve("expired.pem");
        wrongHostCert = dir.resolve("wronghost.pem");
        clientCa = dir.resolve("clientca.pem");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
        unrelatedCa = dir.resolve("unrelatedca.pem");
        assertTrue(Files.readString(serverKeyEncrypted).contains("ENCRYPTED"), "the key copy is encrypted");
    }

    private static void newCa(String name, String cn) throws Exception {
        openssl("req", "-config", "openssl.cnf", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "30", "-subj", "/CN=" + cn,
                "-extensions", "v3_ca");
    }

    private static void sign(String csr, String caName, String extensions, String out, int serial) throws Exception {
        openssl("x509", "-req", "-in", csr, "-CA", caName + ".pem", "-CAkey", caName + ".key",
                "-set_serial", Integer.toString(serial), "-days", "30", "-sha256",
                "-extfile", "openssl.cnf", "-extensions", extensions, "-out", out);
    }

    /** Runs the openssl command in the temporary directory; fails the test with its output. */
    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("TlsTest makes its certificates with the openssl command, which is missing: " + e);
        }
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        drain.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl did not finish in 30 s: " + cmd);
        }
        drain.join(5000);
        if (p.exitValue() != 0) {
            throw new AssertionError("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + out);
        }
    }

    // ---- helpers -------------------------------------------------------------------

    /** An SSLContext that trusts exactly the CA in this PEM file. */
    static SSLContext trusting(Path caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            ks.setCertificateEntry("test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** A TLS server context on 127.0.0.1 with the recorder as its first (echoing) protocol. */
    LwsContext tlsServer(Recorder handler, Path cert, Path key) {
        Recorder h = handler.echoing();
        return track(loopbackServer().tls(cert, key).http(h).tlsHooks(h).protocol(protocol("echo", h)).build()).start();
    }

    /** A client-only context trusting ca. */
    LwsContext trustingClient(Recorder handler) {
        return track(clientOnly().clientTrust(ca).http(handler).tlsHooks(handler).protocol(protocol("client", handler)).build()).start();
    }

    static ClientRequest wss(LwsContext server, String path) {
        return ClientRequest.to("wss://127.0.0.1:" + server.port() + path).build();
    }

    static void assertEchoes(Connection c, Recorder client, int... sizes) {
        for (int n : sizes) {
            String text = asciiText(n);
            assertTrue(c.sendText(text));
            assertEquals(text, poll(client.messages, "the echo of text(" + n + ") over TLS"));
            byte[] bin = pattern(n);
            assertTrue(c.sendBinary(bin));
            Object back = poll(client.messages, "the echo of binary(" + n + ") over TLS");
            assertInstanceOf(byte[].class, back);
            assertArrayEquals(bin, (byte[]) back, "binary(" + n + ") over TLS");
        }
    }

    static IllegalArgumentException assertIllegal(org.junit.jupiter.api.function.Executable e, Path... named) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (Path p : named) {
            assertTrue(x.getMessage().contains(p.getFileName().toString()),
                    "the message should name " + p + ": " + x.getMessage());
        }
        return x;
    }

    /** A JDK WebSocket listener that collects whole messages. */
    static final class JdkListener implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }
    }

    // ---- tests ---------------------------------------------------------------------

    /**
     * Where TLS records fall on the wire must not matter (lws patch 0128 reads ahead and
     * takes every whole record a read brought): many records in one write are all
     * answered, and a whole record followed by half of the next is answered before the
     * rest of the second comes, which then is answered too.
     */
    @Test
    void recordsSplitAcrossReadsAndManyInOneReadAreAllAnswered() throws Exception {
        LwsContext ctx = tlsServer(new Recorder(), serverCert, serverKey);
        try (TlsRecordClient c = new TlsRecordClient(trusting(ca), ctx.port())) {
            int[] sizes = {1, 125, 126, 1000, 16_384, 20_000, 3, 65_536, 70_000, 7};
            byte[][] wire = new byte[sizes.length][];
            for (int i = 0; i < sizes.length; i++) {
                wire[i] = c.records(TlsRecordClient.binaryFrame(pattern(sizes[i])));
            }
            byte[] all = TlsRecordClient.concat(wire);
            c.write(all, 0, all.length);
            for (int n : sizes) {
                assertArrayEquals(pattern(n), c.readBinary(), n + " bytes, sent with the others in one write");
            }

            byte[] first = c.records(TlsRecordClient.binaryFrame(pattern(300)));
            byte[] second = c.records(TlsRecordClient.binaryFrame(pattern(5000)));
            byte[] both = TlsRecordClient.concat(first, second);
            int cut = first.length + second.length / 2;
            c.write(both, 0, cut);
            assertArrayEquals(pattern(300), c.readBinary(), "the whole record before the cut");
            Thread.sleep(300);
            c.write(both, cut, both.length);
            assertArrayEquals(pattern(5000), c.readBinary(), "the record cut in two");
        }
    }

    /**
     * A reader slower than the server. lws patch 0129 writes the records of each
     * SSL_write with one write() and keeps, encrypted, what the socket does not take, to
     * be written before anything later: 16 MB sent while the client reads nothing, then
     * a close, must arrive whole, in order, and the close after them.
     */
    @Test
    void aBacklogForASlowTlsReaderArrivesWholeInOrderAndBeforeTheClose() throws Exception {
        int count = 320;
        int size = 50_000;
        CountDownLatch queued = new CountDownLatch(1);
        Protocol<Void> push = Protocol.builder("push", new Handler<Void>() {
            @Override
            public void onEstablished(Connection c, Void s) {
                for (int i = 0; i < count; i++) {
                    assertTrue(c.sendBinary(numbered(i, size)));
                }
                c.close(1000, "done");
                queued.countDown();
            }
        }).maxQueuedBytes(32L * 1024 * 1024).build();
        LwsContext ctx = track(loopbackServer().tls(serverCert, serverKey).protocol(push).build()).start();
        try (TlsRecordClient c = new TlsRecordClient(trusting(ca), ctx.port())) {
            await(queued, "the sends and the close queued");
            Thread.sleep(500); // the server fills the socket; the rest waits on its side
            for (int i = 0; i < count; i++) {
                assertArrayEquals(numbered(i, size), c.readBinary(), "message " + i);
            }
            assertEquals(1000, c.readCloseCode());
        }
    }

    /** size bytes of the test pattern, with i in the first two. */
    private static byte[] numbered(int i, int size) {
        byte[] b = pattern(size);
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return b;
    }

    @Test
    void jdkHttpsAndWssOnTheSamePort() throws Exception {
        Recorder server = new Recorder();
        server.httpBody = "hello over TLS\n";
        LwsContext ctx = tlsServer(server, serverCert, serverKey);
        HttpClient http = HttpClient.newBuilder()
                .sslContext(trusting(ca))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ctx.port() + "/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("hello over TLS\n", r.body());
        assertEquals("/hello", poll(server.httpRequests, "onHttp").path());

        JdkListener listener = new JdkListener();
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("wss://127.0.0.1:" + ctx.port() + "/"), listener)
                .get(WAIT_MS, TimeUnit.MILLISECONDS);
        try {
            ws.sendText("wss text", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals("wss text", poll(listener.messages, "the wss text echo"));
            byte[] big = pattern(1024 * 1024);
            ws.sendBinary(ByteBuffer.wrap(big), true).get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertArrayEquals(big, (byte[]) poll(listener.messages, "the wss binary echo"));
        } finally {
            ws.sendClose(1000, "done").get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
        assertEquals(1000, poll(server.closed, "the server's onClosed").code());
    }

    @Test
    void lwsjClientOverWssWithClientTrust() {
        Recorder server = new Recorder();
        LwsContext srv = tlsServer(server, serverCert, serverKey);
        Recorder client = new Recorder();
        LwsContext cli = trustingClient(client);

        Connection byIp = connected(cli.connect(wss(srv, "/by-ip")), "wss to 127.0.0.1 (IP SAN)");
        assertTrue(byIp.request().tls());
        assertEchoes(byIp, client, SIZES);

        // the certificate's DNS name, checked against the Host header
        ClientRequest byName = ClientRequest.to("127.0.0.1", srv.port(), "/by-name", true)
                .hostHeader("localhost").build();
        Connection named = connected(cli.connect(byName), "wss with Host: localhost (DNS SAN)");
        assertEchoes(named, client, 5);
        assertEquals("localhost", server.handshakes.stream()
                .filter(h -> h.path().equals("/by-name")).findFirst().orElseThrow().header("host"));

        named.close(4003, "tls bye");
        Closed seen = poll(server.closed, "the server's onClosed");
        assertEquals(4003, seen.code());
        assertEquals("tls bye", seen.reason());
    }

    @Test
    void encryptedKeyNeedsItsPassword() {
        Recorder server = new Recorder().echoing();
        LwsContext srv = track(loopbackServer().tls(serverCert, serverKeyEncrypted).tlsKeyPassword(PASSWORD)
                .http(server).tlsHooks(server).protocol(protocol("echo", server)).build()).start();
        Recorder client = new Recorder();
        Connection c = connected(trustingClient(client).connect(wss(srv, "/")), "wss to a server with an encrypted key");
        assertEchoes(c, client, 1, 70_000);

        assertIllegal(() -> loopbackServer().tls(serverCert, serverKeyEncrypted).tlsKeyPassword("wrong password")
                .protocol(protocol("echo", new Recorder())).build(), serverKeyEncrypted);
        assertIllegal(() -> loopbackServer().tls(serverCert, serverKeyEncrypted)
                .protocol(protocol("echo", new Recorder())).build(), serverKeyEncrypted);
    }

    @Test
    void badTlsFilesAreNamed() {
        // key of another certificate: both files named
        assertIllegal(() -> loopbackServer().tls(serverCert, otherKey)
                .protocol(protocol("echo", new Recorder())).build(), otherKey, serverCert);
        // missing certificate file
        Path missing = dir.resolve("no-such-certificate.pem");
        assertIllegal(() -> loopbackServer().tls(missing, serverKey), missing);
        assertIllegal(() -> loopbackServer().tls(serverCert, dir.resolve("no-such-key.pem")),
                dir.resolve("no-such-key.pem"));
        assertIllegal(() -> LwsContext.builder().clientTrust(missing), missing);
        assertIllegal(() -> LwsContext.builder().tlsClientCertificates(missing, true), missing);
        assertIllegal(() -> LwsContext.builder().clientCertificate(missing, clientKey, null), missing);
        // a file that is there but holds no certificate
        assertIllegal(() -> loopbackServer().tls(serverKey, serverKey)
                .protocol(protocol("echo", new Recorder())).build(), serverKey);
        assertIllegal(() -> clientOnly().clientTrust(otherKey)
                .protocol(protocol("client", new Recorder())).build(), otherKey);
        // client certificate and key that do not belong together
        assertIllegal(() -> clientOnly().clientCertificate(clientCert, otherKey, null)
                .protocol(protocol("client", new Recorder())).build(), otherKey, clientCert);
    }

    @Test
    void requiredClientCertificate() throws Exception {
        Recorder server = new Recorder().echoing();
        LwsContext srv = track(loopbackServer().tls(serverCert, serverKey).tlsClientCertificates(clientCa, true)
                .http(server).tlsHooks(server).protocol(protocol("echo", server)).build()).start();

        // no certificate: refused
        Recorder anonymous = new Recorder();
        Throwable e = failure(trustingClient(anonymous).connect(wss(srv, "/anonymous")), "wss without a client certificate");
        assertInstanceOf(LwsException.class, e);
        assertTrue(server.established.isEmpty(), "no connection without a client certificate");
        HttpClient jdk = HttpClient.newBuilder().sslContext(trusting(ca)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> jdk.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + srv.port() + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()), "a JDK client without a certificate is refused too");

        // with one: accepted, and verifyClientCertificate saw its subject
        Recorder client = new Recorder();
        LwsContext cli = track(clientOnly().clientTrust(ca).clientCertificate(clientCert, clientKey, null)
                .http(client).tlsHooks(client).protocol(protocol("client", client)).build()).start();
        Connection c = connected(cli.connect(wss(srv, "/with-cert")), "wss with a client certificate");
        assertEchoes(c, client, 10);
        assertTrue(server.verifications.stream().anyMatch(v -> v.depth() == 0 && v.opensslAccepted()
                        && v.subject().contains("CN=" + CLIENT_CN)),
                "verifyClientCertificate calls: " + server.verifications);
    }

    @Test
    void verifyClientCertificateCanRefuse() {
        Recorder server = new Recorder().echoing();
        server.acceptClientCertificates = false;
        LwsContext srv = track(loopbackServer().tls(serverCert, serverKey).tlsClientCertificates(clientCa, true)
                .http(server).tlsHooks(server).protocol(protocol("echo", server)).build()).start();
        Recorder client = new Recorder();
        LwsContext cli = track(clientOnly().clientTrust(ca).clientCertificate(clientCert, clientKey, null)
                .http(client).tlsHooks(client).protocol(protocol("client", client)).build()).start();

        Throwable e = failure(cli.connect(wss(srv, "/")), "wss with a certificate the handler refuses");

        assertInstanceOf(LwsException.class, e);
        Verify v = poll(server.verifications, "verifyClientCertificate");
        List<Verify> all = new ArrayList<>(List.of(v));
        server.verifications.drainTo(all);
        assertTrue(all.stream().anyMatch(x -> x.depth() == 0 && x.opensslAccepted()
                && x.subject().contains("CN=" + CLIENT_CN)), "OpenSSL accepted, the handler refused: " + all);
        assertTrue(server.established.isEmpty());
    }

    @Test
    void extraTrustedCaFilesOnTheServerSide() {
        // the configured client CA is unrelated; the one that signed the client comes from the handler
        Recorder server = new Recorder().echoing();
        server.extraCaServerSide = List.of(clientCa);
        LwsContext srv = track(loopbackServer().tls(serverCert, serverKey).tlsClientCertificates(unrelatedCa, true)
                .http(server).tlsHooks(server).protocol(protocol("echo", server)).build()).start();
        assertTrue(server.extraCaCalls.contains(false), "extraTrustedCaFiles(false) was called: " + server.extraCaCalls);

        Recorder control = new Recorder().echoing();
        LwsContext without = track(loopbackServer().tls(serverCert, serverKey).tlsClientCertificates(unrelatedCa, true)
                .http(control).tlsHooks(control).protocol(protocol("echo", control)).build()).start();

        Recorder client = new Recorder();
        LwsContext cli = track(clientOnly().clientTrust(ca).clientCertificate(clientCert, clientKey, null)
                .http(client).tlsHooks(client).protocol(protocol("client", client)).build()).start();
        Connection c = connected(cli.connect(wss(srv, "/")), "wss with a client certificate of an extra CA");
        assertEchoes(c, client, 3);
        Throwable e = failure(cli.connect(wss(without, "/")), "wss to a server that does not know the client CA");
        assertInstanceOf(LwsException.class, e);
    }

    @Test
    void extraTrustedCaFilesOnTheClientSide() {
        Recorder server = new Recorder();
        LwsContext srv = tlsServer(server, serverCert, serverKey);

        Recorder client = new Recorder();
        client.extraCaClientSide = List.of(ca);
        LwsContext cli = track(clientOnly().http(client).tlsHooks(client).protocol(protocol("client", client)).build()).start();
        assertTrue(client.extraCaCalls.contains(true), "extraTrustedCaFiles(true) was called: " + client.extraCaCalls);
        Connection c = connected(cli.connect(wss(srv, "/")), "wss trusting the CA from extraTrustedCaFiles");
        assertEchoes(c, client, 3);

        Recorder control = new Recorder();
        LwsContext plain = track(clientOnly().http(control).tlsHooks(control).protocol(protocol("client", control)).build()).start();
        Throwable e = failure(plain.connect(wss(srv, "/")), "wss to a server of an unknown CA");
        assertInstanceOf(LwsException.class, e);
    }

    @Test
    void expiredAndWrongHostCertificatesAreRefusedUnlessInsecure() {
        LwsContext expired = tlsServer(new Recorder(), expiredCert, serverKey);
        LwsContext wrongHost = tlsServer(new Recorder(), wrongHostCert, serverKey);
        Recorder client = new Recorder();
        LwsContext cli = trustingClient(client);

        Throwable e1 = failure(cli.connect(wss(expired, "/")), "wss to a server with an expired certificate");
        assertInstanceOf(TlsHandshakeException.class, e1);
        Throwable e2 = failure(cli.connect(wss(wrongHost, "/")), "wss to a server with a wrong-host certificate");
        assertInstanceOf(TlsHandshakeException.class, e2);
        ClientRequest wrongName = ClientRequest.to("127.0.0.1", wrongHost.port(), "/", true).hostHeader("localhost").build();
        Throwable e3 = failure(cli.connect(wrongName), "wss to a wrong-host certificate, checked as localhost");
        assertInstanceOf(TlsHandshakeException.class, e3);
        assertTrue(e1.getMessage().toLowerCase(java.util.Locale.ROOT).contains("expired"), e1.getMessage());
        // lws words it as "tls: IP address mismatch" or "server's cert didn't look good, X509_V_ERR = 64"
        assertTrue(e2.getMessage().contains("mismatch") || e2.getMessage().contains("X509_V_ERR"), e2.getMessage());
        assertTrue(e3.getMessage().contains("hostname"), e3.getMessage());
        assertEquals(3, client.connectionErrors.size(), "onConnectionError for each: " + client.connectionErrors);

        for (LwsContext srv : List.of(expired, wrongHost)) {
            ClientRequest insecure = ClientRequest.to("wss://127.0.0.1:" + srv.port() + "/")
                    .insecureSkipTlsVerification().build();
            Connection c = connected(cli.connect(insecure), "insecure wss to " + srv.port());
            assertEchoes(c, client, 4);
            c.close();
        }
    }

    @Test
    void tlsOptionsWithoutTlsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> loopbackServer().tlsKeyPassword("x")
                .protocol(protocol("echo", new Recorder())).build());
        assertThrows(IllegalArgumentException.class, () -> loopbackServer().tlsClientCertificates(clientCa, true)
                .protocol(protocol("echo", new Recorder())).build());
    }
}
