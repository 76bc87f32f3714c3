package cae.api;

import cae.cli.Main;
import cae.model.ModelFile;
import cae.train.TrainingConfig;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The API's training: the command line's run from the same settings, every step heard, stopping, refusals. */
class TrainingTest {
    @TempDir Path dir;

    private static final EngineSettings CPU = EngineSettings.builder().device(Device.CPU).threads(1).build();

    /** 300 training images of 12 x 10 and 20 test images: with batch 50, six steps an epoch. */
    private Path data() throws IOException {
        return TinyData.write(dir.resolve("data"), 300, 20, 12, 10);
    }

    private TrainingSettings.Builder settings(Path data, String out) {
        return TrainingSettings.builder().epochs(2).batch(50).seed(3).data(data).out(dir.resolve(out)).engine(CPU);
    }

    @Test
    void trainsTheModelTheCommandLineTrainsFromTheSameSettings() throws Exception {
        Path data = data();
        TrainingResult result = Training.run(settings(data, "api").build());
        ByteArrayOutputStream ignored = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"train", "--device", "cpu", "--threads", "1", "--epochs", "2", "--batch", "50", "--seed", "3",
                "--data", data.toString(), "--out", dir.resolve("cli").toString()}, new PrintStream(ignored), new PrintStream(ignored));
        assertEquals(0, code, ignored.toString());

        assertTrue(result.finished());
        assertEquals(dir.resolve("api"), result.folder());
        assertEquals(12, result.steps());
        assertArrayEquals(ModelFile.read(dir.resolve("cli")).params(), ModelFile.read(result.model()).params(), "bit for bit");
        double cliTestLoss = JsonParser.parseString(Files.readString(dir.resolve("cli/metrics.json")))
                .getAsJsonObject().getAsJsonObject("test").get("loss").getAsDouble();
        assertEquals(cliTestLoss, result.testLoss());
        assertTrue(result.psnrDenoisedDb() > 0 && result.psnrNoisyDb() > 0 && result.trainImagesPerSecond() > 0, result.toString());
        for (String file : List.of("model.safetensors", "checkpoint.safetensors", "loss.csv", "loss.png", "reconstructions.png", "metrics.json"))
            assertTrue(Files.exists(result.folder().resolve(file)), file);
    }

    @Test
    void theListenerHearsEveryStepInOrderAndEveryLogLineAndNothingIsPrinted() throws Exception {
        Path data = data();
        List<TrainingProgress> steps = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
            System.setOut(capture);
            System.setErr(capture);
            Training.run(settings(data, "run").build(), new TrainingListener() {
                @Override public void progress(TrainingProgress p) { steps.add(p); }
                @Override public void message(String line) { messages.add(line); }
            });
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "nothing printed");
        assertEquals(12, steps.size());
        for (int i = 0; i < 12; i++) {
            TrainingProgress p = steps.get(i);
            assertEquals(i + 1, p.step());
            assertEquals(12, p.steps());
            assertEquals(i < 6 ? 1 : 2, p.epoch(), "step " + p.step());
            assertEquals(2, p.epochs());
            assertTrue(Float.isFinite(p.loss()) && p.loss() > 0, "loss " + p.loss());
        }
        List<Float> logged = Files.readAllLines(dir.resolve("run/loss.csv")).stream().skip(1)
                .map(line -> Float.parseFloat(line.split(",")[2])).toList();
        assertEquals(logged, steps.stream().map(TrainingProgress::loss).toList(), "the losses loss.csv holds");
        assertTrue(messages.get(0).startsWith("training "), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("epoch 2/2 done")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("test (20 images): loss ")), messages.toString());
    }

    @Test
    void aStopRequestedByTheListenerEndsWithACheckpointAndNoModel() throws Exception {
        Path data = data();
        List<Long> heard = new ArrayList<>();
        TrainingResult result = Training.run(settings(data, "run").build(), new TrainingListener() {
            int checks;

            @Override public void progress(TrainingProgress p) { heard.add(p.step()); }
            @Override public boolean stopRequested() { return ++checks == 4; }   // asked after every step: stop after the 4th
        });
        assertFalse(result.finished());
        assertEquals(4, result.steps());
        assertEquals(List.of(1L, 2L, 3L, 4L), heard, "every step done was heard");
        assertTrue(Double.isNaN(result.testLoss()));
        assertTrue(Files.exists(dir.resolve("run/checkpoint.safetensors")));
        assertFalse(Files.exists(result.model()));
    }

    @Test
    void aStoppedRunResumedGivesTheModelOfARunThatNeverStopped() throws Exception {
        Path data = data();
        TrainingResult whole = Training.run(settings(data, "whole").build());
        TrainingResult stopped = Training.run(settings(data, "stopped").build(), new TrainingListener() {
            int checks;
            @Override public void progress(TrainingProgress p) {}
            @Override public boolean stopRequested() { return ++checks == 4; }   // mid-epoch: the epoch has 6 steps
        });
        assertFalse(stopped.finished());
        List<Long> heard = new ArrayList<>();
        TrainingResult resumed = Training.resume(settings(data, "stopped").build(), new TrainingListener() {
            @Override public void progress(TrainingProgress p) { heard.add(p.step()); }
        });
        assertTrue(resumed.finished());
        assertEquals(12, resumed.steps());
        assertEquals(5L, heard.get(0), "it goes on from the checkpoint's step");
        assertArrayEquals(ModelFile.read(whole.model()).params(), ModelFile.read(resumed.model()).params(), "bit for bit");
        assertEquals(whole.testLoss(), resumed.testLoss());
        assertEquals(Files.readAllLines(dir.resolve("whole/loss.csv")).size(), Files.readAllLines(dir.resolve("stopped/loss.csv")).size(),
                "the loss log covers the whole run");

        // a finished run of 1 epoch goes on to a run of 2
        Training.run(settings(data, "longer").epochs(1).build());
        TrainingResult longer = Training.resume(settings(data, "longer").build());
        assertArrayEquals(ModelFile.read(whole.model()).params(), ModelFile.read(longer.model()).params(), "bit for bit");
    }

    @Test
    void resumingRefusesOtherSettingsOtherDataTooFewEpochsAndNoCheckpoint() throws Exception {
        Path data = data();
        Training.run(settings(data, "run").build(), new TrainingListener() {
            int checks;
            @Override public void progress(TrainingProgress p) {}
            @Override public boolean stopRequested() { return ++checks == 8; }   // in the second epoch
        });
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> Training.resume(settings(data, "run").batch(30).learningRate(0.01f).build()));
        assertTrue(changed.getMessage().startsWith("batch 30 (the checkpoint's: 50), learningRate 0.01 (the checkpoint's: 0.001) in the settings"),
                changed.getMessage());
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                () -> Training.resume(settings(data, "run").epochs(1).build()));
        assertEquals("epochs 1: the checkpoint is at step 8, in epoch 2 of 6 steps; give epochs 2 or more", tooFew.getMessage());
        Path other = TinyData.write(dir.resolve("other"), 300, 20, 12, 10);
        Files.write(other.resolve("train-images-idx3-ubyte"), TinyData.idx(300, 12, 10, 7));
        IllegalArgumentException otherData = assertThrows(IllegalArgumentException.class,
                () -> Training.resume(settings(other, "run").build()));
        assertTrue(otherData.getMessage().contains("was trained on other data"), otherData.getMessage());

        IOException none = assertThrows(IOException.class, () -> Training.resume(settings(data, "empty").build()));
        assertTrue(none.getMessage().endsWith("no checkpoint to resume from"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Training.resume(settings(data, "run").out(null).build()));

        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> Training.run(settings(data, "run").build()));
        assertTrue(taken.getMessage().endsWith("or go on with it with Training.resume"), taken.getMessage());
        assertTrue(Training.resume(settings(data, "run").build()).finished());
    }

    @Test
    void aFolderHoldingARunIsRefused() throws Exception {
        Path data = data();
        Training.run(settings(data, "run").epochs(1).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Training.run(settings(data, "run").build()));
        assertTrue(e.getMessage().startsWith(dir.resolve("run") + " already holds a run (checkpoint.safetensors, model.safetensors"), e.getMessage());
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheSetting() throws Exception {
        assertEquals("epochs must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> TrainingSettings.builder().epochs(0).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingSettings.builder().decoder("deconv").build())
                .getMessage().startsWith("unknown decoder 'deconv'"));
        Path data = data();
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> Training.run(settings(data, "run").batch(500).build()));
        assertTrue(batch.getMessage().startsWith("batch 500 is larger than the 300 training images"), batch.getMessage());
        IOException missing = assertThrows(IOException.class, () -> Training.run(settings(dir.resolve("none"), "run").build()));
        assertTrue(missing.getMessage().contains(dir.resolve("none").toString()), missing.getMessage());
    }

    @Test
    void theDefaultsAreTheCommandLines() {
        TrainingSettings s = TrainingSettings.builder().build();
        assertEquals(TrainingConfig.EPOCHS, s.epochs());
        assertEquals(TrainingConfig.BATCH, s.batch());
        assertEquals(TrainingConfig.LEARNING_RATE, s.learningRate());
        assertEquals(TrainingConfig.NOISE, s.noise());
        assertEquals(1, s.seed());
        assertEquals(0, s.limit());
        assertEquals("nearest", s.decoder());
        assertNull(s.data());
        assertNull(s.out());
        EngineSettings e = s.engine();
        assertEquals(Device.AUTO, e.device());
        assertEquals(0, e.threads());
        assertFalse(e.tf32());
        assertTrue(e.cudaGraphs());
        assertEquals("auto", e.convolution());
        assertEquals("auto", e.fusion());
    }
}
