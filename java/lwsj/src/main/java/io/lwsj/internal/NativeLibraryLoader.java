package io.lwsj.internal;

import com.sun.jna.NativeLibrary;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Finds liblwsj and hands it to JNA by path.
 *
 * <ol>
 *   <li>{@code -Dlwsj.library.path=/path/to/liblwsj.so}: that file, nothing else.
 *   <li>Otherwise the natives jar's {@code natives/<platform>/liblwsj.so} (the platform
 *       jar's or the all-platforms jar's), written by {@link LibraryExtractor} to
 *       {@code <folder>/<version>/liblwsj-<version>-<platform>.so}, where the folder is
 *       {@code -Dlwsj.native.dir} if set, else the first of the user's cache
 *       ({@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code lwsj/native}) and
 *       {@code <java.io.tmpdir>/lwsj-<user>} that works. The user's cache comes first
 *       because the temporary folder is often mounted {@code noexec}.
 * </ol>
 *
 * When nothing loads, the error says what was tried, why each failed (each failure is
 * attached), and what to set.
 */
final class NativeLibraryLoader {
    static final String PATH_PROPERTY = "lwsj.library.path";
    static final String DIR_PROPERTY = "lwsj.native.dir";

    private NativeLibraryLoader() {}

    static NativeLibrary load() {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            File f = new File(override);
            if (!f.isFile()) {
                throw new UnsatisfiedLinkError("-D" + PATH_PROPERTY + "=" + override + " is not a file");
            }
            return NativeLibrary.getInstance(f.getAbsolutePath(), LwsjNative.libraryOptions());
        }
        NativePlatform platform = NativePlatform.current();
        if (platform.os().toLowerCase(java.util.Locale.ROOT).contains("linux")
                && NativePlatform.usesMusl(Path.of("/proc/self/maps"))) {
            throw new UnsatisfiedLinkError("lwsj's Linux libraries need glibc 2.17 or newer, and this JVM runs on musl"
                    + " (Alpine or the like): run on a glibc-based image (Debian, Ubuntu, RHEL, Amazon Linux, ...)"
                    + " or set -D" + PATH_PROPERTY + "=/path/to/liblwsj.so built on this system");
        }
        byte[] library = readLibrary(platform);
        String version = version();
        String name = versionedName(platform, version);

        List<Attempt> attempts = new ArrayList<>();
        for (Folder folder : folders()) {
            Path written = null;
            try {
                written = LibraryExtractor.extract(library, folder.path(), folder.shared(), version, name);
                return NativeLibrary.getInstance(written.toString(), LwsjNative.libraryOptions());
            } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
                attempts.add(new Attempt(folder, written, e));
            }
        }
        throw failure(platform, attempts);
    }

    private record Folder(Path path, boolean shared, String origin) {}

    private record Attempt(Folder folder, Path written, Throwable error) {
        boolean noexec() {
            return written != null && NoexecMounts.isNoexec(written.getParent());
        }

        String describe() {
            String what = written == null
                    ? "could not write the library below " + folder.path() + " (" + folder.origin() + "): "
                    : "wrote " + written + " (" + folder.origin() + ") but could not load it: ";
            if (noexec()) {
                what += "its file system is mounted noexec; ";
            }
            return what + error;
        }
    }

    private static List<Folder> folders() {
        String set = System.getProperty(DIR_PROPERTY);
        if (set != null && !set.isBlank()) {
            return List.of(new Folder(Path.of(set).toAbsolutePath(), false, "-D" + DIR_PROPERTY));
        }
        List<Folder> folders = new ArrayList<>();
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home", "");
        if (xdg != null && xdg.startsWith("/")) {
            folders.add(new Folder(Path.of(xdg, "lwsj", "native"), false, "$XDG_CACHE_HOME"));
        } else if (home.startsWith("/")) {
            folders.add(new Folder(Path.of(home, ".cache", "lwsj", "native"), false, "the user's cache"));
        }
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        folders.add(new Folder(Path.of(System.getProperty("java.io.tmpdir"), "lwsj-" + user), true, "java.io.tmpdir"));
        return folders;
    }

    private static byte[] readLibrary(NativePlatform platform) {
        ClassLoader loader = LwsjNative.class.getClassLoader();
        InputStream in = loader == null ? null : loader.getResourceAsStream(platform.resource());
        if (in == null) {
            String classifier = platform.classifier();
            throw new UnsatisfiedLinkError("lwsj has no native library for this platform (" + platform.os() + " "
                    + platform.arch() + "): " + platform.resource() + " is not on the class path. "
                    + (classifier == null
                            ? "lwsj publishes natives for linux-x86_64 and linux-aarch64 only; build liblwsj on this "
                                    + "platform and set -D" + PATH_PROPERTY + "=/path/to/" + platform.fileName()
                            : "Add io.lwsj:lwsj-natives (every platform) or io.lwsj:lwsj-natives with the classifier "
                                    + classifier + ", of the same version as lwsj, or set -D" + PATH_PROPERTY
                                    + "=/path/to/" + platform.fileName()));
        }
        try {
            return LibraryExtractor.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + platform.resource() + " from the natives jar", e);
        }
    }

    /** {@code liblwsj.so} becomes {@code liblwsj-1.0.0-linux-x86_64.so}. */
    static String versionedName(NativePlatform platform, String version) {
        String file = platform.fileName();
        int dot = file.lastIndexOf('.');
        String tag = platform.classifier() != null ? platform.classifier() : platform.arch();
        return file.substring(0, dot) + "-" + version + "-" + tag + file.substring(dot);
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = NativeLibraryLoader.class.getResourceAsStream("lwsj.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar that cannot be read would not have got this far; name it unknown
        }
        return p.getProperty("version", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static UnsatisfiedLinkError failure(NativePlatform platform, List<Attempt> attempts) {
        StringBuilder msg = new StringBuilder("lwsj could not load its native library for " + platform.os() + " "
                + platform.arch() + ":");
        for (Attempt a : attempts) {
            msg.append("\n  - ").append(a.describe());
        }
        boolean noexec = attempts.stream().anyMatch(Attempt::noexec);
        msg.append(noexec
                ? "\nA library cannot be loaded from a file system mounted noexec. Set -D" + DIR_PROPERTY
                        + "=<a folder on a file system that allows it, writable by this user>"
                : "\nSet -D" + DIR_PROPERTY + "=<a folder this user can write and load libraries from>")
                .append(", or install liblwsj yourself and set -D").append(PATH_PROPERTY).append("=<its path>.");
        UnsatisfiedLinkError err = new UnsatisfiedLinkError(msg.toString());
        attempts.forEach(a -> err.addSuppressed(a.error()));
        return err;
    }
}
