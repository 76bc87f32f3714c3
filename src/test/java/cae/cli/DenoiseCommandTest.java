package cae.cli;

import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** denoise on several images: sizes grouped into batches, outputs as if each ran alone, clashing names refused. */
class DenoiseCommandTest {
    @TempDir Path tmp;

    private Path image(String name, int width, int height, long seed) throws Exception {
        Random random = new Random(seed);
        float[] pixels = new float[width * height];
        for (int i = 0; i < pixels.length; i++) pixels[i] = random.nextFloat();
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        GreyImages.write(file, pixels, width, height);
        return file;
    }

    private Path model() throws Exception {
        Path file = tmp.resolve("model.safetensors");
        ModelFile.write(file, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 11), Map.of());
        return file;
    }

    @Test
    void imagesOfOneSizeGoTogetherAndComeOutAsIfAlone() throws Exception {
        Path model = model();
        Path a = image("a.png", 20, 16, 1), b = image("b.png", 28, 28, 2), c = image("c.png", 20, 16, 3);
        CommandLineTest.Result all = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(),
                "--out", tmp.resolve("all").toString(), a.toString(), b.toString(), c.toString());
        assertEquals(0, all.code(), all.err());
        assertEquals(3, all.out().lines().filter(l -> l.contains(" -> ")).count(), all.out());
        CommandLineTest.Result alone = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(),
                "--out", tmp.resolve("alone").toString(), c.toString());
        assertEquals(0, alone.code(), alone.err());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("alone/c-denoised.png")), Files.readAllBytes(tmp.resolve("all/c-denoised.png")),
                "c.png denoised in a batch with a.png, and alone");
        GreyImages.Image out = GreyImages.read(tmp.resolve("all/b-denoised.png"));
        assertEquals(28, out.width());
        assertEquals(28, out.height());
    }

    /**
     * A large image goes through the model in tiles and comes out as the batched path's whole-image
     * output would (the same bytes); a colour model keeps colour; each input unlike the model's
     * training images gets its warning line.
     */
    @Test
    void largeImagesGoInTilesColourModelsKeepColourAndUnlikeInputsAreWarned() throws Exception {
        Path model = model(), small = image("small.png", 300, 200, 4);
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(600, 340, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random random = new Random(5);
        for (int y = 0; y < big.getHeight(); y++) for (int x = 0; x < big.getWidth(); x++) big.setRGB(x, y, random.nextInt(1 << 24));
        Path colour = tmp.resolve("colour.png");
        javax.imageio.ImageIO.write(big, "png", colour.toFile());

        CommandLineTest.Result grey = CommandLineTest.run("denoise", "--device", "cpu", "--model", model.toString(),
                "--out", tmp.resolve("grey").toString(), small.toString(), colour.toString());
        assertEquals(0, grey.code(), grey.err());
        assertTrue(grey.out().contains("trained on data it does not name (grey"), grey.out());
        assertTrue(grey.err().contains("colour.png is in colour and the model was trained on grey images"), grey.err());
        assertEquals(1, grey.err().lines().filter(l -> l.startsWith("warning:")).count(), grey.err());
        // colour.png (above BATCH_PIXELS) went through the tiles: the same bytes as the whole image through the model at once
        try (cae.engine.cpu.CpuEngine engine = new cae.engine.cpu.CpuEngine(2);
             cae.model.Autoencoder net = new cae.model.Autoencoder(engine, Architecture.RECIPE)) {
            net.setWeights(Parameters.glorotInit(Architecture.RECIPE, 11));
            GreyImages.Image in = GreyImages.read(colour);
            float[] whole;
            try (cae.model.Denoiser d = new cae.model.Denoiser(net, 1, in.height(), in.width())) {
                whole = d.denoise(java.util.List.of(in.pixels()))[0];
            }
            Path expected = tmp.resolve("expected.png");
            GreyImages.write(expected, whole, in.width(), in.height());
            assertArrayEquals(GreyImages.read(expected).pixels(), GreyImages.read(tmp.resolve("grey/colour-denoised.png")).pixels());
        }

        Architecture rgb = new Architecture(cae.model.Decoder.NEAREST, 3, java.util.List.of(8, 8), true, true, Architecture.Loss.MSE);
        Path colourModel = tmp.resolve("rgb.safetensors");
        ModelFile.write(colourModel, rgb, Parameters.glorotInit(rgb, 3), Map.of("dataset", "photos", "noise", "gaussian:0.1"));
        CommandLineTest.Result rgbRun = CommandLineTest.run("denoise", "--device", "cpu", "--model", colourModel.toString(),
                "--out", tmp.resolve("rgb").toString(), small.toString(), colour.toString());
        assertEquals(0, rgbRun.code(), rgbRun.err());
        assertTrue(rgbRun.out().contains("trained on photos (rgb, noise gaussian:0.1)"), rgbRun.out());
        assertTrue(rgbRun.err().contains("small.png is grey and the model was trained on colour images"), rgbRun.err());
        java.awt.image.BufferedImage out = javax.imageio.ImageIO.read(tmp.resolve("rgb/colour-denoised.png").toFile());
        assertEquals(3, out.getRaster().getNumBands());
        assertEquals(600, out.getWidth());
        assertEquals(340, out.getHeight());

        Path mnistModel = tmp.resolve("mnist.safetensors");
        ModelFile.write(mnistModel, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 11), Map.of("dataset", "mnist"));
        float[] page = new float[40 * 30];
        java.util.Arrays.fill(page, 0.9f);
        Path light = tmp.resolve("page.png");
        GreyImages.write(light, page, 40, 30);
        CommandLineTest.Result mnist = CommandLineTest.run("denoise", "--device", "cpu", "--model", mnistModel.toString(),
                "--out", tmp.resolve("mnist").toString(), light.toString());
        assertEquals(0, mnist.code(), mnist.err());
        assertTrue(mnist.err().contains("page.png is mostly light (mean 0.90) and the MNIST model learned light strokes on a dark background"),
                mnist.err());
    }

    @Test
    void twoImagesThatWouldOverwriteEachOtherAreAUsageError() throws Exception {
        Path first = image("one/digit.png", 8, 8, 1), second = image("two/digit.jpg", 8, 8, 2);
        CommandLineTest.Result r = CommandLineTest.run("denoise", "--device", "cpu", "--model", tmp.resolve("none").toString(),
                "--out", tmp.resolve("out").toString(), first.toString(), second.toString());
        assertEquals(Main.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("would both be written to"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }
}
