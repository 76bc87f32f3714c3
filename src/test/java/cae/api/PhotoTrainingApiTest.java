package cae.api;

import cae.cli.Main;
import cae.cli.PhotoTrainingTest;
import cae.model.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Training on a folder of photographs through the API: the command line's model, heard step by step; its refusals. */
class PhotoTrainingApiTest {
    @TempDir Path dir;

    private static final EngineSettings CPU = EngineSettings.builder().device(Device.CPU).threads(1).build();

    /** Twelve colour pictures of 40 to 56 x 36 to 40 pixels, in two subfolders. */
    private Path photos() throws Exception {
        return PhotoTrainingTest.photos(dir.resolve("photos"), 12, 7);
    }

    private TrainingSettings.Builder photoSettings(Path data, String out) {
        return TrainingSettings.builder().data(data).split("0.75,0,0.25").patch(32).crops(4).batch(8).widths(8, 8).skips(true)
                .residual(true).epochs(1).seed(3).out(dir.resolve(out)).engine(CPU);
    }

    @Test
    void aColourModelTrainsOnCropsOfPhotosAsTheCommandLineTrainsIt() throws Exception {
        Path data = photos();
        List<TrainingProgress> steps = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        TrainingSettings settings = photoSettings(data, "api").build();
        assertTrue(settings.photos());
        assertEquals("gaussian:0.1", settings.noiseModel(), "photographs' default noise");
        assertEquals("mse", settings.loss(), "a residual model's default loss");
        TrainingResult result = Training.run(settings, new TrainingListener() {
            @Override public void progress(TrainingProgress p) { steps.add(p); }
            @Override public void message(String line) { messages.add(line); }
        });

        assertTrue(result.finished(), messages.toString());
        assertFalse(steps.isEmpty());
        assertEquals(steps.size(), result.steps());
        assertEquals(result.steps(), steps.get(steps.size() - 1).steps());
        assertTrue(messages.stream().anyMatch(line -> line.contains("4 random 32 x 32 crops of each")), messages.toString());
        assertTrue(result.psnrNoisyDb() > 0 && result.psnrDenoisedDb() > 0, result.toString());
        for (String file : List.of("model.safetensors", "checkpoint.safetensors", "loss.csv", "loss.png", "reconstructions.png", "metrics.json"))
            assertTrue(Files.exists(result.folder().resolve(file)), file);
        assertEquals(3, ImageIO.read(result.folder().resolve("reconstructions.png").toFile()).getRaster().getNumBands(), "colour pictures");

        try (Model model = Model.load(result.model(), CPU)) {
            assertEquals(3, model.channels());
            assertEquals(data + " (rgb, 32 x 32 crops, noise gaussian:0.1)", model.trainedOn());
            assertEquals("8,8", model.metadata().get("widths"));
            assertEquals("true", model.metadata().get("skips"));
            BufferedImage denoised = model.denoise(ImageIO.read(Files.list(data.resolve("a")).findFirst().orElseThrow().toFile()));
            assertEquals(BufferedImage.TYPE_INT_RGB, denoised.getType());
        }

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"train", "--device", "cpu", "--threads", "1", "--data", data.toString(), "--split", "0.75,0,0.25",
                "--patch", "32", "--crops", "4", "--batch", "8", "--widths", "8,8", "--skips", "--residual", "--epochs", "1", "--seed", "3",
                "--out", dir.resolve("cli").toString()}, new PrintStream(printed), new PrintStream(printed));
        assertEquals(0, code, printed.toString());
        assertArrayEquals(ModelFile.read(dir.resolve("cli")).params(), ModelFile.read(result.model()).params(), "bit for bit");
    }

    @Test
    void aTimeBudgetEndsTheRunWithEveryOutputWritten() throws Exception {
        TrainingResult result = Training.run(photoSettings(photos(), "budget").epochs(50).maxMinutes(1e-9).build());
        assertTrue(result.finished());
        assertTrue(result.steps() >= 1 && result.steps() < 50, "stopped at the first step's end: " + result.steps());
        assertTrue(Files.exists(result.model()));
        assertTrue(Files.exists(result.folder().resolve("metrics.json")));
    }

    @Test
    void photosThatDoNotFitTheSettingsAreRefusedInOneLine() throws Exception {
        Path data = photos();
        IllegalArgumentException sizes = assertThrows(IllegalArgumentException.class,
                () -> Training.run(photoSettings(data, "sizes").patch(0).crops(1).build()));
        assertEquals("the train images of " + data + " differ in size; give patch P to train on P x P crops (e.g. patch 64)", sizes.getMessage());

        IllegalArgumentException large = assertThrows(IllegalArgumentException.class,
                () -> Training.run(photoSettings(data, "large").patch(48).build()));
        assertTrue(large.getMessage().startsWith("patch 48 is larger than the smallest train image (40 x 36)"), large.getMessage());
        assertFalse(Files.exists(dir.resolve("large/checkpoint.safetensors")), "nothing trained");
    }

    @Test
    void settingsThatDoNotFitAreRefusedWhenBuilt() throws Exception {
        Path data = photos();
        assertEquals("crops per image need a patch size to cut them",
                assertThrows(IllegalArgumentException.class, () -> photoSettings(data, "x").patch(0).build()).getMessage());
        assertEquals("noise does not apply with noisyData: the noisy twins are the input",
                assertThrows(IllegalArgumentException.class, () -> photoSettings(data, "x").noisyData(data).noise("mask:0.2").build()).getMessage());
        assertEquals("color applies to a folder of photographs given as data, not to MNIST",
                assertThrows(IllegalArgumentException.class, () -> TrainingSettings.builder().color("rgb").build()).getMessage());
        assertEquals("split takes three fractions for train, validation and test that add up to 1, e.g. 0.8,0.1,0.1; got \"0.5,0.5\"",
                assertThrows(IllegalArgumentException.class, () -> photoSettings(data, "x").split("0.5,0.5").build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> photoSettings(data, "x").noise("speckle:1").build())
                .getMessage().startsWith("unknown noise 'speckle:1'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> photoSettings(data, "x").maxMinutes(-1).build())
                .getMessage().startsWith("maxMinutes must be 0"));
        TrainingSettings twins = photoSettings(data, "x").noisyData(data).build();
        assertEquals("none", twins.noiseModel(), "the noisy twins are the input");
        assertEquals("gaussian:0.5", TrainingSettings.builder().build().noiseModel(), "MNIST's default noise");
    }
}
