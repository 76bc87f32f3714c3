package cae.cli;

import cae.io.SafeTensors;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training on a folder of photographs from the command line: a small folder of smooth colour
 * pictures of several sizes (made by the test), trained on crops with the photo model options. The
 * loss falls, the denoised test crops gain PSNR over the noisy ones, the files record the colour, the
 * model options and the folder's identity, and a resume goes on.
 */
public class PhotoTrainingTest {

    /** Smooth colour pictures: a gradient with soft discs, {@code count} of them in two subfolders, of three sizes. */
    public static Path photos(Path folder, int count, long seed) throws Exception {
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            int width = 40 + 8 * (i % 3), height = 36 + 4 * (i % 2);
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            double[][] discs = new double[3][];
            for (int d = 0; d < discs.length; d++)
                discs[d] = new double[] {random.nextDouble() * width, random.nextDouble() * height, 4 + random.nextDouble() * 10,
                        random.nextDouble(), random.nextDouble(), random.nextDouble()};
            double gx = random.nextDouble(), gy = random.nextDouble();
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    double[] rgb = {0.3 + 0.4 * gx * x / width, 0.3 + 0.4 * gy * y / height, 0.5};
                    for (double[] d : discs) {
                        double r = Math.hypot(x - d[0], y - d[1]), weight = 1 / (1 + Math.exp((r - d[2]) * 1.5));
                        for (int c = 0; c < 3; c++) rgb[c] = rgb[c] * (1 - weight) + d[3 + c] * weight;
                    }
                    int value = 0;
                    for (int c = 0; c < 3; c++) value = value << 8 | (int) Math.round(Math.max(0, Math.min(1, rgb[c])) * 255);
                    image.setRGB(x, y, value);
                }
            Path file = folder.resolve(i % 2 == 0 ? "a" : "b/c").resolve("photo-" + i + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
        }
        return folder;
    }

    @Test
    void aColourModelTrainsOnCropsOfAPhotoFolderAndGainsOverTheNoisyInput(@TempDir Path tmp) throws Exception {
        Path data = photos(tmp.resolve("photos"), 24, 7), run = tmp.resolve("run");
        String[] common = {"--device", "cpu", "--data", data.toString(), "--split", "0.75,0,0.25", "--patch", "32", "--crops", "32",
                "--batch", "16", "--widths", "16,16", "--skips", "--residual", "--lr", "0.003", "--seed", "3", "--out", run.toString()};
        CommandLineTest.Result train = CommandLineTest.run(concat(new String[] {"train", "--epochs", "5"}, common));
        assertEquals(0, train.code(), train.err() + train.out());
        assertTrue(train.out().contains("32 random 32 x 32 crops of each"), train.out());

        List<String> rows = Files.readAllLines(run.resolve("loss.csv"));
        double first = mean(rows.subList(1, 6)), last = mean(rows.subList(rows.size() - 5, rows.size()));
        assertTrue(last < first * 0.7, "the loss should fall: first 5 steps " + first + ", last 5 " + last);

        JsonObject test = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject().getAsJsonObject("test");
        JsonObject crops = test.getAsJsonObject("crops");
        assertEquals(32, crops.get("size").getAsInt());
        double noisy = crops.get("psnr_noisy_db").getAsDouble(), denoised = crops.get("psnr_denoised_db").getAsDouble();
        assertTrue(denoised > noisy + 1, "crops: denoised " + denoised + " dB against noisy " + noisy + " dB");
        // the test images scored whole, with the blur baseline and SSIM, image by image
        assertTrue(test.get("psnr_denoised_db").getAsDouble() > test.get("psnr_noisy_db").getAsDouble() + 1, test.toString());
        assertTrue(test.get("ssim_denoised").getAsDouble() > test.get("ssim_noisy").getAsDouble(), test.toString());
        assertTrue(test.get("psnr_blur_db").getAsDouble() > test.get("psnr_noisy_db").getAsDouble(), test.toString());
        assertEquals(test.get("images").getAsInt(), test.getAsJsonArray("per_image").size());
        assertTrue(train.out().contains("whole images): PSNR noisy"), train.out());
        assertEquals("gaussian:0.1", test.get("noise").getAsString(), "photos' default noise");

        Map<String, String> model = SafeTensors.read(run.resolve("model.safetensors")).metadata();
        assertEquals("3", model.get("channels"));
        assertEquals("16,16", model.get("widths"));
        assertEquals("true", model.get("skips"));
        assertEquals("true", model.get("residual"));
        assertEquals("mse", model.get("loss"), "--residual's default loss");
        assertEquals("32", model.get("image_height"), "the crops' size");
        assertTrue(model.get("dataset_sha256").matches("[0-9a-f]{64}"), model.toString());
        BufferedImage picture = ImageIO.read(run.resolve("reconstructions.png").toFile());
        assertEquals(3, picture.getRaster().getNumBands(), "colour reconstructions");

        // eval on the training folder scores the test part of the recorded split, as the run did; on another folder, all of it
        CommandLineTest.Result own = CommandLineTest.run("eval", "--device", "cpu", run.toString(), "--data", data.toString());
        assertEquals(0, own.code(), own.err() + own.out());
        assertTrue(own.out().contains("the test part of the folder the model was trained on"), own.out());
        String[] mean = own.out().lines().filter(l -> l.startsWith("mean")).findFirst().orElseThrow().trim().split("\\s+");
        assertEquals(test.get("psnr_denoised_db").getAsDouble(), Double.parseDouble(mean[2]), 0.006, own.out());
        assertEquals(test.get("ssim_denoised").getAsDouble(), Double.parseDouble(mean[5]), 0.00006, own.out());
        Path other = photos(tmp.resolve("other"), 24, 8);
        CommandLineTest.Result all = CommandLineTest.run("eval", "--device", "cpu", run.toString(), "--data", other.toString(), "--noise", "mask:0.2");
        assertEquals(0, all.code(), all.err() + all.out());
        assertTrue(all.out().contains("every image of " + other + " (not the model's training folder): 24 images, noise mask:0.2"), all.out());

        CommandLineTest.Result resumed = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--split", "0.75,0,0.25",
                "--resume", run.toString(), "--epochs", "6");
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("resuming at step"), resumed.out());

        CommandLineTest.Result otherData = CommandLineTest.run("train", "--device", "cpu", "--data", other.toString(), "--split", "0.75,0,0.25",
                "--resume", run.toString(), "--epochs", "7");
        assertEquals(1, otherData.code(), otherData.err());
        assertTrue(otherData.err().contains("was trained on other data"), otherData.err());
    }

    @Test
    void realNoisyTwinsTrainWithoutSyntheticNoise(@TempDir Path tmp) throws Exception {
        Path clean = photos(tmp.resolve("clean"), 8, 1), noisy = tmp.resolve("noisy"), run = tmp.resolve("run");
        Random random = new Random(5);
        try (var files = Files.walk(clean)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                BufferedImage image = ImageIO.read(file.toFile());
                for (int y = 0; y < image.getHeight(); y++)
                    for (int x = 0; x < image.getWidth(); x++)
                        if (random.nextInt(10) == 0) image.setRGB(x, y, 0);
                Path twin = noisy.resolve(clean.relativize(file));
                Files.createDirectories(twin.getParent());
                ImageIO.write(image, "png", twin.toFile());
            }
        }
        CommandLineTest.Result train = CommandLineTest.run("train", "--device", "cpu", "--data", clean.toString(), "--noisy-data", noisy.toString(),
                "--split", "0.5,0,0.5", "--patch", "16", "--batch", "2", "--epochs", "1", "--widths", "4", "--out", run.toString());
        assertEquals(0, train.code(), train.err() + train.out());
        assertTrue(train.out().contains("noise none"), train.out());
        JsonObject test = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject().getAsJsonObject("test");
        assertTrue(test.getAsJsonObject("crops").get("psnr_noisy_db").getAsDouble() < 30, "the noisy twins are the input: " + test);
        assertEquals("real noisy twins", test.get("noise").getAsString());

        CommandLineTest.Result withNoise = CommandLineTest.run("train", "--device", "cpu", "--data", clean.toString(), "--noisy-data", noisy.toString(),
                "--noise", "0.2", "--patch", "16", "--out", tmp.resolve("run2").toString());
        assertEquals(2, withNoise.code(), withNoise.err());
        assertTrue(withNoise.err().contains("--noise does not apply with --noisy-data"), withNoise.err());
    }

    @Test
    void photoOptionsThatDoNotFitAreRefusedInOneLine(@TempDir Path tmp) throws Exception {
        Path data = photos(tmp.resolve("photos"), 6, 2);
        assertRefused("differ in size; give --patch P", "train", "--data", data.toString(), "--out", tmp.resolve("r1").toString());
        assertRefused("--patch 64 is larger than the smallest", "train", "--data", data.toString(), "--patch", "64", "--out", tmp.resolve("r2").toString());
        assertRefused("--skips does not fit the unpool decoder", "train", "--data", data.toString(), "--patch", "16", "--skips", "--decoder", "unpool");
        assertRefused("--residual needs --loss mse", "train", "--data", data.toString(), "--patch", "16", "--residual", "--loss", "xent");
        assertRefused("--crops needs --patch", "train", "--data", data.toString(), "--crops", "4");
        assertRefused("--noise unknown noise 'speckle:0.1'", "train", "--data", data.toString(), "--patch", "16", "--noise", "speckle:0.1");
        assertRefused("--color applies to a folder of photos", "train", "--color", "rgb", "--limit", "100");
        assertRefused("--color takes grey or rgb", "train", "--data", data.toString(), "--patch", "16", "--color", "cmyk", "--out", tmp.resolve("r3").toString());
    }

    private static void assertRefused(String message, String... args) {
        CommandLineTest.Result r = CommandLineTest.run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
    }

    private static double mean(List<String> rows) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.split(",")[2])).average().orElseThrow();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
