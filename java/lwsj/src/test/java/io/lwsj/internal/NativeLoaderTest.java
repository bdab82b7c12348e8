package io.lwsj.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader as an application meets it: each case is a JVM of its own (a library is
 * loaded once per JVM) with the test class path, no -Dlwsj.library.path, and the folders
 * the loader may use pointed at temporary ones.
 */
class NativeLoaderTest {
    private static final String VERSION = NativeLibraryLoader.version();
    private static final String FILE = "liblwsj-" + VERSION + "-linux-x86_64.so";

    @TempDir Path tmp;

    @Test
    void theLibraryGoesToAVersionedFileInTheFolderSetAndAnIdenticalOneIsReused() throws Exception {
        Path dir = tmp.resolve("natives");
        Probe first = probe(classPath(), "-Dlwsj.native.dir=" + dir);
        Path file = dir.resolve(VERSION).resolve(FILE);
        assertEquals(0, first.exit, first.out);
        assertTrue(first.out.contains("loaded " + file + "\n"), first.out);
        Object inode = Files.getAttribute(file, "unix:ino");
        long modified = Files.getLastModifiedTime(file).toMillis();

        Probe second = probe(classPath(), "-Dlwsj.native.dir=" + dir);
        assertEquals(0, second.exit, second.out);
        assertEquals(inode, Files.getAttribute(file, "unix:ino"), "an identical file was written again");
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis());

        // a different file of that name (an older build of a snapshot) is replaced, not loaded
        byte[] stale = Files.readAllBytes(file);
        stale[stale.length - 1] ^= 1;
        Files.write(file, stale);
        Probe third = probe(classPath(), "-Dlwsj.native.dir=" + dir);
        assertEquals(0, third.exit, third.out);
        assertNotEquals(inode, Files.getAttribute(file, "unix:ino"));
        assertFalse(Arrays.equals(stale, Files.readAllBytes(file)));
        try (var left = Files.list(file.getParent())) {
            assertEquals(List.of(file), left.toList(), "a partial file was left behind");
        }
    }

    @Test
    void theAllPlatformsJarAloneIsEnough() throws Exception {
        Path jar = Path.of("..", "natives", "target", "lwsj-natives-" + VERSION + ".jar").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(jar), "the all-platforms jar is built by java/natives: " + jar);
        List<String> cp = new ArrayList<>(classPath());
        cp.removeIf(e -> Path.of(e).getFileName().toString().startsWith("lwsj-natives-"));
        cp.add(jar.toString());
        Probe p = probe(cp, "-Dlwsj.native.dir=" + tmp);
        assertEquals(0, p.exit, p.out);
        assertTrue(p.out.contains("loaded " + tmp.resolve(VERSION).resolve(FILE)), p.out);
    }

    @Test
    void withoutAnyNativesJarTheErrorNamesTheArtifactToAdd() throws Exception {
        List<String> cp = new ArrayList<>(classPath());
        cp.removeIf(e -> Path.of(e).getFileName().toString().startsWith("lwsj-natives-"));
        Probe p = probe(cp, "-Dlwsj.native.dir=" + tmp);
        assertEquals(3, p.exit, p.out);
        assertTrue(p.out.contains("natives/linux_64/liblwsj.so is not on the class path"), p.out);
        assertTrue(p.out.contains("io.lwsj:lwsj-natives") && p.out.contains("linux-x86_64"), p.out);
    }

    @Test
    void aNoexecFolderGivesAnErrorThatSaysWhatToSet() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("noexec"));
        Assumptions.assumeTrue(mountNoexec(dir), "mounting a noexec tmpfs needs root");
        try {
            Probe p = probe(classPath(), "-Dlwsj.native.dir=" + dir);
            assertEquals(3, p.exit, p.out);
            assertTrue(p.out.contains("wrote " + dir.resolve(VERSION).resolve(FILE)), p.out);
            assertTrue(p.out.contains("its file system is mounted noexec"), p.out);
            assertTrue(p.out.contains("Set -Dlwsj.native.dir=<a folder on a file system that allows it"), p.out);
            assertTrue(p.out.contains("attached java.lang.UnsatisfiedLinkError"), "the dlopen error is attached: " + p.out);
        } finally {
            run("umount", dir.toString());
        }
    }

    @Test
    void whenTheUsersCacheCannotBeUsedTheTemporaryFolderIsAndIsMadeOwnerOnly() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Files.createFile(home.resolve(".cache")); // a file where the cache folder would be
        Path javaTmp = Files.createDirectory(tmp.resolve("javatmp"));
        Probe p = probe(classPath(), "-Duser.home=" + home, "-Djava.io.tmpdir=" + javaTmp);
        Path shared = javaTmp.resolve("lwsj-" + System.getProperty("user.name"));
        assertEquals(0, p.exit, p.out);
        assertTrue(p.out.contains("loaded " + shared.resolve(VERSION).resolve(FILE)), p.out);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
    }

    @Test
    void aTemporaryFolderOthersCanWriteInIsNotUsedAndEveryAttemptIsReported() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Files.createFile(home.resolve(".cache"));
        Path javaTmp = Files.createDirectory(tmp.resolve("javatmp"));
        Path shared = Files.createDirectory(javaTmp.resolve("lwsj-" + System.getProperty("user.name")));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Probe p = probe(classPath(), "-Duser.home=" + home, "-Djava.io.tmpdir=" + javaTmp);
        assertEquals(3, p.exit, p.out);
        assertTrue(p.out.contains("could not write the library below " + home.resolve(".cache/lwsj/native")), p.out);
        assertTrue(p.out.contains("could not write the library below " + shared), p.out);
        assertTrue(p.out.contains("whoever else can write in it could replace the library"), p.out);
        assertEquals(2, p.out.lines().filter(l -> l.startsWith("attached ")).count(), p.out);
        try (var inside = Files.list(shared)) {
            assertEquals(0, inside.count(), "something was written into a folder others can write in");
        }
    }

    @Test
    void theLongestMountPointDecidesWhetherAFolderIsNoexec() {
        List<String> mountinfo = List.of(
                "26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
                "30 26 0:30 / /tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw",
                "31 30 0:31 / /tmp/with\\040space rw,relatime - tmpfs tmpfs rw");
        assertTrue(NoexecMounts.isNoexec(Path.of("/tmp/lwsj-root/1.0"), mountinfo));
        assertFalse(NoexecMounts.isNoexec(Path.of("/tmp/with space/lwsj"), mountinfo));
        assertFalse(NoexecMounts.isNoexec(Path.of("/tmpfoo"), mountinfo));
        assertFalse(NoexecMounts.isNoexec(Path.of("target").toAbsolutePath()), "the build's own folder");
    }

    @Test
    void muslIsToldFromItsLoaderInTheProcessMap() throws Exception {
        assertFalse(NativePlatform.usesMusl(Path.of("/proc/self/maps")), "this JVM runs on glibc");
        // a line of an Alpine JVM's /proc/self/maps; no musl JVM can be had here to load one
        assertTrue(NativePlatform.isMuslMapping(
                "7f0e1c5d4000-7f0e1c5e8000 r--p 00000000 08:01 1054 /lib/ld-musl-x86_64.so.1\n"));
    }

    @Test
    void classifiersAreThoseLwsjPublishes() {
        assertEquals("linux-x86_64", NativePlatform.classifierOf("Linux", "amd64"));
        assertEquals("linux-aarch64", NativePlatform.classifierOf("Linux", "aarch64"));
        assertEquals(null, NativePlatform.classifierOf("Linux", "riscv64"));
        assertEquals(null, NativePlatform.classifierOf("Mac OS X", "aarch64"));
    }

    private record Probe(int exit, String out) {}

    private static Probe probe(List<String> cp, String... props) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", String.join(File.pathSeparator, cp)));
        cmd.addAll(List.of(props));
        cmd.add(LoadProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("XDG_CACHE_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not finish: " + out);
        return new Probe(p.exitValue(), out);
    }

    /** The test class path as surefire gives it (its own booter jar hides it from java.class.path). */
    private static List<String> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>(Arrays.asList(cp.split(File.pathSeparator)));
        entries.removeIf(e -> e.isBlank() || !Files.exists(Path.of(e)));
        return entries;
    }

    private static boolean mountNoexec(Path dir) throws Exception {
        return run("mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", dir.toString()) == 0;
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
