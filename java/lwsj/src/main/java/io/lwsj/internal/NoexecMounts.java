package io.lwsj.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a folder lies on a file system mounted {@code noexec}, where the dynamic loader
 * refuses to map a library ("failed to map segment"): often the case for /tmp on hardened
 * machines and in containers. Read from /proc/self/mountinfo, so only on Linux.
 */
final class NoexecMounts {
    private NoexecMounts() {}

    static boolean isNoexec(Path dir) {
        try {
            return isNoexec(dir.toRealPath(), Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The mount whose mount point is the longest prefix of {@code dir} decides. */
    static boolean isNoexec(Path dir, List<String> mountinfo) {
        String best = null;
        boolean noexec = false;
        for (String line : mountinfo) {
            // id parent major:minor root mount-point mount-options ...
            String[] f = line.split(" ");
            if (f.length < 6) {
                continue;
            }
            String point = unescape(f[4]);
            if (dir.startsWith(point) && (best == null || point.length() >= best.length())) {
                best = point;
                noexec = List.of(f[5].split(",")).contains("noexec");
            }
        }
        return noexec;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException notAnEscape) {
                    // taken as it is
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
