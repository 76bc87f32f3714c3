package cae.cli;

import cae.engine.RecordingEngine;
import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Everything a command puts on its engine (tensors from zeros, image sets from upload) is released
 * when the work that made it ends: a training run (finished or failed), an evaluation, a denoise, each
 * variant of a comparison (which uploads the test set once) and each bench configuration. Checked with
 * an engine that records allocations and releases, over the CPU engine.
 */
class MemoryReleaseTest {
    @TempDir Path tmp;
    private final List<RecordingEngine> engines = new ArrayList<>();

    private CommandLineTest.Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), e -> {
            RecordingEngine recording = new RecordingEngine(e);
            engines.add(recording);
            return recording;
        });
        return new CommandLineTest.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The command's one engine, checked: nothing released twice, something allocated, nothing held when it closed. */
    private RecordingEngine allReleased() {
        assertEquals(1, engines.size(), "one engine per command");
        RecordingEngine e = engines.get(0);
        assertEquals(List.of(), e.problems());
        assertTrue(e.allocations() > 0, "the command allocated nothing");
        assertNotNull(e.heldAtClose(), "the engine was not closed");
        assertEquals(List.of(), e.heldAtClose(), "still held when the engine closed");
        assertEquals(e.allocations(), e.releases());
        return e;
    }

    private Path data() throws Exception { return CommandLineTest.tinyData(tmp.resolve("data"), 40, 3); }

    @Test
    void aTrainingRunReleasesItsModelOptimizerActivationsAndImages() throws Exception {
        CommandLineTest.Result r = run("train", "--device", "cpu", "--epochs", "2", "--batch", "10", "--data", data().toString(),
                "--out", tmp.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        RecordingEngine e = allReleased();
        assertEquals(2, e.uploads().size(), "the training and the test images: " + e.uploads());
    }

    @Test
    void aRunThatFailsReleasesToo() throws Exception {
        // a learning rate this large makes the loss infinite within the first epoch: the run stops with an error
        CommandLineTest.Result r = run("train", "--device", "cpu", "--epochs", "2", "--batch", "10", "--lr", "1e30",
                "--data", data().toString(), "--out", tmp.resolve("run").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("training diverged"), r.err());
        allReleased();
    }

    @Test
    void anEvaluationReleasesItsModelAndTestImages() throws Exception {
        Path model = tmp.resolve("model.safetensors");
        ModelFile.write(model, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 5), Map.of());
        CommandLineTest.Result r = run("eval", model.toString(), "--device", "cpu", "--data", data().toString());
        assertEquals(0, r.code(), r.err());
        allReleased();
    }

    @Test
    void aDenoiseReleasesItsModelAndEachSizesTensors() throws Exception {
        Path model = tmp.resolve("model.safetensors");
        ModelFile.write(model, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 5), Map.of());
        Path a = tmp.resolve("a.png"), b = tmp.resolve("b.png");
        GreyImages.write(a, new float[12 * 10], 12, 10);
        GreyImages.write(b, new float[9 * 9], 9, 9);
        CommandLineTest.Result r = run("denoise", "--device", "cpu", "--model", model.toString(), "--out", tmp.resolve("out").toString(),
                a.toString(), b.toString());
        assertEquals(0, r.code(), r.err());
        allReleased();
    }

    @Test
    void eachComparedVariantReleasesWhatItMadeAndTheTestSetIsUploadedOnce() throws Exception {
        CommandLineTest.Result r = run("compare", "--device", "cpu", "--decoders", "nearest,unpool", "--epochs", "1", "--batch", "10",
                "--limit", "20", "--data", data().toString(), "--out", tmp.resolve("compare").toString());
        assertEquals(0, r.code(), r.err());
        RecordingEngine e = allReleased();
        // the 40 test images once; the 20 training images (--limit) once per variant
        assertEquals(1, e.uploads().stream().filter(u -> u.startsWith("40 images")).count(), e.uploads().toString());
        assertEquals(2, e.uploads().stream().filter(u -> u.startsWith("20 images")).count(), e.uploads().toString());
        // a variant starts with the peak reset: by then the one before it has released everything but the shared test set
        assertEquals(2, e.heldAtPeakResets().size());
        assertEquals(1, e.heldAtPeakResets().get(0).size(), e.heldAtPeakResets().get(0).toString());
        assertEquals(e.heldAtPeakResets().get(0), e.heldAtPeakResets().get(1));
    }

    @Test
    void eachBenchConfigurationReleasesWhatItMadeBeforeTheNextStarts() {
        CommandLineTest.Result r = run("bench", "--device", "cpu", "--batch", "2,3", "--steps", "2", "--repeats", "1", "--warmup", "0",
                "--ops", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        RecordingEngine e = allReleased();
        assertEquals(3, e.heldAtPeakResets().size(), "batch 2, batch 3, --ops");
        for (List<String> held : e.heldAtPeakResets()) assertEquals(List.of(), held);
    }
}
