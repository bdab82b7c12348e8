package io.lwsj.internal;

import com.sun.jna.Pointer;
import io.lwsj.LwsRequest;
import io.lwsj.PollListener;
import io.lwsj.TlsHooks;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The glue's synchronous upcalls (lwsj.h, LWSJ_UP_*), on the service thread. Events the
 * glue wrote before the upcall are dispatched first, so handlers see one order.
 * Holds its context weakly, so that the context's Cleaner can still run.
 */
final class Upcalls implements LwsjNative.UpcallFn {
    private static final Logger LOG = LoggerFactory.getLogger(Upcalls.class);

    private final WeakReference<ContextEngine> context;

    Upcalls(ContextEngine context) {
        this.context = new WeakReference<>(context);
    }

    private static void pollChange(ContextEngine c, int kind, int[] v) {
        PollListener h = c.pollListener;
        if (h == null) {
            return;
        }
        switch (kind) {
            case Abi.POLL_ADD:
                h.onAddPollFd(v[0], v[1]);
                break;
            case Abi.POLL_DEL:
                h.onDelPollFd(v[0]);
                break;
            case Abi.POLL_CHANGE:
                h.onChangeModePollFd(v[0], v[1], v[2]);
                break;
            default:
                LOG.warn("unknown poll change {}", kind);
        }
    }

    /** Writes the paths of extra CA files for the glue to load; -1 if they do not fit. */
    private static int extraCa(ContextEngine c, boolean clientSide, Pointer out, int capacity) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (Path p : c.tlsHooks == null ? java.util.List.<Path>of() : c.tlsHooks.extraTrustedCaFiles(clientSide)) {
            b.writeBytes(p.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.write(0);
        }
        b.write(0);
        if (b.size() > capacity) {
            LOG.error("too many extra CA files: {} bytes of paths, room for {}", b.size(), capacity);
            return -1;
        }
        out.write(0, b.toByteArray(), 0, b.size());
        return b.size();
    }

    /** Writes the handler's extra handshake headers into the glue's buffer; -1 if they do not fit. */
    private static int clientHeaders(ContextEngine c, long request, Pointer out, int capacity) {
        ClientConnects.Pending p = c.connects.get(request);
        if (p == null) {
            return 0;
        }
        java.util.Map<String, String> headers = p.protocol.handler().clientHandshakeHeaders(p.request);
        if (headers == null) {
            return -1; // the handler refused: the connect fails
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (java.util.Map.Entry<String, String> e : headers.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (name == null || name.isEmpty() || value == null
                    || (name + value).chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f) || name.indexOf(':') >= 0) {
                LOG.error("bad handshake header from handler of '{}': {}: {}", p.protocol.name(), name, value);
                return -1;
            }
            b.writeBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.write(0);
            b.writeBytes(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.write(0);
        }
        b.write(0);
        if (b.size() > capacity) {
            return -1;
        }
        out.write(0, b.toByteArray(), 0, b.size());
        return b.size();
    }

    /** Picks the protocol by path when the client named none, then asks its handler. */
    private static int filterProtocol(ContextEngine c, int bound, LwsRequest request) {
        int target = bound;
        String asked = request.header("sec-websocket-protocol");
        // a list that names none of ours goes where a request without one goes (lws patch 0123)
        boolean unknownOnly = asked != null && java.util.Arrays.stream(asked.split(","))
                .map(String::trim).noneMatch(c.protocols::hasName);
        if (asked == null || unknownOnly) {
            int byPath = c.protocols.forPath(request.path());
            if (byPath >= 0) {
                target = byPath;
            }
        }
        if (unknownOnly && c.protocols.at(target).refusesUnknownSubprotocols()) {
            return 1;
        }
        if (!c.protocols.at(target).handler().filterProtocolConnection(request)) {
            return 1;
        }
        return target == bound ? 0 : Abi.FILTER_USE + target;
    }

    @Override
    public int invoke(long ctx, int reason, long conn, int protocol, Pointer in, int len, int eventsLen) {
        ContextEngine c = context.get();
        if (c == null) {
            return 0;
        }
        try {
            c.counters.upcall();
            if (reason == Abi.UP_POLL) {
                // may come while the context is being built, and from inside a turn
                pollChange(c, protocol, in.getIntArray(0, 3));
                return 0;
            }
            if (reason == Abi.UP_EXTENSION_CB) {
                // during handshakes (before any event of that connection) and per payload
                return c.extensions.call(protocol, conn, len > 0 ? in.getByteBuffer(0, len) : null);
            }
            if (reason == Abi.UP_TLS_EXTRA_CA) {
                // while the context is being built: no events, no dispatcher yet
                return extraCa(c, protocol != 0, in, len);
            }
            c.dispatcher.beforeUpcall(eventsLen);
            if (reason == Abi.UP_CLIENT_HEADERS) {
                return clientHeaders(c, conn, in, len);
            }
            byte[] data = len > 0 ? in.getByteArray(0, len) : new byte[0];
            switch (reason) {
                case Abi.UP_HTTP:
                    return c.http.answer(RequestBlob.parse(data)) ? 0 : 1;
                case Abi.UP_HTTP_FILE_DONE:
                    if (c.httpHandler != null) {
                        c.httpHandler.onFileSent(Path.of(RequestBlob.utf8(data)));
                    }
                    return 0;
                case Abi.UP_FILTER_NETWORK:
                    // the glue asks only when a filter was set
                    return c.networkFilter == null
                            || c.networkFilter.accept(InetAddress.getByName(RequestBlob.utf8(data))) ? 0 : 1;
                case Abi.UP_EXTENSION: {
                    ClientConnects.Pending p = conn == 0 ? null : c.connects.get(conn);
                    return c.protocols.at(protocol).handler().confirmExtension(RequestBlob.utf8(data),
                            p == null ? null : p.request) ? 0 : 1;
                }
                case Abi.UP_TLS_VERIFY_PEER: {
                    String[] f = RequestBlob.utf8Strings(data);
                    TlsHooks hooks = c.tlsHooks;
                    boolean opensslAccepted = "1".equals(f[0]);
                    boolean ok = hooks == null ? opensslAccepted
                            : hooks.verifyClientCertificate(opensslAccepted, Integer.parseInt(f[1]), f[2]);
                    return ok ? 0 : 1;
                }
                case Abi.UP_FILTER_PROTOCOL:
                    return filterProtocol(c, protocol, RequestBlob.parse(data));
                default:
                    LOG.warn("unknown upcall {}", reason);
                    return 0;
            }
        } catch (Throwable e) {
            // nothing may unwind into C; refuse what was asked (for the upcalls that
            // answer with a byte count, -1 is the refusal)
            LOG.error("upcall {} failed; refusing", reason, e);
            return reason == Abi.UP_TLS_EXTRA_CA || reason == Abi.UP_CLIENT_HEADERS ? -1 : 1;
        }
    }
}
