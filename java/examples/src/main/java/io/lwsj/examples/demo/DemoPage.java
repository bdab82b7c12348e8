package io.lwsj.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo page both test servers serve (the idiomatic one and the classic port):
 * packaged under demo-www/ on the class path, unpacked to a temporary document root.
 */
public final class DemoPage {
    private static final List<String> FILES = List.of("index.html", "demo.js");

    private static final Map<String, String> MIME_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "ico", "image/x-icon",
            "png", "image/png",
            "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");

    private DemoPage() {
    }

    /** The MIME type for a path by its extension; null when it has none or an unknown one. */
    public static String mimeType(String path) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        if (dot <= slash + 1) {
            return null; // no extension, or a dot file
        }
        return MIME_TYPES.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Copies the packaged page to a new temporary directory (the caller deletes it with {@link #delete}). */
    public static Path unpack(String tempPrefix) throws IOException {
        Path dir = Files.createTempDirectory(tempPrefix);
        for (String name : FILES) {
            try (InputStream in = DemoPage.class.getResourceAsStream("/demo-www/" + name)) {
                if (in == null) {
                    delete(dir);
                    throw new IOException("demo-www/" + name + " is missing from the class path");
                }
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }

    /** Deletes a directory tree made by {@link #unpack}; null: nothing. Failures are reported, not thrown. */
    public static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
