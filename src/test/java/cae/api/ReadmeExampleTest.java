package cae.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Use from Java" example, as written there: compiled against the project's classes
 * alone, and run in a JVM such as an application's, without --add-modules and with only Gson beside
 * the project (no picocli, no CUDA bindings): it trains, denoises a colour image, and prints nothing
 * but what it asks for.
 */
class ReadmeExampleTest {
    @TempDir Path dir;

    /** The first java code block after the "## Use from Java" heading. */
    static String example() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("\n## Use from Java\n");
        assertTrue(section >= 0, "README.md has a \"Use from Java\" section");
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(section), "the section has a java code block");
        return block.group(1);
    }

    private static String classpathEntry(String ending) {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.replace('\\', '/').matches(ending)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + ending + " on the test class path"));
    }

    @Test
    void compilesAndRunsInAPlainJvmWithOnlyGson() throws Exception {
        String source = example();
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(name.find(), "the example is a public class");
        Path sources = Files.createDirectories(dir.resolve("src")), classes = Files.createDirectories(dir.resolve("classes"));
        Path file = Files.writeString(sources.resolve(name.group(1) + ".java"), source);

        String projectClasses = classpathEntry(".*/target/classes/?");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, diagnostics, diagnostics, "--release", "17", "-classpath", projectClasses,
                "-d", classes.toString(), file.toString());
        assertEquals(0, compiled, "the example compiles against target/classes:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        // 1,000 training images of 8 x 8 (too few for a validation set): one epoch of 10 steps
        Path data = TinyData.write(dir.resolve("data"), 1000, 40, 8, 8);
        BufferedImage colour = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) for (int x = 0; x < 30; x++) colour.setRGB(x, y, (x * 8) << 16 | (y * 12) << 8 | (x + y) * 4);
        Path noisy = dir.resolve("noisy.png"), denoised = dir.resolve("denoised.png");
        ImageIO.write(colour, "png", noisy.toFile());

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = String.join(File.pathSeparator, classes.toString(), projectClasses, classpathEntry(".*/gson-[^/]*\\.jar"));
        Process p = new ProcessBuilder(java, "-Djava.awt.headless=true", "-cp", classpath, name.group(1),
                data.toString(), dir.resolve("run").toString(), noisy.toString(), denoised.toString())
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(0, p.exitValue(), out + err);

        assertEquals("", err, "nothing on stderr");
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).startsWith("epoch 1, step 10/10, loss "), out);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("the CPU engine runs plain loops")).count(),
                "the note about the plain loops, once, as the example prints it:\n" + out);
        assertTrue(lines.contains("using the CPU engine: the CUDA bindings (org.jcuda:jcuda, jcublas, jcudnn) are not on the class path"),
                "without JCuda, auto falls back to the CPU and says why:\n" + out);
        assertFalse(out.contains("training "), "the training log is the application's to print:\n" + out);

        BufferedImage result = ImageIO.read(denoised.toFile());
        assertEquals(30, result.getWidth());
        assertEquals(20, result.getHeight());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, result.getType());
        assertTrue(Files.exists(dir.resolve("run/loss.png")), "the run's pictures are drawn without JFreeChart");
    }
}
