package cae.kernels;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/** kernels/noise.cu body (batch gather + Philox noise) against CpuEngine.gather. */
class NoiseKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0} images of {1}x{2}, batch {4} from {3}, seed {5}, step {6}")
    @CsvSource({
            "300, 28, 28, 100, 100, 42, 0",
            "300, 28, 28, 0, 100, -7046029254386353131, 6000000000",  // seed and step both use their high words
            "50, 5, 7, 13, 9, 1234567890123, 4294967295"})            // odd planes: normal pairs straddle images
    void matchesCpuEngine(int count, int h, int w, int from, int n, long seed, long step) throws Exception {
        float noiseStd = 0.5f;
        Random random = new Random(seed ^ step);
        byte[] pixels = new byte[count * h * w];
        random.nextBytes(pixels);
        int[] order = shuffled(random, count);

        float[] expectedClean = new float[n * h * w], expectedNoisy = new float[n * h * w];
        try (Engine cpu = new CpuEngine(1)) {
            ImageSet images = cpu.upload(pixels, count, h, w);
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(n, 1, h, w), noisy = cpu.zeros(n, 1, h, w);
            cpu.gather(images, from, clean, noisy, noiseStd, seed, step);
            cpu.read(clean, expectedClean);
            cpu.read(noisy, expectedNoisy);
        }

        Path imagesFile = Files.write(dir.resolve("images"), pixels);
        run("gather_noise", count, h * w, from, n, noiseStd, Long.toUnsignedString(seed), Long.toUnsignedString(step),
                imagesFile, writeInts(dir.resolve("order"), order), dir.resolve("clean"), dir.resolve("noisy"));
        assertClose("gathered clean images", readFloats(dir.resolve("clean"), n * h * w), expectedClean);
        assertClose("noisy images", readFloats(dir.resolve("noisy"), n * h * w), expectedNoisy);
    }

    @Test
    void withoutNoiseOnlyGathers() throws Exception {
        int count = 20, plane = 9, n = 6;
        Random random = new Random(3);
        byte[] pixels = new byte[count * plane];
        random.nextBytes(pixels);
        int[] order = shuffled(random, count);
        float[] expected = new float[n * plane];
        try (Engine cpu = new CpuEngine(1)) {
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(n, 1, 3, 3);
            cpu.gather(cpu.upload(pixels, count, 3, 3), 4, clean, null, 0f, 1, 1);
            cpu.read(clean, expected);
        }
        run("gather_noise", count, plane, 4, n, 0f, 1, 1, Files.write(dir.resolve("images"), pixels),
                writeInts(dir.resolve("order"), order), dir.resolve("clean"), "-");
        assertClose("gathered clean images", readFloats(dir.resolve("clean"), n * plane), expected);
    }

    private static int[] shuffled(Random random, int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
