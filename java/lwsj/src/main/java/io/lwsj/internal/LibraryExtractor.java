package io.lwsj.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Puts the library from the jar into a folder the dynamic loader can map, the way
 * zstd-jni and LWJGL do: one folder per lwsj version, the version in the file's name, an
 * identical file left as it is (a second JVM, or the next start, writes nothing), a
 * different one (a rebuilt snapshot) replaced by an atomic rename, so a JVM that has the
 * old one mapped keeps it and no JVM ever maps a half-written file.
 */
final class LibraryExtractor {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private LibraryExtractor() {}

    /**
     * The library's bytes written (or found) at {@code <base>/<version>/<name>}.
     *
     * @param shared true for a folder that other users can write in (the temporary
     *     folder): {@code base} is then made owner-only, and refused if it exists and is
     *     not this user's alone, since whoever can write in it could plant a library
     */
    static Path extract(byte[] library, Path base, boolean shared, String version, String name) throws IOException {
        if (shared) {
            ownOnly(base);
        } else {
            Files.createDirectories(base);
        }
        Path dir = Files.createDirectories(base.resolve(version));
        Path target = dir.resolve(name);
        if (isSame(target, library)) {
            return target;
        }
        Path partial = Files.createTempFile(dir, "." + name + ".", ".partial");
        try {
            Files.write(partial, library);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        return target;
    }

    static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static boolean isSame(Path file, byte[] library) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != library.length) {
            return false;
        }
        return Arrays.equals(Files.readAllBytes(file), library);
    }

    private static void ownOnly(Path base) throws IOException {
        if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(base, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made by another JVM of ours a moment ago: checked below like any other
            }
        }
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(base, LinkOption.NOFOLLOW_LINKS).getName();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(base, LinkOption.NOFOLLOW_LINKS);
        if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS) || !owner.equals(me)
                || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new AccessDeniedException(base.toString(), null,
                    "not a folder of " + me + "'s alone (owner " + owner + ", " + PosixFilePermissions.toString(perms)
                            + "): not used, since whoever else can write in it could replace the library");
        }
    }
}
