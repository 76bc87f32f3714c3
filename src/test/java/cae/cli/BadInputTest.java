package cae.cli;

import cae.data.DataSet;
import cae.io.GreyImages;
import cae.io.SafeTensors;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import cae.train.Checkpoint;
import cae.train.TrainingConfig;
import cae.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The command line against bad input: option values the machine cannot serve, files that claim more
 * than they hold, damaged models and checkpoints, and outputs that would replace the user's files.
 * Each answer is one line with the right exit code.
 */
class BadInputTest {
    @TempDir Path tmp;

    private static void assertOneLine(int code, String expected, CommandLineTest.Result r) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        if (code != Main.USAGE) assertEquals(1, Child.lines(r.err()).size(), r.err());
    }

    @Test
    void moreThanFourThreadsPerCoreAreRefusedByTheCommandLine() {
        int cores = Runtime.getRuntime().availableProcessors(), tooMany = 4 * cores + 1;
        String message = "--threads " + tooMany + " is more than 4 per core (this machine has " + cores + "); give at most " + 4 * cores;
        assertOneLine(Main.USAGE, message, CommandLineTest.run("train", "--device", "cpu", "--threads", "" + tooMany,
                "--data", tmp.resolve("none").toString(), "--out", tmp.resolve("run").toString()));
        assertOneLine(Main.USAGE, message, CommandLineTest.run("eval", "--device", "cpu", "--threads", "" + tooMany,
                tmp.resolve("none.safetensors").toString()));
        assertOneLine(Main.USAGE, message, CommandLineTest.run("bench", "--device", "cpu", "--threads", "" + tooMany,
                "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2"));
        CommandLineTest.Result most = CommandLineTest.run("bench", "--device", "cpu", "--threads", "" + 4 * cores,
                "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertEquals(0, most.code(), most.err());
    }

    @Test
    void theUsersOwnPicturesInOutAreNotOverwritten() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1);
        for (String picture : List.of("loss.png", "reconstructions.png")) {
            Path out = Files.createDirectories(tmp.resolve("mine-" + picture));
            Files.writeString(out.resolve(picture), "the user's picture");
            CommandLineTest.Result r = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10",
                    "--epochs", "1", "--out", out.toString());
            assertOneLine(Main.USAGE, out + " already holds a run (" + picture + "); choose another --out", r);
            assertEquals("the user's picture", Files.readString(out.resolve(picture)));
        }
    }

    /** A PNG whose header says width x height, with a valid checksum, holding the pixels of a 1 x 1 image. */
    static byte[] pngClaiming(int width, int height) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png", bytes);
        byte[] png = bytes.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(png);  // signature (8), IHDR length (4), "IHDR" at 12, width at 16, height at 20
        b.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 4 + 13);
        b.putInt(29, (int) crc.getValue());
        return png;
    }

    @Test
    void anImageClaimingMorePixelsThanTheCapIsRefusedBeforeDecoding() throws Exception {
        Path model = model(Parameters.glorotInit(Architecture.RECIPE, 1)), huge = Files.write(tmp.resolve("huge.png"), pngClaiming(40_000, 40_000));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        CommandLineTest.Result r = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(), "--out",
                tmp.resolve("out").toString(), huge.toString());
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertOneLine(Main.FAILED, huge + " is 40000 x 40000 = 1600000000 pixels by its header, more than the 100000000 allowed; "
                + "give --max-pixels 1600000000 to denoise it", r);
        assertTrue(allocated < 64L << 20, "refused before decoding: " + allocated + " bytes allocated");

        Path small = Files.write(tmp.resolve("small.png"), pngClaiming(30, 20));
        assertOneLine(Main.FAILED, small + " is 30 x 20 = 600 pixels by its header, more than the 599 allowed", CommandLineTest.run(
                "denoise", "--device", "cpu", "--model", model.toString(), "--max-pixels", "599", small.toString()));
        assertOneLine(Main.USAGE, "--max-pixels must be at least 1, got 0", CommandLineTest.run("denoise", "--device", "cpu",
                "--model", model.toString(), "--max-pixels", "0", small.toString()));
    }

    @Test
    void aJpegCutShortIsDenoisedWithAOneLineWarningNamingIt() throws Exception {
        BufferedImage photo = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(2);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 64; x++) photo.setRGB(x, y, random.nextInt());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(photo, "jpg", bytes);
        byte[] jpeg = bytes.toByteArray();
        Path cut = Files.write(tmp.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
        CommandLineTest.Result r = CommandLineTest.run("denoise", "--device", "cpu", "--model",
                model(Parameters.glorotInit(Architecture.RECIPE, 1)).toString(), "--out", tmp.resolve("out").toString(), cut.toString());
        assertEquals(0, r.code(), r.err());
        // the decoder's warnings on one line (beside the lines on the model and on a colour photo into a grey model)
        List<String> lines = Child.lines(r.err()).stream().filter(l -> l.endsWith("(the image is denoised as decoded)")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("warning: " + cut + ": "), r.err());
        assertTrue(Files.exists(tmp.resolve("out/cut-denoised.png")));
    }

    private Path model(float[] params) throws Exception {
        Path file = tmp.resolve("model-" + Arrays.hashCode(params) + ".safetensors");
        ModelFile.write(file, Architecture.RECIPE, params, Map.of());
        return file;
    }

    @Test
    void weightsTooLargeToComputeWithAreRefusedNotTurnedIntoAWhiteImage() throws Exception {
        float[] params = Parameters.glorotInit(Architecture.RECIPE, 1);
        Arrays.fill(params, 0, 288, 1e30f);  // conv1's weights
        Path model = model(params), image = tmp.resolve("digit.png");
        GreyImages.write(image, new float[28 * 28], 28, 28);
        String message = model + " holds weights too large to compute with (up to 1.0E30 in conv1";
        assertOneLine(Main.FAILED, message, CommandLineTest.run("eval", "--device", "cpu", "--data", CommandLineTest.tinyData(
                tmp.resolve("data"), 20, 1).toString(), model.toString()));
        assertOneLine(Main.FAILED, message, CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(),
                "--out", tmp.resolve("out").toString(), image.toString()));
        assertFalse(Files.exists(tmp.resolve("out/digit-denoised.png")));
    }

    private static final String REMOVED = "(removed)";

    /** A checkpoint of a tiny run (20 images of 8 x 8, batch 10: 2 steps per epoch) at step 3, with some metadata replaced or removed. */
    private Path checkpoint(Path data, Map<String, String> replaced) throws Exception {
        TrainingConfig config = new TrainingConfig(2, 10, 1e-3f, 0.5f, 1, 0);
        TrainingState fresh = TrainingState.fresh(config);
        Path run = Files.createDirectories(tmp.resolve("run-" + replaced.hashCode()));
        Path file = run.resolve(Checkpoint.NAME);
        Checkpoint.write(file, new TrainingState(config, 3, fresh.params, fresh.adamM, fresh.adamV), 2,
                DataSet.load(data).sha256().get(DataSet.TRAIN_IMAGES));
        SafeTensors st = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(st.metadata());
        replaced.forEach((key, value) -> {
            if (value.equals(REMOVED)) meta.remove(key);
            else meta.put(key, value);
        });
        SafeTensors.write(file, meta, st.tensors());
        return run;
    }

    @Test
    void aCheckpointWithAnAbsurdStepIsABadFileNotAUsageError() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1);
        Path edited = checkpoint(data, Map.of("step", "1000000000000"));
        assertOneLine(Main.FAILED, edited.resolve(Checkpoint.NAME) + ": the checkpoint's step 1000000000000 does not agree with its "
                + "epochs_done 1 and steps_into_epoch 1 at 2 steps per epoch: the file is damaged",
                CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", edited.toString()));
        Path consistent = checkpoint(data, Map.of("step", "1000000000000", "epochs_done", "500000000000", "steps_into_epoch", "0"));
        assertOneLine(Main.FAILED, consistent.resolve(Checkpoint.NAME) + ": the checkpoint's step 1000000000000 lies beyond any number "
                + "of epochs of 2 steps: the file is damaged",
                CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", consistent.toString()));
        Path fine = checkpoint(data, Map.of());
        CommandLineTest.Result r = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", fine.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming at step 3 of 4"), r.out());
    }

    @Test
    void aMissingCheckpointSettingIsNamed() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1);
        Path run = checkpoint(data, Map.of("epochs", REMOVED));
        assertOneLine(Main.FAILED, run.resolve(Checkpoint.NAME) + ": checkpoint metadata has no 'epochs'",
                CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--resume", run.toString()));
    }

    @Test
    void denoiseReplacesAnEarlierOutputOnlyWithOverwrite() throws Exception {
        Path model = model(Parameters.glorotInit(Architecture.RECIPE, 1)), image = tmp.resolve("digit.png");
        GreyImages.write(image, new float[28 * 28], 28, 28);
        Path out = Files.createDirectories(tmp.resolve("out")), earlier = out.resolve("digit-denoised.png");
        Files.writeString(earlier, "an earlier result");
        CommandLineTest.Result refused = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(), "--out",
                out.toString(), image.toString());
        assertOneLine(Main.USAGE, earlier + " exists; give --overwrite to replace it, or choose another --out", refused);
        assertEquals("an earlier result", Files.readString(earlier));

        CommandLineTest.Result replaced = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(), "--out",
                out.toString(), "--overwrite", image.toString());
        assertEquals(0, replaced.code(), replaced.err());
        assertEquals(28, GreyImages.read(earlier).width());
    }
}
