package io.lwsj.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One case being run against one peer: the steps cases use (send, expect an echo, a pong,
 * the connection failed, a clean close) and the verdict they build, as Autobahn's:
 * OK, NON-STRICT (the RFC lets the peer do what it did, but not as strictly as it could)
 * or FAILED, each with the reasons.
 */
final class Run {
    enum Verdict { OK, NON_STRICT, FAILED }

    /** How long the peer gets for each answer. */
    static final long WAIT_MS = 4000;

    final Peer peer;
    Verdict verdict = Verdict.OK;
    final List<String> reasons = new ArrayList<>();

    Run(Peer peer) {
        this.peer = peer;
    }

    void nonStrict(String why) {
        if (verdict == Verdict.OK) {
            verdict = Verdict.NON_STRICT;
        }
        reasons.add("NON-STRICT: " + why);
    }

    void fail(String why) {
        verdict = Verdict.FAILED;
        reasons.add("FAILED: " + why);
    }

    boolean failed() {
        return verdict == Verdict.FAILED;
    }

    void send(byte[] wire) {
        peer.writeQuietly(wire, 0);
    }

    void send(byte[] wire, int chop) {
        peer.writeQuietly(wire, chop);
    }

    static String show(byte[] b) {
        if (b.length > 40) {
            return b.length + " bytes";
        }
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.length() == 0 ? "(empty)" : s.toString();
    }

    static String show(Peer.Event e) {
        if (e instanceof Peer.Message m) {
            return (m.opcode() == Wire.TEXT ? "a text" : "a binary") + " message of " + m.payload().length + " bytes";
        }
        if (e instanceof Peer.Pong p) {
            return "a pong " + show(p.payload());
        }
        if (e instanceof Peer.Closed c) {
            return "a close frame with code " + c.code();
        }
        if (e instanceof Peer.Ended d) {
            return "the end of the TCP connection (" + d.how() + ")";
        }
        if (e instanceof Peer.Silent s) {
            return "nothing within " + s.ms() + " ms";
        }
        return "a protocol error of its own: " + ((Peer.Broken) e).why();
    }

    /** The next event must be this message echoed. */
    boolean echo(int opcode, byte[] payload, String what) {
        if (failed()) {
            return false;
        }
        Peer.Event e = peer.next(WAIT_MS + payload.length / 20_000);
        if (e instanceof Peer.Message m && m.opcode() == opcode && Arrays.equals(m.payload(), payload)) {
            return true;
        }
        fail(what + ": expected its echo (" + (opcode == Wire.TEXT ? "text" : "binary") + ", " + payload.length
                + " bytes), got " + show(e));
        return false;
    }

    /**
     * A valid message sent in the same write as a violation after it: the echo should
     * come first, then the failure. Failing without the echo is NON-STRICT (the peer
     * failed fast, but dropped what came before), as Autobahn grades it.
     */
    void echoThenFails(int opcode, byte[] payload, String what, int... codes) {
        Peer.Event e = peer.next(WAIT_MS);
        if (e instanceof Peer.Message m && m.opcode() == opcode && java.util.Arrays.equals(m.payload(), payload)) {
            fails(what, codes);
            return;
        }
        if (e instanceof Peer.Closed || e instanceof Peer.Ended) {
            nonStrict(what + ": failed without answering the message that came before the violation");
            peer.writeQuietly(peer.frame(Wire.CLOSE, true, 0, Wire.closePayload(1000, new byte[0])), 0);
            return;
        }
        fail(what + ": expected the echo of the message before the violation, got " + show(e));
    }

    /** The next event must be a pong with this payload. */
    boolean pong(byte[] payload, String what) {
        if (failed()) {
            return false;
        }
        Peer.Event e = peer.next(WAIT_MS);
        if (e instanceof Peer.Pong p && Arrays.equals(p.payload(), payload)) {
            return true;
        }
        fail(what + ": expected a pong " + show(payload) + ", got " + show(e));
        return false;
    }

    /** Nothing at all may come within ms (an unsolicited pong, data after a close). */
    boolean quiet(long ms, String what) {
        if (failed()) {
            return false;
        }
        Peer.Event e = peer.next(ms);
        if (e instanceof Peer.Silent) {
            return true;
        }
        fail(what + ": expected nothing, got " + show(e));
        return false;
    }

    /**
     * The peer must fail the connection: a close frame with one of codes (the first is
     * what the RFC asks for), then the end of the TCP connection. Another failure code,
     * or the TCP connection dropped without a close frame, is NON-STRICT; an echo, a
     * pong or silence is FAILED. Pongs named in allowedPongs may come first.
     */
    void fails(String what, int... codes) {
        if (failed()) {
            return;
        }
        Peer.Event e = peer.next(WAIT_MS);
        for (int i = 0; i < 20 && e instanceof Peer.Pong; i++) {
            e = peer.next(WAIT_MS);
        }
        if (e instanceof Peer.Closed c) {
            boolean expected = Arrays.stream(codes).anyMatch(x -> x == c.code());
            if (!expected) {
                if (c.code() == 1002 || c.code() == 1007 || c.code() == 1008 || c.code() == 1009 || c.code() == 1011) {
                    nonStrict(what + ": failed with " + c.code() + ", the RFC's code is " + codes[0]);
                } else {
                    fail(what + ": closed with " + c.code() + " instead of failing with " + codes[0]);
                    return;
                }
            }
            // answer the close, then the failing side closes the TCP connection (7.1.1)
            peer.writeQuietly(peer.frame(Wire.CLOSE, true, 0, Wire.closePayload(1000, new byte[0])), 0);
            if (peer.weAreClient && !peer.endsWithin(WAIT_MS)) {
                nonStrict(what + ": the server kept the TCP connection open after the close handshake");
            }
            return;
        }
        if (e instanceof Peer.Ended) {
            nonStrict(what + ": the TCP connection was dropped without a close frame "
                    + "(RFC 6455 7.1.7 asks for one, with " + codes[0] + ")");
            return;
        }
        fail(what + ": expected the connection to fail with " + codes[0] + ", got " + show(e));
    }

    /**
     * The end of a case that left the connection open: a close with 1000 from us, which
     * the peer must answer with a close (echoing the code, 5.5.1) and then the TCP end.
     */
    void closesCleanly() {
        if (failed() || peer.peerClosed) {
            return;
        }
        peer.writeQuietly(peer.frame(Wire.CLOSE, true, 0, Wire.closePayload(1000, Wire.utf8("done"))), 0);
        Peer.Event e = peer.next(WAIT_MS);
        for (int i = 0; i < 20 && (e instanceof Peer.Pong || e instanceof Peer.Message); i++) {
            e = peer.next(WAIT_MS);
        }
        if (e instanceof Peer.Closed c) {
            if (c.code() != 1000) {
                nonStrict("the close answered our 1000 with " + c.code());
            }
            if (peer.weAreClient && !peer.endsWithin(WAIT_MS)) {
                nonStrict("the server kept the TCP connection open after the close handshake");
            }
            return;
        }
        if (e instanceof Peer.Ended) {
            nonStrict("our close was answered by the end of the TCP connection, without a close frame");
            return;
        }
        fail("our close was not answered: " + show(e));
    }
}
