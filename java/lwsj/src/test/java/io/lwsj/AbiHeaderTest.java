package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lwsj.internal.Abi;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One definition of the ABI: every numeric constant of native/include/lwsj.h has its
 * twin in {@link Abi}, with the same value, and Abi has nothing the header lacks.
 */
class AbiHeaderTest {
    /** #defines that are not numbers Java needs: the export macro and the include guard. */
    static final Set<String> NOT_CONSTANTS = Set.of("API", "H");

    static Map<String, Long> headerConstants() throws IOException {
        Path header = Path.of("..", "..", "native", "include", "lwsj.h");
        String text = Files.readString(header);
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#define LWSJ_([A-Z0-9_]+)\\s+(.*?)\\s*(/\\*.*)?$").matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (NOT_CONSTANTS.contains(name) || m.group(2).isEmpty()) {
                continue;
            }
            out.put(name, evaluate(m.group(2)));
        }
        return out;
    }

    /** The header's values: decimal or hex, negative, or a product in parentheses. */
    static long evaluate(String v) {
        String e = v.replace("(", "").replace(")", "").trim();
        long r = 1;
        for (String f : e.split("\\*")) {
            String t = f.trim();
            boolean neg = t.startsWith("-");
            t = neg ? t.substring(1) : t;
            long n = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            r *= neg ? -n : n;
        }
        return r;
    }

    @Test
    void everyHeaderConstantHasTheSameValueInAbi() throws Exception {
        Map<String, Long> header = headerConstants();
        assertTrue(header.size() > 60, "read only " + header.size() + " constants from lwsj.h");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : header.entrySet()) {
            Field f;
            try {
                f = Abi.class.getField(e.getKey());
            } catch (NoSuchFieldException missing) {
                wrong.add("Abi has no " + e.getKey() + " (lwsj.h: " + e.getValue() + ")");
                continue;
            }
            long java = ((Number) f.get(null)).longValue();
            if (java != e.getValue()) {
                wrong.add(e.getKey() + ": lwsj.h " + e.getValue() + ", Abi " + java);
            }
        }
        assertTrue(wrong.isEmpty(), "Abi and lwsj.h differ: " + wrong);
    }

    @Test
    void abiHasNothingTheHeaderLacks() throws Exception {
        Map<String, Long> header = headerConstants();
        List<String> extra = new ArrayList<>();
        for (Field f : Abi.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && !header.containsKey(f.getName())) {
                extra.add(f.getName());
            }
        }
        assertEquals(List.of(), extra, "constants in Abi that lwsj.h does not define");
    }
}
