package io.lwsj;

import java.nio.file.Path;
import java.util.List;

/**
 * The classic OpenSSL callback reasons of a context ({@link LwsContext.Builder#tlsHooks}).
 * Both have defaults, so an implementation overrides what it needs.
 */
public interface TlsHooks {
    /**
     * OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS / OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS: PEM
     * files of further CAs to trust for checking client certificates (clientSide false)
     * or the servers this context connects to (true). Called while the context is built,
     * on the building thread.
     */
    default List<Path> extraTrustedCaFiles(boolean clientSide) {
        return List.of();
    }

    /**
     * OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: once for each certificate of a client's
     * chain, with OpenSSL's own verdict, on a service thread. Return false to refuse the
     * client. The default keeps OpenSSL's verdict.
     */
    default boolean verifyClientCertificate(boolean opensslAccepted, int depth, String subject) {
        return opensslAccepted;
    }
}
