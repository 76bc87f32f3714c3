package cae.cli;

import cae.io.FolderLock;
import cae.io.SafeTensors;
import cae.train.Checkpoint;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two trainings into one --out, as two real processes: exactly one runs, the other exits with 2 and
 * one line naming the folder, and the folder holds one run's files, not a mix of two.
 */
class ConcurrentRunTest {
    @TempDir Path tmp;

    private static String[] train(Path data, Path out, String seed, String epochs) {
        return new String[] {"train", "--device", "cpu", "--threads", "1", "--data", data.toString(), "--batch", "20",
                "--epochs", epochs, "--seed", seed, "--out", out.toString()};
    }

    @Test
    void twoTrainingsStartedTogetherIntoOneFolder() throws Exception {
        Path data = Child.data(tmp.resolve("data"), 600, 40, 28, 1), out = tmp.resolve("x-run");
        Child.Running a = Child.start(tmp, "a", Child.command(train(data, out, "1", "4")));
        Child.Running b = Child.start(tmp, "b", Child.command(train(data, out, "2", "4")));
        int codeA = a.waitFor(300), codeB = b.waitFor(300);
        List<Integer> codes = new ArrayList<>(List.of(codeA, codeB));
        codes.sort(null);
        assertEquals(List.of(0, Main.USAGE), codes, "a: " + a.stderr() + "\nb: " + b.stderr());
        Child.Running loser = codeA == 0 ? b : a;
        String seed = codeA == 0 ? "1" : "2";
        assertTrue(Child.lines(loser.stderr()).get(0).contains(out.toString()), loser.stderr());

        // every file is the winner's
        assertEquals(seed, SafeTensors.read(out.resolve("model.safetensors")).metadata().get("seed"));
        assertEquals(seed, Checkpoint.read(out).state().config.seed() + "");
        assertEquals(seed, JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject()
                .getAsJsonObject("config").get("seed").getAsString());
        assertEquals(1 + 4 * 30, Files.readAllLines(out.resolve("loss.csv")).size(), "one run's 120 steps in loss.csv");
        assertFalse(Files.exists(out.resolve(FolderLock.NAME)), "the lock is gone with the run");
    }

    @Test
    void aSecondTrainingWhileOneRunsIsRefusedInOneLine() throws Exception {
        Path data = Child.data(tmp.resolve("data"), 600, 40, 28, 1), out = tmp.resolve("x-run");
        Child.Running first = Child.start(tmp, "first", Child.command(train(data, out, "1", "1000")));
        assertTrue(first.awaitOutput("training ", 120), first.stderr());
        Child.Running second = Child.start(tmp, "second", Child.command(train(data, out, "2", "1")));
        int code = second.waitFor(120);
        assertTrue(first.process().isAlive(), "the first run still trains");
        assertEquals(Main.USAGE, code, second.stderr());
        List<String> lines = Child.lines(second.stderr());
        assertEquals(1, lines.size(), second.stderr());
        assertEquals("cae train: " + out + " is in use by another cae process (it holds " + out.resolve(FolderLock.NAME)
                + "); wait until it ends, or choose another --out", lines.get(0));

        Child.signal(first, "INT");
        assertEquals(Main.INTERRUPTED, first.waitFor(120), first.stderr());
        assertEquals(1L, Checkpoint.read(out).state().config.seed(), "the folder holds the first run's checkpoint");
    }
}
