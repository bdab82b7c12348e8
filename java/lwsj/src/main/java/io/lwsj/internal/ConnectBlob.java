package io.lwsj.internal;

import io.lwsj.ClientRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Encodes a {@link ClientRequest} as the glue's connect blob (lwsj.h, LWSJ_CMD_CONNECT). */
final class ConnectBlob {
    private ConnectBlob() {}

    static byte[] encode(ClientRequest r, int protocol, int flags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        head.putInt(r.port()).putInt(flags).putInt(protocol).putInt((int) r.timeout().toMillis());
        out.writeBytes(head.array());
        string(out, r.host());
        string(out, r.path());
        string(out, r.hostHeader());
        string(out, r.origin() == null ? "" : r.origin());
        string(out, String.join(",", r.subprotocols()));
        for (Map.Entry<String, String> e : r.headers().entrySet()) {
            string(out, e.getKey());
            string(out, e.getValue());
        }
        out.write(0);
        return out.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
