package cae.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JVM started without --add-modules=jdk.incubator.vector (as an application that depends on the
 * library is) trains on the CPU engine's plain loops, with one note saying how to get the vector
 * kernels, and no NoClassDefFoundError.
 */
class PlainJvmTest {
    @TempDir Path dir;

    private record Result(int code, String output) {}

    private static Result run(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                "cae.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        return new Result(p.exitValue(), output);
    }

    /** An IDX file of {@code count} random h x w images. */
    private static void writeImages(Path file, int count, int h, int w) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + count * h * w);
        b.putInt(0x00000803).putInt(count).putInt(h).putInt(w);
        java.util.Random random = new java.util.Random(count);
        for (int i = 0; i < count * h * w; i++) b.put((byte) random.nextInt(256));
        Files.write(file, b.array());
    }

    @Test
    void trainsWithThePlainLoopsAndOneNote() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        writeImages(data.resolve("train-images-idx3-ubyte"), 5060, 12, 10);   // the first 5,000 validate
        writeImages(data.resolve("t10k-images-idx3-ubyte"), 20, 12, 10);
        Result r = run("train", "--device", "cpu", "--data", data.toString(), "--epochs", "1", "--batch", "10", "--out", dir.resolve("run").toString());
        assertEquals(0, r.code(), r.output());
        assertFalse(r.output().contains("NoClassDefFoundError"), r.output());
        String note = "note: the CPU engine runs plain loops";
        assertEquals(1, r.output().split(note, -1).length - 1, "one note:\n" + r.output());
        assertTrue(r.output().contains("--add-modules=jdk.incubator.vector"), r.output());
        assertTrue(Files.exists(dir.resolve("run").resolve("model.safetensors")), r.output());

        Result info = run("info");
        assertEquals(0, info.code(), info.output());
        assertTrue(info.output().contains("vector species none"), info.output());
    }
}
