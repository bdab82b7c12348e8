package io.lwsj.examples.demo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Draws the demo's favicon in code: a 16x16, 32-bit ICO (one BMP image), a blue disc
 * with a white ring, so the repository carries no binary file.
 */
final class Favicon {
    private static final int SIZE = 16;

    private Favicon() {}

    /** The bytes of a complete .ico file. */
    static byte[] ico() {
        int pixelBytes = SIZE * SIZE * 4;
        int maskRowBytes = ((SIZE + 31) / 32) * 4; // 1 bit per pixel, rows padded to 32 bits
        int maskBytes = maskRowBytes * SIZE;
        int imageBytes = 40 + pixelBytes + maskBytes;
        ByteBuffer b = ByteBuffer.allocate(6 + 16 + imageBytes).order(ByteOrder.LITTLE_ENDIAN);

        // ICONDIR: reserved, type 1 (icon), one image
        b.putShort((short) 0).putShort((short) 1).putShort((short) 1);
        // ICONDIRENTRY: width, height, colours (0: more than 256), reserved,
        // colour planes, bits per pixel, size of the image data, its offset
        b.put((byte) SIZE).put((byte) SIZE).put((byte) 0).put((byte) 0);
        b.putShort((short) 1).putShort((short) 32).putInt(imageBytes).putInt(6 + 16);

        // BITMAPINFOHEADER; the height counts the colour rows and the mask rows
        b.putInt(40).putInt(SIZE).putInt(SIZE * 2).putShort((short) 1).putShort((short) 32)
                .putInt(0).putInt(pixelBytes + maskBytes).putInt(0).putInt(0).putInt(0).putInt(0);

        // pixels, bottom row first, as B G R A
        for (int row = SIZE - 1; row >= 0; row--) {
            for (int col = 0; col < SIZE; col++) {
                int argb = pixel(col, row);
                b.put((byte) argb).put((byte) (argb >>> 8)).put((byte) (argb >>> 16)).put((byte) (argb >>> 24));
            }
        }
        // AND mask all zero: the alpha channel decides transparency
        b.put(new byte[maskBytes]);
        return b.array();
    }

    /** The colour of one pixel (ARGB), from 4x4 samples so the edges are smooth. */
    private static int pixel(int col, int row) {
        int disc = 0;
        int ring = 0;
        for (int sy = 0; sy < 4; sy++) {
            for (int sx = 0; sx < 4; sx++) {
                double x = col + (sx + 0.5) / 4 - SIZE / 2.0;
                double y = row + (sy + 0.5) / 4 - SIZE / 2.0;
                double r = Math.sqrt(x * x + y * y);
                if (r <= 7.5) {
                    disc++;
                    if (r >= 3.0 && r <= 4.6) {
                        ring++;
                    }
                }
            }
        }
        if (disc == 0) {
            return 0;
        }
        int alpha = disc * 255 / 16;
        // blend white into blue (#1f5fae) by the ring's share of the covered samples
        int red = mix(0x1f, 0xff, ring, disc);
        int green = mix(0x5f, 0xff, ring, disc);
        int blue = mix(0xae, 0xff, ring, disc);
        return alpha << 24 | red << 16 | green << 8 | blue;
    }

    private static int mix(int from, int to, int part, int whole) {
        return from + (to - from) * part / whole;
    }
}
