package cae.cli;

import cae.data.MnistFetcher;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole product on real MNIST (fetched and verified into the cache, as `.ci/run` does first):
 * one epoch on 2,000 training images, then eval on 500 test images and denoise of a PNG.
 */
class EndToEndMnistTest {

    @Test
    void oneEpochOnTwoThousandImagesLearnsToDenoise(@TempDir Path tmp) throws Exception {
        MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        Path run = tmp.resolve("run");
        CommandLineTest.Result train = CommandLineTest.run("train", "--device", "cpu", "--epochs", "1", "--limit", "2000",
                "--batch", "20", "--seed", "1", "--out", run.toString());
        assertEquals(0, train.code(), train.err() + train.out());
        assertTrue(train.out().contains("Epoch: 1/1... Training loss: "), train.out());
        for (String f : List.of("model.safetensors", "checkpoint.safetensors", "loss.csv", "loss.png", "reconstructions.png", "metrics.json"))
            assertTrue(Files.size(run.resolve(f)) > 0, f);

        List<String> rows = Files.readAllLines(run.resolve("loss.csv"));
        assertEquals("step,epoch,loss", rows.get(0));
        assertEquals(1 + 100, rows.size(), "one row per step: 2,000 images / batch 20");
        double first = meanLoss(rows.subList(1, 11)), last = meanLoss(rows.subList(rows.size() - 10, rows.size()));
        assertTrue(last < first * 0.8, "loss should fall: first 10 steps " + first + ", last 10 " + last);

        JsonObject metrics = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
        JsonObject test = metrics.getAsJsonObject("test");
        assertEquals(10_000, test.get("images").getAsInt());
        for (String key : List.of("loss", "psnr_noisy_db", "psnr_denoised_db"))
            assertTrue(Double.isFinite(test.get(key).getAsDouble()), key);
        assertTrue(metrics.getAsJsonObject("speed").get("train_images_per_s").getAsDouble() > 0);
        JsonObject settings = metrics.getAsJsonObject("config");
        assertEquals("nearest", settings.get("decoder").getAsString());
        assertEquals(0.001, settings.get("learning_rate").getAsDouble(), 1e-9);
        assertEquals(20, settings.get("batch").getAsInt());

        // docs/SPEC.md §5: the architecture, the settings and the data in the model's metadata; the
        // checkpoint's step, epoch and random state
        java.util.Map<String, String> model = cae.io.SafeTensors.read(run.resolve("model.safetensors")).metadata();
        java.util.Map<String, String> expected = java.util.Map.of("architecture", "cae-mnist", "decoder", "nearest", "epochs", "1",
                "batch", "20", "learning_rate", "0.001", "noise", "0.5", "seed", "1", "dataset", "mnist",
                "dataset_sha256", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
        expected.forEach((key, value) -> assertEquals(value, model.get(key), "model metadata " + key));
        assertEquals("28", model.get("image_height"), "the training images' size, which export takes by default");
        assertEquals("28", model.get("image_width"));
        java.util.Map<String, String> checkpoint = cae.io.SafeTensors.read(run.resolve("checkpoint.safetensors")).metadata();
        assertEquals("100", checkpoint.get("step"));
        assertEquals("1", checkpoint.get("epochs_done"));
        assertEquals("0", checkpoint.get("steps_into_epoch"));
        assertTrue(checkpoint.get("random_state").contains("(seed, step)"), checkpoint.toString());

        CommandLineTest.Result eval = CommandLineTest.run("eval", "--device", "cpu", "--limit", "500", run.toString());
        assertEquals(0, eval.code(), eval.err());
        double noisy = number(eval.out(), "PSNR noisy\\s+([0-9.]+) dB"), denoised = number(eval.out(), "PSNR denoised\\s+([0-9.]+) dB");
        assertTrue(denoised >= noisy + cae.train.ResultCheck.MIN_GAIN_DB, "PSNR denoised " + denoised + " dB should beat noisy " + noisy
                + " dB by " + cae.train.ResultCheck.MIN_GAIN_DB + " dB");

        // denoise: a colour JPEG of another size comes back as a grey PNG of the same size
        java.awt.image.BufferedImage colour = new java.awt.image.BufferedImage(45, 31, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(5);
        for (int y = 0; y < 31; y++)
            for (int x = 0; x < 45; x++)
                colour.setRGB(x, y, (x > 10 && x < 30 && y > 8 && y < 22 ? 0xF0E0D0 : 0x101020) ^ (random.nextInt(64) * 0x010101));
        Path jpeg = tmp.resolve("photo.jpg");
        javax.imageio.ImageIO.write(colour, "jpg", jpeg.toFile());
        CommandLineTest.Result denoise = CommandLineTest.run("denoise", "--device", "cpu", "--model", run.toString(),
                "--out", tmp.resolve("clean").toString(), jpeg.toString());
        assertEquals(0, denoise.code(), denoise.err());
        java.awt.image.BufferedImage result = javax.imageio.ImageIO.read(tmp.resolve("clean").resolve("photo-denoised.png").toFile());
        assertEquals(45, result.getWidth());
        assertEquals(31, result.getHeight());
        assertEquals(java.awt.image.BufferedImage.TYPE_BYTE_GRAY, result.getType());

        CommandLineTest.Result notAnImage = CommandLineTest.run("denoise", "--device", "cpu", "--model", run.toString(),
                run.resolve("loss.csv").toString());
        assertEquals(Main.FAILED, notAnImage.code());
        assertTrue(notAnImage.err().contains("loss.csv"), notAnImage.err());
        assertFalse(notAnImage.err().contains("\tat "), notAnImage.err());
    }

    private static double meanLoss(List<String> rows) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.split(",")[2])).average().orElseThrow();
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Double.parseDouble(m.group(1));
    }
}
