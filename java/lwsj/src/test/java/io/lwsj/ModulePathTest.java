package io.lwsj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module descriptor exports the API and the classic port only, and lwsj works on the
 * module path: a program outside the module echoes through it and cannot reach
 * io.lwsj.internal. (The other tests run on the class path, where lwsj also works.)
 */
class ModulePathTest {
    static final Path CLASSES = Path.of("target", "classes");

    @Test
    void theDescriptorExportsTheApiAndTheClassicPortOnly() {
        ModuleDescriptor d = ModuleFinder.of(CLASSES).find("io.lwsj").orElseThrow().descriptor();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("io.lwsj", "io.lwsj.classic"), exported);
        assertTrue(d.packages().contains("io.lwsj.internal"), "the engine is inside the module");
        assertTrue(d.exports().stream().noneMatch(e -> e.source().equals("io.lwsj.internal")));
    }

    @Test
    void onTheModulePathTheApiWorksAndTheEngineIsOutOfReach() throws Exception {
        List<String> modulePath = new ArrayList<>(List.of(CLASSES.toString()));
        List<String> classPath = new ArrayList<>(List.of(Path.of("target", "test-classes").toString()));
        for (String e : testClassPath()) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("jna-") || name.startsWith("slf4j-api-") || name.startsWith("jspecify-")
                    || name.startsWith("native-lib-loader-")) {
                modulePath.add(e);
            } else if (name.startsWith("lwsj-natives-") || name.startsWith("slf4j-simple-")) {
                classPath.add(e);
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "io.lwsj", "-cp", String.join(File.pathSeparator, classPath)));
        String libraryPath = System.getProperty("lwsj.library.path");
        if (libraryPath != null) {
            cmd.add("-Dlwsj.library.path=" + libraryPath);
        }
        cmd.add("io.lwsj.modulecheck.ModuleSmoke");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the module-path JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("module io.lwsj\n"), "lwsj was not loaded as a named module: " + out);
        assertTrue(out.contains("echo through the module path\n"), out);
        assertTrue(out.contains("internal denied: IllegalAccessException"), out);
    }

    /** The test class path as surefire gives it (its own booter jar hides it from java.class.path). */
    private static List<String> testClassPath() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>(Arrays.asList(cp.split(File.pathSeparator)));
        entries.removeIf(e -> e.isBlank() || !Files.exists(Path.of(e)));
        return entries;
    }
}
