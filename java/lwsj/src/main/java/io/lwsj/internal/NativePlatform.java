package io.lwsj.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.scijava.nativelib.NativeLibraryUtil;

/**
 * The platform this JVM runs on, as the natives jars name it: the folder inside the jar
 * (native-lib-loader's layout, {@code natives/linux_64/}), the Maven classifier a user
 * adds ({@code linux-x86_64}), and whether the C library is one our builds can load into.
 */
record NativePlatform(String os, String arch, String jarFolder, String fileName, @Nullable String classifier) {
    private static final String NAME = "lwsj";

    static NativePlatform current() {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        return new NativePlatform(os, arch,
                NativeLibraryUtil.getPlatformLibraryPath(NativeLibraryUtil.DEFAULT_SEARCH_PATH),
                NativeLibraryUtil.getPlatformLibraryName(NAME), classifierOf(os, arch));
    }

    /** The classifiers lwsj publishes; null where it publishes none. */
    static @Nullable String classifierOf(String os, String arch) {
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-aarch64";
            default -> null;
        };
    }

    /** Where in a jar this platform's library is: {@code natives/linux_64/liblwsj.so}. */
    String resource() {
        return jarFolder + fileName;
    }

    /**
     * True when this process runs on musl (Alpine and the like): its dynamic loader is
     * mapped in. lwsj's Linux libraries are linked against glibc; loaded on musl they fail
     * later and more obscurely than this check.
     */
    static boolean usesMusl(Path processMaps) {
        try {
            return isMuslMapping(Files.readString(processMaps));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static boolean isMuslMapping(String maps) {
        return maps.contains("/ld-musl-") || maps.contains("/libc.musl-");
    }
}
