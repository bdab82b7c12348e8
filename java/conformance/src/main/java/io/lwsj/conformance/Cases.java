package io.lwsj.conformance;

import static io.lwsj.conformance.Wire.BINARY;
import static io.lwsj.conformance.Wire.CLOSE;
import static io.lwsj.conformance.Wire.CONT;
import static io.lwsj.conformance.Wire.PING;
import static io.lwsj.conformance.Wire.PONG;
import static io.lwsj.conformance.Wire.TEXT;
import static io.lwsj.conformance.Wire.closePayload;
import static io.lwsj.conformance.Wire.concat;
import static io.lwsj.conformance.Wire.hex;
import static io.lwsj.conformance.Wire.utf8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The cases, written from RFC 6455 and RFC 7692 for the ground Autobahn|Testsuite covers:
 * framing, pings and pongs, reserved bits and opcodes, fragmentation, UTF-8, limits,
 * closing, permessage-deflate. The peer under test echoes every message it gets; each
 * case says what it must do and grades it (Run).
 */
final class Cases {
    private Cases() {}

    interface Body {
        void run(Run r);
    }

    /**
     * One case. deflate: null for no extension, else the permessage-deflate parameters to
     * agree ("" for none): offered as they are in server mode, answered in client mode.
     */
    record Case(String id, String category, String title, String deflate, Body body) {}

    static final int[] SIZES = {0, 1, 125, 126, 127, 128, 65535, 65536, 1 << 20, 16 << 20};

    static byte[] text(int n) {
        byte[] b = new byte[n];
        String s = "The quick brown fox jumps over the lazy dog. ";
        for (int i = 0; i < n; i++) {
            b[i] = (byte) s.charAt(i % s.length());
        }
        return b;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static List<Case> all() {
        List<Case> c = new ArrayList<>();
        framing(c);
        pings(c);
        reserved(c);
        fragmentation(c);
        utf8Cases(c);
        closing(c);
        limits(c);
        deflate(c);
        return c;
    }

    static void add(List<Case> c, String id, String category, String title, Body body) {
        c.add(new Case(id, category, title, null, body));
    }

    // ---- 1 framing ------------------------------------------------------------------

    static void framing(List<Case> c) {
        int i = 1;
        for (int n : SIZES) {
            add(c, "1.1." + i++, "framing", "text message of " + n + " bytes, one frame", r -> {
                byte[] p = text(n);
                r.send(r.peer.frame(TEXT, true, 0, p));
                r.echo(TEXT, p, "text " + n);
                r.closesCleanly();
            });
        }
        i = 1;
        for (int n : SIZES) {
            add(c, "1.2." + i++, "framing", "binary message of " + n + " bytes, one frame", r -> {
                byte[] p = random(n, n);
                r.send(r.peer.frame(BINARY, true, 0, p));
                r.echo(BINARY, p, "binary " + n);
                r.closesCleanly();
            });
        }
        add(c, "1.3.1", "framing", "a frame split in two at every byte boundary", r -> {
            byte[] p = text(40);
            byte[] f = r.peer.frame(TEXT, true, 0, p);
            for (int k = 1; k < f.length && !r.failed(); k++) {
                byte[] g = r.peer.frame(TEXT, true, 0, p); // a fresh mask each time
                r.send(Arrays.copyOfRange(g, 0, k));
                sleep(2);
                r.send(Arrays.copyOfRange(g, k, g.length));
                r.echo(TEXT, p, "split after byte " + k);
            }
            r.closesCleanly();
        });
        add(c, "1.3.2", "framing", "frames sent octet by octet (126 and 65,536-byte lengths)", r -> {
            byte[] a = text(126);
            r.send(r.peer.frame(TEXT, true, 0, a), 1);
            r.echo(TEXT, a, "126 bytes, octet-wise");
            byte[] b = random(65536, 7);
            r.send(r.peer.frame(BINARY, true, 0, b), 997);
            r.echo(BINARY, b, "65,536 bytes in 997-byte pieces");
            r.closesCleanly();
        });
        add(c, "1.3.3", "framing", "100 messages in one write", r -> {
            List<byte[]> sent = new ArrayList<>();
            byte[] all = new byte[0];
            for (int k = 0; k < 100; k++) {
                byte[] p = utf8("message " + k);
                sent.add(p);
                all = concat(all, r.peer.frame(TEXT, true, 0, p));
            }
            r.send(all);
            for (int k = 0; k < 100 && !r.failed(); k++) {
                r.echo(TEXT, sent.get(k), "message " + k + " of 100");
            }
            r.closesCleanly();
        });
    }

    // ---- 2 pings and pongs ------------------------------------------------------------

    static void pings(List<Case> c) {
        int i = 1;
        for (int n : new int[] {0, 1, 125}) {
            add(c, "2." + i++, "pings", "ping of " + n + " bytes is answered", r -> {
                byte[] p = random(n, n + 100);
                r.send(r.peer.frame(PING, true, 0, p));
                r.pong(p, "ping of " + n);
                r.closesCleanly();
            });
        }
        add(c, "2.4", "pings", "ping of 126 bytes fails the connection", r -> {
            r.send(r.peer.frame(PING, true, 0, text(126)));
            r.fails("a 126-byte ping", 1002);
        });
        add(c, "2.5", "pings", "fragmented ping fails the connection", r -> {
            r.send(concat(r.peer.frame(PING, false, 0, utf8("frag")), r.peer.frame(CONT, true, 0, utf8("ment"))));
            r.fails("a ping without FIN", 1002);
        });
        add(c, "2.6", "pings", "unsolicited pong without payload is ignored", r -> {
            r.send(r.peer.frame(PONG, true, 0, new byte[0]));
            r.quiet(300, "an unsolicited pong");
            r.send(r.peer.frame(TEXT, true, 0, utf8("after the pong")));
            r.echo(TEXT, utf8("after the pong"), "text after an unsolicited pong");
            r.closesCleanly();
        });
        add(c, "2.7", "pings", "unsolicited pong with payload, then a ping", r -> {
            r.send(concat(r.peer.frame(PONG, true, 0, utf8("unsolicited")), r.peer.frame(PING, true, 0, utf8("solicited"))));
            r.pong(utf8("solicited"), "the ping after an unsolicited pong");
            r.closesCleanly();
        });
        add(c, "2.8", "pings", "10 pings in one write: 10 pongs, in order", r -> {
            tenPings(r, 0);
            r.closesCleanly();
        });
        add(c, "2.9", "pings", "10 pings sent octet by octet: 10 pongs, in order", r -> {
            tenPings(r, 1);
            r.closesCleanly();
        });
        add(c, "2.10", "pings", "pings between the fragments of a message", r -> {
            byte[] all = new byte[0];
            String[] parts = {"one ", "two ", "three"};
            for (int k = 0; k < parts.length; k++) {
                all = concat(all, r.peer.frame(k == 0 ? TEXT : CONT, k == parts.length - 1, 0, utf8(parts[k])),
                        r.peer.frame(PING, true, 0, utf8("p" + k)));
            }
            r.send(all, 3);
            int pongs = 0;
            boolean echoed = false;
            for (int k = 0; k < 4 && !r.failed(); k++) {
                Peer.Event e = r.peer.next(Run.WAIT_MS);
                if (e instanceof Peer.Pong p && Arrays.equals(p.payload(), utf8("p" + pongs))) {
                    pongs++;
                } else if (e instanceof Peer.Message m && Arrays.equals(m.payload(), utf8("one two three"))) {
                    echoed = true;
                } else {
                    r.fail("expected pongs p0..p2 in order and the echo, got " + Run.show(e));
                }
            }
            if (!r.failed() && (pongs != 3 || !echoed)) {
                r.fail(pongs + " pongs, echo " + echoed);
            }
            r.closesCleanly();
        });
    }

    /** Ten pings; all ten pongs in order is OK, only the most recent (RFC 6455 5.5.3 MAY) NON-STRICT. */
    static void tenPings(Run r, int chop) {
        byte[] all = new byte[0];
        for (int k = 0; k < 10; k++) {
            all = concat(all, r.peer.frame(PING, true, 0, utf8("ping " + k)));
        }
        r.send(all, chop);
        List<String> got = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            Peer.Event e = r.peer.next(k == 0 ? Run.WAIT_MS : 500);
            if (e instanceof Peer.Pong p) {
                got.add(new String(p.payload(), java.nio.charset.StandardCharsets.UTF_8));
            } else if (e instanceof Peer.Silent) {
                break;
            } else {
                r.fail("expected pongs, got " + Run.show(e));
                return;
            }
        }
        List<String> all10 = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            all10.add("ping " + k);
        }
        if (got.equals(all10)) {
            return;
        }
        if (!got.isEmpty() && got.get(got.size() - 1).equals("ping 9") && all10.containsAll(got)) {
            r.nonStrict("answered " + got.size() + " of 10 pings, the most recent among them (5.5.3 allows it)");
            return;
        }
        r.fail("pongs " + got + " for pings 0..9");
    }

    // ---- 3 reserved bits, 4 opcodes ----------------------------------------------------

    static void reserved(List<Case> c) {
        int i = 1;
        for (int rsv : new int[] {0x40, 0x20, 0x10, 0x70}) {
            int bits = rsv;
            add(c, "3." + i++, "reserved bits", "RSV 0x" + Integer.toHexString(bits) + " on a text frame, no extension",
                    r -> {
                        r.send(r.peer.frame(TEXT, true, bits, utf8("reserved")));
                        r.fails("RSV bits without an extension", 1002);
                    });
        }
        add(c, "3.5", "reserved bits", "RSV2 on a ping", r -> {
            r.send(r.peer.frame(PING, true, 0x20, utf8("ping")));
            r.fails("RSV bits on a ping", 1002);
        });
        add(c, "3.6", "reserved bits", "RSV3 on a close frame", r -> {
            r.send(r.peer.frame(CLOSE, true, 0x10, closePayload(1000, new byte[0])));
            r.fails("RSV bits on a close", 1002);
        });
        add(c, "3.7", "reserved bits", "a valid message, then RSV2 on the next frame, in one write", r -> {
            r.send(concat(r.peer.frame(TEXT, true, 0, utf8("valid first")), r.peer.frame(TEXT, true, 0x20, utf8("bad"))));
            r.echoThenFails(TEXT, utf8("valid first"), "RSV2 after a valid message", 1002);
        });
        i = 1;
        for (int op : new int[] {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
            add(c, "4." + i++, "opcodes", "reserved opcode 0x" + Integer.toHexString(op), r -> {
                r.send(r.peer.frame(op, true, 0, op < 8 ? utf8("data") : new byte[0]));
                r.fails("reserved opcode " + op, 1002);
            });
        }
        add(c, "4." + i, "opcodes", "a valid message, then a reserved opcode, in one write", r -> {
            r.send(concat(r.peer.frame(TEXT, true, 0, utf8("valid first")), r.peer.frame(5, true, 0, new byte[0])));
            r.echoThenFails(TEXT, utf8("valid first"), "reserved opcode after a valid message", 1002);
        });
    }

    // ---- 5 fragmentation ---------------------------------------------------------------

    static void fragmentation(List<Case> c) {
        add(c, "5.1", "fragmentation", "text in 2 fragments", r -> {
            r.send(r.peer.message(TEXT, utf8("fragmented text"), false, 7));
            r.echo(TEXT, utf8("fragmented text"), "2 fragments");
            r.closesCleanly();
        });
        add(c, "5.2", "fragmentation", "binary in 3 fragments, each its own write", r -> {
            byte[] p = random(300, 5);
            r.send(r.peer.message(BINARY, p, false, 100), 106);
            r.echo(BINARY, p, "3 fragments");
            r.closesCleanly();
        });
        add(c, "5.3", "fragmentation", "an unsolicited pong between fragments", r -> {
            r.send(concat(r.peer.frame(TEXT, false, 0, utf8("a")), r.peer.frame(PONG, true, 0, utf8("x")),
                    r.peer.frame(CONT, true, 0, utf8("b"))));
            r.echo(TEXT, utf8("ab"), "a message around a pong");
            r.closesCleanly();
        });
        add(c, "5.4", "fragmentation", "a continuation frame without a message", r -> {
            r.send(r.peer.frame(CONT, true, 0, utf8("orphan")));
            r.fails("continuation without a start", 1002);
        });
        add(c, "5.5", "fragmentation", "a continuation frame after a final frame", r -> {
            r.send(concat(r.peer.frame(TEXT, true, 0, utf8("done")), r.peer.frame(CONT, true, 0, utf8("more"))));
            r.echoThenFails(TEXT, utf8("done"), "continuation after a final frame", 1002);
        });
        add(c, "5.6", "fragmentation", "a text message inside a text message", r -> {
            r.send(concat(r.peer.frame(TEXT, false, 0, utf8("one")), r.peer.frame(TEXT, true, 0, utf8("two"))));
            r.fails("a new message inside one", 1002);
        });
        add(c, "5.7", "fragmentation", "a fragmented close frame", r -> {
            r.send(concat(r.peer.frame(CLOSE, false, 0, closePayload(1000, new byte[0])), r.peer.frame(CONT, true, 0, new byte[0])));
            r.fails("a close without FIN", 1002);
        });
        add(c, "5.8", "fragmentation", "empty fragments around data", r -> {
            r.send(concat(r.peer.frame(TEXT, false, 0, new byte[0]), r.peer.frame(CONT, false, 0, utf8("middle")),
                    r.peer.frame(CONT, true, 0, new byte[0])));
            r.echo(TEXT, utf8("middle"), "a message with empty fragments");
            r.closesCleanly();
        });
        add(c, "5.9", "fragmentation", "1,000 fragments of 1 byte", r -> {
            byte[] p = text(1000);
            r.send(r.peer.message(TEXT, p, false, 1));
            r.echo(TEXT, p, "1,000 one-byte fragments");
            r.closesCleanly();
        });
    }

    // ---- 6 UTF-8 ---------------------------------------------------------------------------

    static final String[][] VALID = {
        {"ASCII and Latin-1", "48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121"},
        {"Greek kosme", "cebae1bdb9cf83cebccebc"},
        {"U+10FFFF, the highest code point", "f48fbfbf"},
        {"U+FFFF (a noncharacter, still valid)", "efbfbf"},
        {"a BOM", "efbbbf"},
        {"U+D7FF and U+E000 around the surrogates", "ed9fbfee8080"},
    };
    static final String[][] INVALID = {
        {"overlong NUL (C0 80)", "c080"},
        {"overlong two-byte (C1 BF)", "c1bf"},
        {"overlong three-byte (E0 80 80)", "e08080"},
        {"overlong four-byte (F0 80 80 80)", "f0808080"},
        {"high surrogate (ED A0 80)", "eda080"},
        {"low surrogate (ED BF BF)", "edbfbf"},
        {"above U+10FFFF (F4 90 80 80)", "f4908080"},
        {"F5, never valid", "f5808080"},
        {"FE and FF", "feff"},
        {"a lone continuation byte", "80"},
        {"a truncated sequence at the end", "e282"},
        {"kosme with a surrogate inside", "cebae1bdb9eda080cf83cebccebc"},
    };

    static void utf8Cases(List<Case> c) {
        int i = 1;
        for (String[] v : VALID) {
            add(c, "6.1." + i++, "UTF-8", "valid: " + v[0], r -> {
                r.send(r.peer.frame(TEXT, true, 0, hex(v[1])));
                r.echo(TEXT, hex(v[1]), v[0]);
                r.closesCleanly();
            });
        }
        add(c, "6.2.1", "UTF-8", "valid text split into two fragments at every byte", r -> {
            byte[] p = hex(VALID[1][1]);
            for (int k = 1; k < p.length && !r.failed(); k++) {
                r.send(concat(r.peer.frame(TEXT, false, 0, Arrays.copyOfRange(p, 0, k)),
                        r.peer.frame(CONT, true, 0, Arrays.copyOfRange(p, k, p.length))));
                r.echo(TEXT, p, "split after byte " + k);
            }
            r.closesCleanly();
        });
        i = 1;
        for (String[] v : INVALID) {
            add(c, "6.3." + i++, "UTF-8", "invalid: " + v[0], r -> {
                r.send(r.peer.frame(TEXT, true, 0, hex(v[1])));
                r.fails(v[0], 1007);
            });
        }
        add(c, "6.4.1", "UTF-8", "an invalid sequence split across two fragments", r -> {
            r.send(concat(r.peer.frame(TEXT, false, 0, hex("f4")), r.peer.frame(CONT, true, 0, hex("908080"))));
            r.fails("F4 | 90 80 80", 1007);
        });
        add(c, "6.4.2", "UTF-8", "fail fast: invalid in the first fragment, before the rest is sent", r -> {
            r.send(r.peer.frame(TEXT, false, 0, concat(utf8("fine so far "), hex("c0"), utf8("x"))));
            Peer.Event e = r.peer.next(1500);
            if (e instanceof Peer.Silent) {
                r.send(r.peer.frame(CONT, true, 0, utf8(" and the end")));
                r.nonStrict("did not fail at the first invalid byte, only at the message's end");
                r.fails("invalid UTF-8, whole message", 1007);
                return;
            }
            if (e instanceof Peer.Closed cl && cl.code() == 1007) {
                r.peer.writeQuietly(r.peer.frame(CLOSE, true, 0, closePayload(1000, new byte[0])), 0);
                return;
            }
            if (e instanceof Peer.Closed || e instanceof Peer.Ended) {
                r.nonStrict("failed fast, but with " + Run.show(e) + " instead of 1007");
                return;
            }
            r.fail("invalid UTF-8 in a first fragment: " + Run.show(e));
        });
    }

    // ---- 7 closing ---------------------------------------------------------------------

    static final int[] VALID_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
    static final int[] INVALID_CODES = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535};

    static void closing(List<Case> c) {
        int i = 1;
        for (int code : VALID_CODES) {
            add(c, "7.1." + i++, "closing", "close with code " + code + " is answered", r -> closeAnswered(r, code, utf8("bye"), code));
        }
        i = 1;
        for (int code : INVALID_CODES) {
            add(c, "7.2." + i++, "closing", "close with code " + code + " (not sendable) fails with 1002", r -> {
                r.send(r.peer.frame(CLOSE, true, 0, closePayload(code, new byte[0])));
                r.fails("close code " + code, 1002);
            });
        }
        add(c, "7.3.1", "closing", "close without a payload is answered", r -> {
            r.send(r.peer.frame(CLOSE, true, 0, new byte[0]));
            Peer.Event e = r.peer.next(Run.WAIT_MS);
            if (!(e instanceof Peer.Closed cl)) {
                r.fail("an empty close was answered with " + Run.show(e));
            } else if (cl.code() != -1 && cl.code() != 1000) {
                r.nonStrict("an empty close was answered with code " + cl.code());
            }
        });
        add(c, "7.3.2", "closing", "close with a 1-byte payload fails with 1002", r -> {
            r.send(r.peer.frame(CLOSE, true, 0, new byte[] {3}));
            r.fails("a 1-byte close payload", 1002);
        });
        add(c, "7.3.3", "closing", "close with 125 bytes (code and a 123-byte reason) is answered",
                r -> closeAnswered(r, 1000, text(123), 1000));
        add(c, "7.3.4", "closing", "close reason that is not UTF-8 fails with 1007", r -> {
            r.send(r.peer.frame(CLOSE, true, 0, closePayload(1000, hex("cebae1bdb9eda080"))));
            r.fails("a close reason with a surrogate", 1007);
        });
        add(c, "7.4.1", "closing", "data after the close is not answered", r -> {
            r.send(concat(r.peer.frame(CLOSE, true, 0, closePayload(1000, new byte[0])),
                    r.peer.frame(TEXT, true, 0, utf8("after close")), r.peer.frame(PING, true, 0, utf8("after close"))));
            Peer.Event e = r.peer.next(Run.WAIT_MS);
            if (!(e instanceof Peer.Closed)) {
                r.fail("the close was answered with " + Run.show(e));
                return;
            }
            Peer.Event after = r.peer.next(500);
            if (after instanceof Peer.Message || after instanceof Peer.Pong) {
                r.fail("answered what came after its close: " + Run.show(after));
            }
        });
    }

    /** Our close with code and reason must be answered with a close (echoing the code, or NON-STRICT). */
    static void closeAnswered(Run r, int code, byte[] reason, int expected) {
        r.send(r.peer.frame(CLOSE, true, 0, closePayload(code, reason)));
        Peer.Event e = r.peer.next(Run.WAIT_MS);
        if (e instanceof Peer.Closed cl) {
            if (cl.code() != expected) {
                r.nonStrict("close " + code + " answered with " + cl.code() + " (5.5.1: typically the same code)");
            }
            if (r.peer.weAreClient && !r.peer.endsWithin(Run.WAIT_MS)) {
                r.nonStrict("the server kept the TCP connection open after the close handshake");
            }
            return;
        }
        r.fail("close " + code + " was answered with " + Run.show(e));
    }

    // ---- 8 limits ------------------------------------------------------------------------

    static void limits(List<Case> c) {
        add(c, "8.1", "limits", "1 MiB text in 1,024 fragments of 1 KiB", r -> {
            byte[] p = text(1 << 20);
            r.send(r.peer.message(TEXT, p, false, 1024));
            r.echo(TEXT, p, "1 MiB in 1 KiB fragments");
            r.closesCleanly();
        });
        add(c, "8.2", "limits", "1 MB binary in 10,000 fragments of 100 bytes", r -> {
            byte[] p = random(1_000_000, 3);
            r.send(r.peer.message(BINARY, p, false, 100));
            r.echo(BINARY, p, "10,000 fragments");
            r.closesCleanly();
        });
        add(c, "8.3", "limits", "16 MiB binary in 64 KiB fragments", r -> {
            byte[] p = random(16 << 20, 4);
            r.send(r.peer.message(BINARY, p, false, 65536));
            r.echo(BINARY, p, "16 MiB");
            r.closesCleanly();
        });
    }

    // ---- 9 permessage-deflate ------------------------------------------------------------

    static void deflate(List<Case> c) {
        List<String> params = new ArrayList<>(List.of("", "client_no_context_takeover", "server_no_context_takeover",
                "client_no_context_takeover; server_no_context_takeover", "client_max_window_bits"));
        for (int bits = 8; bits <= 15; bits++) {
            params.add("server_max_window_bits=" + bits);
        }
        for (int bits = 8; bits <= 15; bits++) {
            params.add("client_max_window_bits=" + bits);
        }
        params.add("server_max_window_bits=9; client_max_window_bits=9; server_no_context_takeover; client_no_context_takeover");
        int i = 1;
        for (String p : params) {
            c.add(new Case("9.1." + i++, "permessage-deflate", "parameters: " + (p.isEmpty() ? "(none)" : p), p,
                    Cases::deflateExchange));
        }
        c.add(new Case("9.2.1", "permessage-deflate", "a compressed message in 1 KiB frames", "", r -> {
            if (!deflateOn(r)) {
                return;
            }
            byte[] p = random(64 * 1024, 9);
            r.send(r.peer.message(BINARY, p, true, 1024));
            r.echo(BINARY, p, "64 KiB compressed, fragmented");
            r.closesCleanly();
        }));
        c.add(new Case("9.2.2", "permessage-deflate", "compressed and uncompressed messages mixed", "", r -> {
            if (!deflateOn(r)) {
                return;
            }
            for (int k = 0; k < 6 && !r.failed(); k++) {
                byte[] p = text(1000 + k * 777);
                r.send(r.peer.message(TEXT, p, k % 2 == 0, 0));
                r.echo(TEXT, p, (k % 2 == 0 ? "compressed" : "uncompressed") + " message " + k);
            }
            r.closesCleanly();
        }));
        c.add(new Case("9.3.1", "permessage-deflate", "RSV1 on a continuation frame", "", r -> {
            if (!deflateOn(r)) {
                return;
            }
            byte[] z = r.peer.deflate.compress(text(200));
            int half = z.length / 2;
            r.send(concat(r.peer.frame(TEXT, false, 0x40, Arrays.copyOfRange(z, 0, half)),
                    r.peer.frame(CONT, true, 0x40, Arrays.copyOfRange(z, half, z.length))));
            r.fails("RSV1 on a continuation", 1002);
        }));
        c.add(new Case("9.3.2", "permessage-deflate", "RSV1 on a ping", "", r -> {
            if (!deflateOn(r)) {
                return;
            }
            r.send(r.peer.frame(PING, true, 0x40, utf8("ping")));
            r.fails("RSV1 on a ping", 1002);
        }));
        c.add(new Case("9.3.3", "permessage-deflate", "compressed data that is not deflate", "", r -> {
            if (!deflateOn(r)) {
                return;
            }
            r.send(r.peer.frame(BINARY, true, 0x40, hex("ffff000102")));
            r.fails("corrupt deflate data", 1007, 1002);
        }));
    }

    static boolean deflateOn(Run r) {
        if (r.peer.deflate == null) {
            r.nonStrict("permessage-deflate was not agreed (an endpoint may decline an offer)");
            return false;
        }
        return true;
    }

    /** Compressible text, incompressible binary, empty and repeated messages, echoed under the agreed parameters. */
    static void deflateExchange(Run r) {
        if (!deflateOn(r)) {
            r.closesCleanly();
            return;
        }
        byte[][] messages = {text(1024), random(4096, 1), new byte[0], text(65536), text(1024), text(1024)};
        for (int k = 0; k < messages.length && !r.failed(); k++) {
            int op = k == 1 ? BINARY : TEXT;
            r.send(r.peer.message(op, messages[k], true, 0));
            r.echo(op, messages[k], "compressed message " + k);
        }
        r.closesCleanly();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
