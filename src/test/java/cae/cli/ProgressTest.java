package cae.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Progress on standard error: bars on a terminal (training with its loss, scoring, bench), none drawn elsewhere. */
class ProgressTest {
    static CommandLineTest.Result run(boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new Streams(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), UnaryOperator.identity(), terminal));
        return new CommandLineTest.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void onATerminalTrainingScoringAndBenchDrawBars(@TempDir Path tmp) throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), runFolder = tmp.resolve("run");
        CommandLineTest.Result train = run(true, "train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1",
                "--out", runFolder.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().matches("(?s).*\r\\[#{30}\\] 2/2 steps .* loss \\d\\.\\d{4}\033\\[K.*"), "the training bar with the loss: " + train.err());
        assertTrue(train.err().contains("\rscoring: [#"), "the test set's scoring: " + train.err());

        CommandLineTest.Result eval = run(true, "eval", runFolder.toString(), "--device", "cpu", "--data", data.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.err().contains("\rscoring: [##############################] 20/20 images"), eval.err());

        CommandLineTest.Result bench = run(true, "bench", "--device", "cpu", "--batch", "2", "--steps", "1", "--repeats", "1", "--warmup", "0");
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.err().contains("\rbench: [###############...............] 1/2 repeats"), bench.err());
    }

    @Test
    void elsewhereNoBarIsDrawn(@TempDir Path tmp) throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), runFolder = tmp.resolve("run");
        CommandLineTest.Result train = run(false, "train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1",
                "--out", runFolder.toString());
        assertEquals(0, train.code(), train.err());
        CommandLineTest.Result bench = run(false, "bench", "--device", "cpu", "--batch", "2", "--steps", "1", "--repeats", "1", "--warmup", "0");
        assertEquals(0, bench.code(), bench.err());
        for (String err : new String[] {train.err(), bench.err()})
            assertFalse(err.contains("\r") || err.contains("\033"), "no bar, no escape codes: " + err);
    }
}
