package io.lwsj;

import static io.lwsj.Hostile.assertCloseAnswer;
import static io.lwsj.Hostile.assertEofWithin;
import static io.lwsj.Hostile.assertFailsWith;
import static io.lwsj.Hostile.bytes;
import static io.lwsj.Hostile.closePayload;
import static io.lwsj.Hostile.concat;
import static io.lwsj.Hostile.frame;
import static io.lwsj.Hostile.mask;
import static io.lwsj.Hostile.masked;
import static io.lwsj.TestData.utf8;
import static io.lwsj.Waits.poll;
import static io.lwsj.Waits.sleep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Hostile WebSocket frames from a raw socket (RFC 6455 section 5 and 7). For each: the
 * RFC's reaction (the close code the server fails the connection with, then the end of
 * the TCP connection), the handler sees the connection end, a bystander connection
 * and a fresh one keep echoing, and no fd or connection is left behind.
 */
class HostileFrameTest extends HostileServerSupport {
    static final int PROTOCOL_ERROR = CloseCodes.PROTOCOL_ERROR;
    static final int INVALID_PAYLOAD = CloseCodes.INVALID_PAYLOAD;

    RawClient open() throws IOException {
        return rawHandshake(ctx, "echo");
    }

    /** Sends the bytes on a fresh connection and expects it to be failed with code. */
    void expectFailure(byte[] wire, int code, String what) throws IOException {
        try (RawClient c = open()) {
            Hostile.writeQuietly(c, wire);
            assertFailsWith(c, code, what);
        }
        Hostile.Closed seen = poll(closed, what + ": onClosed");
        assertEquals(code, seen.code(), what + ": the handler sees the code the connection was failed with");
    }

    // ---- framing --------------------------------------------------------------------

    /**
     * 7.1.7: a failed connection is closed even when the peer never answers the close
     * frame (patch 0005: nothing the peer sends after the failure is read, its answer
     * included, so none is waited for), and the handler hears of it promptly.
     */
    @Test
    void aFailedConnectionEndsAndIsReportedEvenIfThePeerNeverAnswers() throws IOException {
        long t0;
        try (RawClient c = open()) {
            c.write(frame(0x81, null, 2, utf8("hi")));
            t0 = System.nanoTime();
            Hostile.assertFailsWithoutAnswer(c, PROTOCOL_ERROR, "unanswered close");
        }
        Hostile.Closed seen = poll(closed, 3_000, "onClosed within 3 s of the end of the TCP connection");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(PROTOCOL_ERROR, seen.code(), "the handler sees the code the connection was failed with");
        assertTrue(ms < 9_000, "onClosed came " + ms + " ms after the bad frame");
    }

    /** 5.1: "The server MUST close the connection upon receiving a frame that is not masked." */
    @Test
    void unmaskedClientFramesFailWith1002() throws IOException {
        expectFailure(frame(0x81, null, 2, utf8("hi")), PROTOCOL_ERROR, "unmasked text");
        expectFailure(frame(0x82, null, 0, new byte[0]), PROTOCOL_ERROR, "unmasked empty binary");
        expectFailure(frame(0x89, null, 1, utf8("p")), PROTOCOL_ERROR, "unmasked ping");
        expectFailure(frame(0x88, null, 2, closePayload(1000, new byte[0])), PROTOCOL_ERROR, "unmasked close");
        expectFailure(frame(0x82, null, 300, new byte[300]), PROTOCOL_ERROR, "unmasked 16-bit length");
        // a masked frame first, then an unmasked one on the same connection
        try (RawClient c = open()) {
            c.sendText("masked is fine");
            assertEquals("masked is fine", c.readFrame().text());
            Hostile.writeQuietly(c, frame(0x81, null, 3, utf8("bad")));
            assertFailsWith(c, PROTOCOL_ERROR, "unmasked after masked");
        }
        assertEquals(PROTOCOL_ERROR, poll(closed, "onClosed").code());
    }

    /** 5.2: RSV1-3 "MUST be 0 unless an extension is negotiated"; otherwise fail. */
    @Test
    void reservedBitsWithoutAnExtensionFailWith1002() throws IOException {
        for (int rsv : new int[] {0x40, 0x20, 0x10, 0x70}) {
            expectFailure(frame(0x80 | rsv | 0x1, mask(), 2, utf8("hi")), PROTOCOL_ERROR,
                    "text with rsv " + Integer.toHexString(rsv));
            expectFailure(frame(0x80 | rsv | 0x9, mask(), 0, new byte[0]), PROTOCOL_ERROR,
                    "ping with rsv " + Integer.toHexString(rsv));
        }
    }

    /** 5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail_". */
    @Test
    void reservedOpcodesFailWith1002() throws IOException {
        for (int op : new int[] {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
            expectFailure(frame(0x80 | op, mask(), 3, utf8("abc")), PROTOCOL_ERROR, "opcode " + op);
        }
        // also in the middle of a fragmented message
        try (RawClient c = open()) {
            Hostile.writeQuietly(c, concat(masked(0x1, false, utf8("part")), frame(0x83, mask(), 0, new byte[0])));
            assertFailsWith(c, PROTOCOL_ERROR, "reserved opcode inside a message");
        }
        assertEquals(PROTOCOL_ERROR, poll(closed, "onClosed").code());
    }

    /** 5.5: control frames have at most 125 bytes of payload and are never fragmented. */
    @Test
    void oversizedOrFragmentedControlFramesFailWith1002() throws IOException {
        expectFailure(frame(0x89, mask(), 126, new byte[126]), PROTOCOL_ERROR, "ping of 126 bytes");
        expectFailure(frame(0x8a, mask(), 200, new byte[200]), PROTOCOL_ERROR, "pong of 200 bytes");
        expectFailure(frame(0x88, mask(), 70_000, new byte[100]), PROTOCOL_ERROR, "close declaring 70000 bytes");
        expectFailure(frame(0x09, mask(), 2, utf8("no")), PROTOCOL_ERROR, "ping without FIN");
        expectFailure(frame(0x08, mask(), 2, closePayload(1000, new byte[0])), PROTOCOL_ERROR, "close without FIN");
    }

    /** 5.4: a continuation frame needs a message in progress; a new message needs none. */
    @Test
    void continuationWithoutAStartAndANewMessageInsideOneFailWith1002() throws IOException {
        expectFailure(masked(0x0, true, utf8("orphan")), PROTOCOL_ERROR, "continuation without a start");
        expectFailure(masked(0x0, false, utf8("orphan")), PROTOCOL_ERROR, "unfinished continuation without a start");
        expectFailure(concat(masked(0x1, false, utf8("one")), masked(0x1, true, utf8("two"))), PROTOCOL_ERROR,
                "text inside a text message");
        expectFailure(concat(masked(0x2, false, utf8("one")), masked(0x1, true, utf8("two"))), PROTOCOL_ERROR,
                "text inside a binary message");
        // a complete message followed by a continuation: the message is echoed first (lws patch 0124)
        try (RawClient c = open()) {
            Hostile.writeQuietly(c, concat(masked(0x1, true, utf8("done")), masked(0x0, true, utf8("more"))));
            assertEquals("done", c.readFrame().text(), "the complete message before the bad continuation");
            assertFailsWith(c, PROTOCOL_ERROR, "continuation after a final frame");
        }
        assertEquals(PROTOCOL_ERROR, poll(closed, "continuation after a final frame: onClosed").code());
    }

    /** 5.4/5.5: control frames may come between fragments; the message still arrives whole. */
    @Test
    void controlFramesBetweenFragmentsAreAnsweredAndTheMessageAssembled() throws IOException {
        try (RawClient c = open()) {
            c.write(concat(masked(0x1, false, utf8("hel")), masked(0x9, true, utf8("ping")),
                    masked(0x0, false, utf8("lo ")), masked(0xa, true, utf8("unsolicited")),
                    masked(0x0, true, utf8("world"))));
            RawClient.Frame pong = c.readFrame();
            assertEquals(0xa, pong.opcode());
            assertEquals("ping", pong.text());
            RawClient.Frame msg = c.readFrame();
            assertEquals(0x1, msg.opcode());
            assertEquals("hello world", msg.text());
            c.sendFrame(0x8, true, closePayload(1000, new byte[0]));
            assertCloseAnswer(c, 1000, "close");
            assertEofWithin(c, 8000, "after the close handshake");
        }
        assertEquals(1000, poll(closed, "onClosed").code());
    }

    /** 5.2: "the most significant bit MUST be 0" in a 64-bit length. */
    @Test
    void sixtyFourBitLengthWithTheTopBitSetFailsWith1002() throws IOException {
        for (long len : new long[] {Long.MIN_VALUE, -1L, 0x8000_0000_0000_0001L}) {
            expectFailure(frame(0x82, mask(), len, new byte[16]), PROTOCOL_ERROR, "length " + Long.toHexString(len));
        }
    }

    /**
     * A declared length of nearly 2^63: the server must not try to allocate it. The
     * message passes maxMessageSize (16 MiB by default) long before: 1009.
     */
    @Test
    void hugeDeclaredLengthEndsWith1009NotAnAllocation() throws IOException {
        try (RawClient c = open()) {
            c.write(frame(0x82, mask(), Long.MAX_VALUE, new byte[0]));
            // a writer thread, so that a server that stops reading cannot block the test
            Thread writer = Hostile.streamInBackground(c, 25 * 1024 * 1024);
            try {
                assertFailsWith(c, CloseCodes.MESSAGE_TOO_BIG, "2^63-1 declared");
            } finally {
                c.close();
                writer.join(10_000);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(CloseCodes.MESSAGE_TOO_BIG, poll(closed, "onClosed").code());
    }

    /**
     * A declared length beyond what is sent (but within maxMessageSize), then the peer
     * goes: 1006 for the handler, nothing delivered.
     */
    @Test
    void declaredLengthLargerThanWhatIsSentThenEofIsAnAbnormalClose() throws IOException {
        for (long declared : new long[] {1000, 70_000, 1L << 20}) {
            try (RawClient c = open()) {
                c.write(frame(0x82, mask(), declared, new byte[100]));
                sleep(50);
            }
            Hostile.Closed seen = poll(closed, "onClosed");
            assertEquals(CloseCodes.ABNORMAL, seen.code(), "declared " + declared);
        }
        // and a connection stalled halfway through a frame does not stall anyone else
        try (RawClient c = open()) {
            c.write(frame(0x81, mask(), 10_000, utf8("partial")));
            bystander.assertEchoes("not blocked by a stalled frame");
        }
        poll(closed, "onClosed");
    }

    // ---- text and close payloads ----------------------------------------------------

    /** 8.1: invalid UTF-8 in a text message fails the connection with 1007. */
    @Test
    void invalidUtf8InTextFailsWith1007() throws IOException {
        byte[][] bad = {
            bytes(0xc3, 0x28),               // bad continuation
            bytes(0x80),                     // lone continuation byte
            bytes(0xc0, 0xaf),               // overlong '/'
            bytes(0xe0, 0x80, 0xaf),         // overlong, three bytes
            bytes(0xed, 0xa0, 0x80),         // UTF-16 surrogate
            bytes(0xf4, 0x90, 0x80, 0x80),   // above U+10FFFF
            bytes(0xf8, 0x88, 0x80, 0x80, 0x80), // five-byte form
            bytes(0xff),
            bytes(0xe2, 0x82),               // truncated at the end of the message
        };
        for (byte[] b : bad) {
            expectFailure(masked(0x1, true, concat(utf8("ok "), b)), INVALID_PAYLOAD, "text " + hex(b));
        }
        // truncated at the end of a fragmented message, each fragment fine so far
        expectFailure(concat(masked(0x1, false, utf8("a\u20ac")), masked(0x0, true, bytes(0xe2, 0x82))),
                INVALID_PAYLOAD, "message ends inside a character");
        // the invalid byte in the first fragment: failed before the message ends
        try (RawClient c = open()) {
            c.write(masked(0x1, false, bytes('x', 0xff)));
            assertFailsWith(c, INVALID_PAYLOAD, "fail fast in the first fragment");
        }
        assertEquals(INVALID_PAYLOAD, poll(closed, "onClosed").code());
    }

    /**
     * Empty fragments are legal anywhere in a message, the first one included (found by
     * the fuzzer under UBSan: the glue copied 0 bytes into a buffer not yet made).
     */
    @Test
    void emptyFragmentsAreLegal() throws IOException {
        try (RawClient c = open()) {
            c.write(concat(masked(0x1, false, new byte[0]), masked(0x0, false, utf8("ab")),
                    masked(0x0, false, new byte[0]), masked(0x0, true, utf8("c"))));
            assertEquals("abc", c.readFrame().text());
            c.write(concat(masked(0x2, false, new byte[0]), masked(0x0, true, new byte[0])));
            RawClient.Frame f = c.readFrame();
            assertEquals(0x2, f.opcode());
            assertEquals(0, f.payload().length);
        }
        poll(closed, "onClosed");
    }

    /** A character split across fragments is valid: the message arrives whole. */
    @Test
    void aCharacterSplitAcrossFragmentsIsValid() throws IOException {
        byte[] euro = utf8("\u20ac");
        try (RawClient c = open()) {
            c.write(concat(masked(0x1, false, new byte[] {euro[0]}), masked(0x0, false, new byte[] {euro[1]}),
                    masked(0x0, true, new byte[] {euro[2]})));
            assertEquals("\u20ac", c.readFrame().text());
        }
        poll(closed, "onClosed");
    }

    /** 5.5.1 and 7.1.6: a close reason must be UTF-8: 1007 otherwise. */
    @Test
    void invalidUtf8InACloseReasonFailsWith1007() throws IOException {
        expectFailure(masked(0x8, true, closePayload(1000, bytes(0xc3, 0x28))), INVALID_PAYLOAD, "close reason c3 28");
        expectFailure(masked(0x8, true, closePayload(1001, bytes('b', 'y', 'e', 0xed, 0xa0, 0x80))), INVALID_PAYLOAD,
                "close reason with a surrogate");
    }

    /** 5.5.1: a close payload is empty or a 2-byte code and a reason; one byte is a protocol error. */
    @Test
    void aOneByteClosePayloadFailsWith1002() throws IOException {
        expectFailure(masked(0x8, true, bytes(0x03)), PROTOCOL_ERROR, "1-byte close payload");
    }

    /** 7.4: codes that may not be sent are a protocol error. */
    @Test
    void invalidCloseCodesFailWith1002() throws IOException {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
            try (RawClient c = open()) {
                c.write(masked(0x8, true, closePayload(code, utf8("x"))));
                RawClient.Frame f = c.readFrame();
                assertEquals(0x8, f.opcode(), "code " + code);
                assertEquals(PROTOCOL_ERROR, f.closeCode(), "answer to close code " + code);
                assertEofWithin(c, 8000, "code " + code);
            }
            assertEquals(PROTOCOL_ERROR, poll(closed, "onClosed of " + code).code());
        }
    }

    /** 5.5.1: a valid close is answered with the same code, and the handler sees code and reason. */
    @Test
    void validCloseCodesAreEchoedAndReported() throws IOException {
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
            try (RawClient c = open()) {
                c.write(masked(0x8, true, closePayload(code, utf8("r\u00e9ason"))));
                assertCloseAnswer(c, code, "code " + code);
                assertEofWithin(c, 8000, "code " + code);
            }
            Hostile.Closed seen = poll(closed, "onClosed of " + code);
            assertEquals(code, seen.code());
            assertEquals("r\u00e9ason", seen.reason());
        }
        // no payload at all: answered, and the handler sees 1005 (no status)
        try (RawClient c = open()) {
            c.write(masked(0x8, true, new byte[0]));
            RawClient.Frame f = c.readFrame();
            assertEquals(0x8, f.opcode());
            assertTrue(f.payload().length == 0 || f.closeCode() == 1000, "answer to an empty close");
            assertEofWithin(c, 8000, "empty close");
        }
        assertEquals(CloseCodes.NO_STATUS, poll(closed, "onClosed").code());
    }

    // ---- control frame handling -----------------------------------------------------

    /**
     * 5.5.2/5.5.3: a ping gets a pong with its payload; of several pings not yet
     * answered, at least the most recent one must be answered.
     */
    @Test
    void pingsAreAnsweredAndTheMostRecentOneIsNeverDropped() throws IOException {
        try (RawClient c = open()) {
            byte[] max = new byte[125];
            for (int i = 0; i < max.length; i++) {
                max[i] = (byte) i;
            }
            c.write(masked(0x9, true, max));
            RawClient.Frame f = c.readFrame();
            assertEquals(0xa, f.opcode());
            assertArrayEquals(max, f.payload());

            c.write(concat(masked(0x9, true, utf8("first")), masked(0x9, true, utf8("second"))));
            c.sendText("marker");
            // up to the echo of "marker": pongs; the last pong carries "second"
            String lastPong = null;
            for (int i = 0; i < 4; i++) {
                RawClient.Frame g = c.readFrame();
                if (g.opcode() == 0x1) {
                    assertEquals("marker", g.text());
                    break;
                }
                assertEquals(0xa, g.opcode());
                lastPong = g.text();
            }
            assertEquals("second", lastPong, "the most recent ping was not answered");
        }
        poll(closed, "onClosed");
    }

    /** An empty ping and unsolicited pongs are fine. */
    @Test
    void emptyPingAndUnsolicitedPongsAreHarmless() throws IOException {
        try (RawClient c = open()) {
            c.write(concat(masked(0xa, true, utf8("unasked")), masked(0xa, true, new byte[0]),
                    masked(0x9, true, new byte[0])));
            RawClient.Frame f = c.readFrame();
            assertEquals(0xa, f.opcode());
            assertEquals(0, f.payload().length);
            c.sendText("still fine");
            assertEquals("still fine", c.readFrame().text());
        }
        poll(closed, "onClosed");
    }

    /**
     * After it has answered a close, the server sends nothing more, even if the peer
     * goes on sending data and pings.
     */
    @Test
    void nothingIsSentAfterTheServersClose() throws IOException {
        try (RawClient c = open()) {
            c.write(concat(masked(0x8, true, closePayload(1000, new byte[0])), masked(0x1, true, utf8("late")),
                    masked(0x9, true, utf8("late ping"))));
            assertCloseAnswer(c, 1000, "close answer");
            assertEofWithin(c, 8000, "after close");
        }
        poll(closed, "onClosed");
    }

    /**
     * 5.5.1: nothing follows a close frame. A valid message and a protocol error in one
     * packet: the handler answers the message while lws is already closing; that
     * answer must not be written after the close frame (it may come before it).
     */
    @Test
    void noEchoFollowsTheCloseFrameOfAFailedConnection() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (RawClient c = open()) {
                c.write(concat(masked(0x1, true, utf8("echo me " + i)), frame(0x81, null, 1, utf8("x"))));
                RawClient.Frame f = c.readFrame();
                if (f.opcode() == 0x1) {
                    assertEquals("echo me " + i, f.text());
                    f = c.readFrame();
                }
                assertEquals(0x8, f.opcode(), "expected the close frame");
                assertEquals(PROTOCOL_ERROR, f.closeCode());
                Hostile.writeQuietly(c, masked(0x8, true, closePayload(PROTOCOL_ERROR, new byte[0])));
                assertEofWithin(c, 3000, "round " + i);
            }
            assertEquals(PROTOCOL_ERROR, poll(closed, "onClosed").code());
        }
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
