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
