package io.lwsj;

import static io.lwsj.TestData.asciiText;
import static io.lwsj.TestData.copy;
import static io.lwsj.TestData.pattern;
import static io.lwsj.Waits.poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Fragment-level receive (libwebsockets_remaining_packet_payload / final fragment). */
class FragmentReceiveTest extends ServerTestSupport {

    record Fragment(byte[] data, boolean binary, boolean first, boolean last, long remaining) {}

    /** Collects fragments; when a message's last one arrives, hands the whole list over. */
    static final class Collector implements Handler<Void> {
        final BlockingQueue<List<Fragment>> messages = new LinkedBlockingQueue<>();
        final AtomicInteger wholeMessageCalls = new AtomicInteger();
        private List<Fragment> current = new ArrayList<>();

        @Override
        public void onFragment(Connection c, Void s, ByteBuffer data, boolean binary, boolean first, boolean last,
                               long remaining) {
            current.add(new Fragment(copy(data), binary, first, last, remaining));
            if (last) {
                messages.add(current);
                current = new ArrayList<>();
                c.sendText("got");
            }
        }

        @Override
        public void onText(Connection c, Void s, String text) {
            wholeMessageCalls.incrementAndGet();
        }

        @Override
        public void onBinary(Connection c, Void s, ByteBuffer data) {
            wholeMessageCalls.incrementAndGet();
        }
    }

    static byte[] concat(List<Fragment> fs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        fs.forEach(f -> b.writeBytes(f.data()));
        return b.toByteArray();
    }

    /** first only on the first fragment, last only on the last, one binary flag throughout. */
    static void assertWellFormed(List<Fragment> fs, boolean binary) {
        assertFalse(fs.isEmpty());
        for (int i = 0; i < fs.size(); i++) {
            Fragment f = fs.get(i);
            assertEquals(i == 0, f.first(), "first flag of fragment " + i + " of " + fs.size());
            assertEquals(i == fs.size() - 1, f.last(), "last flag of fragment " + i + " of " + fs.size());
            assertEquals(binary, f.binary(), "binary flag of fragment " + i);
            assertTrue(f.remaining() >= 0, "remaining " + f.remaining());
        }
        assertEquals(0, fs.get(fs.size() - 1).remaining(), "remaining on the last fragment");
    }

    private Collector collector;

    private WsTestClient connect(int receiveBufferSize) {
        collector = new Collector();
        Protocol<Void> p = Protocol.builder("frag", collector).receiveFragments(true)
                .receiveBufferSize(receiveBufferSize).build();
        LwsContext ctx = start(p);
        return client(ctx, "frag");
    }

    @Test
    void fragmentsCarryFirstLastAndBinaryFlagsAndConcatenateToTheMessage() {
        WsTestClient c = connect(4096);
        byte[] msg = pattern(1000);
        c.sendBinary(msg);
        assertEquals("got", c.nextText());
        List<Fragment> fs = poll(collector.messages, "fragments");
        assertWellFormed(fs, true);
        assertArrayEquals(msg, concat(fs));
        assertEquals(0, collector.wholeMessageCalls.get(), "onText/onBinary calls with receiveFragments");
    }

    @Test
    void textFragmentsAreNotFlaggedBinary() {
        WsTestClient c = connect(128);
        String msg = asciiText(1000);
        c.sendText(msg);
        assertEquals("got", c.nextText());
        List<Fragment> fs = poll(collector.messages, "fragments");
        assertWellFormed(fs, false);
        assertEquals(msg, new String(concat(fs), StandardCharsets.UTF_8));
    }

    @Test
    void smallReceiveBufferSplitsA10KbMessageIntoSeveralFragments() {
        WsTestClient c = connect(128);
        byte[] msg = pattern(10 * 1024);
        c.sendBinary(msg);
        assertEquals("got", c.nextText());
        List<Fragment> fs = poll(collector.messages, "fragments");
        assertTrue(fs.size() >= 10, "only " + fs.size() + " fragments for 10 KiB with a 128-byte buffer");
        for (Fragment f : fs) {
            assertTrue(f.data().length <= 128, "a fragment of " + f.data().length + " bytes");
        }
        assertWellFormed(fs, true);
        assertArrayEquals(msg, concat(fs));
        // remaining counts down within the frame
        long total = msg.length;
        long seen = 0;
        for (Fragment f : fs) {
            seen += f.data().length;
            assertEquals(total - seen, f.remaining(), "remaining after " + seen + " bytes");
        }
    }

    @Test
    void aMessageSentInSeveralFramesHasOneFirstAndOneLast() {
        WsTestClient c = connect(4096);
        byte[] all = pattern(3000);
        c.sendBinaryPart(Arrays.copyOfRange(all, 0, 1000), false);
        c.sendBinaryPart(Arrays.copyOfRange(all, 1000, 2000), false);
        c.sendBinaryPart(Arrays.copyOfRange(all, 2000, 3000), true);
        assertEquals("got", c.nextText());
        List<Fragment> fs = poll(collector.messages, "fragments");
        assertTrue(fs.size() >= 3, fs.size() + " fragments for 3 frames");
        assertWellFormed(fs, true);
        assertArrayEquals(all, concat(fs));
        // and the next message starts afresh
        c.sendText("second");
        assertEquals("got", c.nextText());
        List<Fragment> next = poll(collector.messages, "second message");
        assertWellFormed(next, false);
        assertEquals("second", new String(concat(next), StandardCharsets.UTF_8));
    }

    @Test
    void aProtocolChosenByPathUsesItsOwnReceiveSettings() {
        collector = new Collector();
        Protocol<Void> first = echo("first"); // default 4096-byte receive buffer, whole messages
        Protocol<Void> frag = Protocol.builder("frag", collector).receiveFragments(true).receiveBufferSize(128)
                .path("/frag").build();
        LwsContext ctx = start(first, frag);
        WsTestClient c = closeLater(WsTestClient.connectPath(ctx.port(), "/frag"));
        byte[] msg = pattern(2048);
        c.sendBinary(msg);
        assertEquals("got", c.nextText());
        List<Fragment> fs = poll(collector.messages, "fragments");
        assertWellFormed(fs, true);
        assertArrayEquals(msg, concat(fs));
        for (Fragment f : fs) {
            assertTrue(f.data().length <= 128, "a fragment of " + f.data().length
                    + " bytes: the path-selected protocol's receiveBufferSize(128) is not used");
        }
    }
}
