package io.lwsj.internal;

/**
 * Run in a JVM of its own by {@code NativeLoaderTest}: loads liblwsj as an application
 * would and prints the file it was loaded from, or the loader's error (exit 3).
 */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println("loaded " + NativeLibraryLoader.load().getFile());
            System.out.println("libwebsockets " + LwsjNative.lwsj_lws_version());
        } catch (UnsatisfiedLinkError e) {
            System.out.println("error " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                System.out.println("attached " + s);
            }
            System.exit(3);
        }
    }
}
