package io.lwsj.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's Java blocks, taken from the README itself: each is compiled against lwsj,
 * run in a JVM of its own, and what it prints must equal the text block that follows it.
 * A README that drifts from the API fails here.
 */
class ReadmeExamplesTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```\\s*```text\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    record Example(String className, String source, String expectedOutput) {}

    static List<Example> examples() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        List<Example> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            Matcher c = CLASS.matcher(m.group(1));
            assertTrue(c.find(), "a README Java block without a public class:\n" + m.group(1));
            out.add(new Example(c.group(1), m.group(1), m.group(2)));
        }
        return out;
    }

    @Test
    void everyJavaBlockOfTheReadmeCompilesRunsAndPrintsWhatTheReadmeSays(@TempDir Path dir) throws Exception {
        List<Example> examples = examples();
        assertTrue(examples.size() >= 2, "README's Java blocks were not found: " + examples.size());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        for (Example e : examples) {
            Path src = dir.resolve(e.className() + ".java");
            Files.writeString(src, e.source());
            int r = javac.run(null, null, null, "-d", dir.toString(), "-cp", classPath, src.toString());
            assertEquals(0, r, e.className() + " from README.md does not compile");

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", dir + File.pathSeparator + classPath));
            String libraryPath = System.getProperty("lwsj.library.path");
            if (libraryPath != null) {
                cmd.add("-Dlwsj.library.path=" + libraryPath);
            }
            cmd.add(e.className());
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), e.className() + " did not finish");
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), e.className() + " failed; it printed:\n" + printed);
            assertEquals(e.expectedOutput(), printed, e.className() + " printed something else than README.md says");
        }
    }
}
