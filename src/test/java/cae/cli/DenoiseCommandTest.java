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
