package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/** kernels/noise.cu (batch gather + Philox noise), launched in the CPU emulation, against CpuEngine.gather. */
class NoiseKernelTest {
    @ParameterizedTest(name = "{0} images of {1}x{2}, batch {4} from {3}, seed {5}, step {6}")
    @CsvSource({
            "300, 28, 28, 100, 100, 42, 0",
            "300, 28, 28, 0, 100, -7046029254386353131, 6000000000",  // seed and step both use their high words
            "50, 5, 7, 13, 9, 1234567890123, 4294967295"})            // odd planes: normal pairs straddle images
    void matchesCpuEngine(int count, int h, int w, int from, int n, long seed, long step) {
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

        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor clean = gpu.nanTensor(n, 1, h, w), noisy = gpu.nanTensor(n, 1, h, w);
            // from and step travel in the step scalars
            gpu.kernels().gatherNoise(gpu.images(pixels, count, h, w), gpu.ints(order), clean, noisy, noiseStd, seed,
                    gpu.longs(new long[] {from, step}));
            assertClose("gathered clean images", gpu.read(clean), expectedClean);
            assertClose("noisy images", gpu.read(noisy), expectedNoisy);
        }
    }

    @Test
    void withoutNoiseOnlyGathers() {
        int count = 20, n = 6;
        Random random = new Random(3);
        byte[] pixels = new byte[count * 9];
        random.nextBytes(pixels);
        int[] order = shuffled(random, count);
        float[] expected = new float[n * 9];
        try (Engine cpu = new CpuEngine(1)) {
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(n, 1, 3, 3);
            cpu.gather(cpu.upload(pixels, count, 3, 3), 4, clean, null, 0f, 1, 1);
            cpu.read(clean, expected);
        }
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor clean = gpu.nanTensor(n, 1, 3, 3);
            gpu.kernels().gatherNoise(gpu.images(pixels, count, 3, 3), gpu.ints(order), clean, null, 0f, 1, gpu.longs(new long[] {4, 1}));
            assertClose("gathered clean images", gpu.read(clean), expected);
        }
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
