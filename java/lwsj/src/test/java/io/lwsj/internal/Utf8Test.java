package io.lwsj.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Utf8.isValid says what the JDK's strict decoder says, for every sequence tried. */
class Utf8Test {
    static boolean jdkAccepts(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static void same(byte[] b) {
        assertEquals(jdkAccepts(b), Utf8.isValid(ByteBuffer.wrap(b)), () -> java.util.HexFormat.of().formatHex(b));
    }

    @Test
    void everyOneAndTwoByteSequenceAndEveryLeadWithItsEdgeContinuations() {
        for (int a = 0; a < 256; a++) {
            same(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                same(new byte[] {(byte) a, (byte) b});
                for (int c : new int[] {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff}) {
                    same(new byte[] {(byte) a, (byte) b, (byte) c});
                    same(new byte[] {(byte) a, (byte) b, (byte) c, (byte) 0x80});
                    same(new byte[] {(byte) a, (byte) b, (byte) c, (byte) 0xbf});
                }
            }
        }
    }

    @Test
    void randomTextWithErrorsAndOnlyThePaddedWindowCounts() {
        Random r = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(12); k > 0; k--) {
                sb.appendCodePoint(r.nextInt(4) == 0 ? r.nextInt(0x80) : 0x80 + r.nextInt(0x10ff80 - 0x800 * (r.nextInt(2))));
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (b.length > 0 && r.nextBoolean()) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            same(b);
            byte[] padded = new byte[b.length + 4];
            padded[0] = (byte) 0xff; // outside the window: must not count
            padded[padded.length - 1] = (byte) 0xc3;
            System.arraycopy(b, 0, padded, 2, b.length);
            assertEquals(jdkAccepts(b), Utf8.isValid(ByteBuffer.wrap(padded, 2, b.length)));
        }
    }
}
