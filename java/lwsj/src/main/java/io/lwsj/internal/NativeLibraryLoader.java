package io.lwsj.internal;

import com.sun.jna.NativeLibrary;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.scijava.nativelib.DefaultJniExtractor;
import org.scijava.nativelib.JniExtractor;
import org.scijava.nativelib.NativeLibraryUtil;

/**
 * Finds liblwsj: the system property {@code lwsj.library.path} wins; otherwise the
 * platform jar's {@code natives/<platform>/liblwsj.so}, extracted by native-lib-loader
 * and handed to JNA by path (native-lib-loader's own loading uses System.load, which
 * JNA does not see).
 */
final class NativeLibraryLoader {
    static final String PATH_PROPERTY = "lwsj.library.path";
    private static final String NAME = "lwsj";

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
        List<Throwable> failures = new ArrayList<>();
        String dir = NativeLibraryUtil.getPlatformLibraryPath(NativeLibraryUtil.DEFAULT_SEARCH_PATH);
        String file = NativeLibraryUtil.getPlatformLibraryName(NAME);
        try {
            JniExtractor extractor = new DefaultJniExtractor(LwsjNative.class);
            File extracted = extractor.extractJni(dir, NAME);
            if (extracted != null) {
                return NativeLibrary.getInstance(extracted.getAbsolutePath(), LwsjNative.libraryOptions());
            }
        } catch (Exception | UnsatisfiedLinkError e) {
            failures.add(e);
        }
        UnsatisfiedLinkError err = new UnsatisfiedLinkError("lwsj has no native library for this platform ("
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "): looked for "
                + dir + file + " on the class path. Add the platform jar io.lwsj:lwsj-natives with the classifier of"
                + " this platform (built here: linux-x86_64), or set -D" + PATH_PROPERTY + "=/path/to/" + file);
        failures.forEach(err::addSuppressed);
        throw err;
    }
}
