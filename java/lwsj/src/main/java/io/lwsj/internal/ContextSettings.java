package io.lwsj.internal;

import io.lwsj.Extension;
import io.lwsj.HttpHandler;
import io.lwsj.NetworkFilter;
import io.lwsj.PermessageDeflate;
import io.lwsj.PollListener;
import io.lwsj.Protocol;
import io.lwsj.TlsHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link io.lwsj.LwsContext.Builder} gathered, checked already: the whole
 * configuration of one context, read once when it is built.
 */
public record ContextSettings(
        int port,
        @Nullable String bindAddress,
        boolean listen,
        List<Protocol<?>> protocols,
        @Nullable Path documentRoot,
        int maxConnections,
        boolean validateUtf8,
        @Nullable Path tlsCertificate,
        @Nullable Path tlsPrivateKey,
        @Nullable String tlsKeyPassword,
        @Nullable Path tlsClientCa,
        boolean requireClientCertificate,
        @Nullable Path clientTrust,
        @Nullable Path clientCertificate,
        @Nullable Path clientPrivateKey,
        @Nullable String clientKeyPassword,
        @Nullable PermessageDeflate deflate,
        List<Extension<?>> extensions,
        int maxHeaderBytes,
        Duration handshakeTimeout,
        Duration pingInterval,
        Duration idleTimeout,
        long maxCrossThreadQueueBytes,
        long maxHttpBodyBytes,
        @Nullable HttpHandler http,
        @Nullable NetworkFilter networkFilter,
        @Nullable TlsHooks tlsHooks,
        @Nullable PollListener externalPoll,
        int serviceThreads,
        @Nullable String name) {

    public ContextSettings {
        protocols = List.copyOf(protocols);
        extensions = List.copyOf(extensions);
    }
}
