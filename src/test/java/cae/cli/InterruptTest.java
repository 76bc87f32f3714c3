package cae.cli;

import cae.data.MnistFetcher;
import cae.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A training process that gets Ctrl-C (SIGINT) saves a checkpoint at its current step, says how to resume and exits with 130. */
class InterruptTest {

    @Test
    void stoppingTheProcessSavesACheckpointAtTheCurrentStep(@TempDir Path tmp) throws Exception {
        Path cache = MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        Path out = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), "cae.cli.Main", "train", "--device", "cpu",
                "--epochs", "1", "--limit", "50000", "--data", cache.toString(), "--out", out.toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
                if (line.startsWith("Epoch: 1/1... Training loss:"))    // after step 100 of 500: Ctrl-C
                    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(130, p.exitValue(), "128 + SIGINT");
        String output = String.join("\n", lines);
        assertTrue(output.contains("interrupted at step "), output);
        assertTrue(output.contains("continue with --resume " + out), output);
        long step = Checkpoint.read(out).state().step;
        assertTrue(step >= 100 && step < 500, "checkpoint at the step the run had reached: " + step);
        assertTrue(output.contains("interrupted at step " + step + " of 500"), output);
    }
}
