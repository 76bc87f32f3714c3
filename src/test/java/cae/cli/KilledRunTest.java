package cae.cli;

import cae.io.FolderLock;
import cae.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a killed or interrupted run leaves: a run killed with -9 before its first epoch ended resumes
 * (from step 0) to the same weights as a run never stopped; temporary files of killed writes are
 * removed; a folder holding no run files takes a new run; Ctrl-C while the outputs are written says in
 * one line which are written and which not, and a resume writes the rest.
 */
class KilledRunTest {
    @TempDir Path tmp;

    private static List<String> temporaryFiles(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void aRunKilledBeforeItsFirstEpochEndedResumesToTheSameWeights() throws Exception {
        Path data = Child.data(tmp.resolve("data"), 300, 20, 8, 2);
        String[] settings = {"--device", "cpu", "--threads", "1", "--data", data.toString(), "--batch", "1", "--epochs", "1"};
        Path reference = tmp.resolve("reference"), killed = tmp.resolve("killed");
        assertEquals(0, CommandLineTest.run(concat(new String[] {"train", "--out", reference.toString()}, settings)).code());

        Child.Running run = Child.start(tmp, "killed", Child.command(concat(new String[] {"train", "--out", killed.toString()}, settings)));
        for (int i = 0; i < 60_000 && !Files.exists(killed.resolve("loss.csv")) && run.process().isAlive(); i++) Thread.sleep(1);
        Child.signal(run, "KILL");
        run.waitFor(60);
        assertFalse(run.stdout().contains("epoch 1/1 done"), "killed in the first epoch: " + run.stdout());
        Files.writeString(killed.resolve(".checkpoint.safetensors.1f2e3d4c.tmp"), "what a killed write leaves");

        CommandLineTest.Result resumed = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", killed.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(List.of(), temporaryFiles(killed), "the killed writes' temporary files are removed");
        assertArrayEquals(SafeTensors.read(reference.resolve("model.safetensors")).tensor("conv1.weight").values(),
                SafeTensors.read(killed.resolve("model.safetensors")).tensor("conv1.weight").values());
        assertArrayEquals(SafeTensors.read(reference.resolve("model.safetensors")).tensor("logits.weight").values(),
                SafeTensors.read(killed.resolve("model.safetensors")).tensor("logits.weight").values());
        assertEquals(Files.readAllLines(reference.resolve("loss.csv")), Files.readAllLines(killed.resolve("loss.csv")),
                "the same loss at every step");
    }

    @Test
    void aFolderHoldingNoRunFilesTakesANewRun() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1);
        Path folder = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(folder.resolve(FolderLock.NAME), "");               // a run killed before it wrote anything
        Files.writeString(folder.resolve(".checkpoint.safetensors.9a8b7c.tmp"), "half a checkpoint");
        Files.writeString(folder.resolve("notes.txt"), "the user's own file");
        CommandLineTest.Result r = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10",
                "--epochs", "1", "--out", folder.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), temporaryFiles(folder));
        assertEquals("the user's own file", Files.readString(folder.resolve("notes.txt")));
        assertTrue(Files.exists(folder.resolve("metrics.json")));
    }

    @Test
    void ctrlCWhileTheOutputsAreWrittenSaysWhatIsWritten() throws Exception {
        Path data = Child.data(tmp.resolve("data"), 100, 5_000, 28, 3), out = tmp.resolve("run");
        Child.Running run = Child.start(tmp, "run", Child.command("train", "--device", "cpu", "--data", data.toString(),
                "--epochs", "1", "--out", out.toString()));
        assertTrue(run.awaitOutput("scoring on the 5000 test images", 180), run.stdout() + run.stderr());
        Child.signal(run, "INT");
        assertEquals(Main.INTERRUPTED, run.waitFor(120), run.stderr());

        List<String> said = run.stdout().lines().filter(l -> l.startsWith("interrupted")).toList();
        assertEquals(1, said.size(), run.stdout());
        Matcher m = Pattern.compile("interrupted while writing the outputs: (.+) written, (.+) not; continue with --resume "
                + Pattern.quote(out.toString()) + " to write them").matcher(said.get(0));
        assertTrue(m.matches(), said.get(0));
        for (String name : m.group(1).split(", ")) assertTrue(Files.exists(out.resolve(name)), name + " is said to be written");
        for (String name : m.group(2).split(", ")) assertFalse(Files.exists(out.resolve(name)), name + " is said not to be written");
        assertTrue(m.group(1).contains("model.safetensors") && m.group(2).contains("metrics.json"), said.get(0));
        assertEquals(List.of(), temporaryFiles(out), "nothing half-written");

        CommandLineTest.Result resumed = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", out.toString());
        assertEquals(0, resumed.code(), resumed.err());
        for (String name : List.of("metrics.json", "loss.png", "reconstructions.png")) assertTrue(Files.exists(out.resolve(name)), name);
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
