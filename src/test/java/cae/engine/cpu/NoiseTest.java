package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Philox;
import cae.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class NoiseTest {
    private static final int COUNT = 12, H = 5, W = 7, PLANE = H * W;
    private static final float STD = 0.5f;

    /** Every byte value 0..255 appears, and the ends (0 and 255) appear often so clipping happens. */
    private static byte[] pixels() {
        byte[] p = new byte[COUNT * PLANE];
        Random random = new Random(9);
        for (int i = 0; i < p.length; i++) p[i] = (byte) (i < 256 ? i : random.nextBoolean() ? 0 : 255);
        return p;
    }

    private record Batch(float[] clean, float[] noisy) {}

    private static Batch gather(int threads, int[] order, int from, int n, long seed, long step) {
        try (Engine engine = new CpuEngine(threads)) {
            ImageSet images = engine.upload(pixels(), COUNT, H, W);
            engine.setOrder(order);
            Tensor clean = engine.zeros(n, 1, H, W), noisy = engine.zeros(n, 1, H, W);
            engine.gather(images, from, clean, noisy, STD, seed, step);
            float[] c = new float[clean.size()], z = new float[noisy.size()];
            engine.read(clean, c);
            engine.read(noisy, z);
            return new Batch(c, z);
        }
    }

    private static int[] identity() {
        int[] order = new int[COUNT];
        for (int i = 0; i < COUNT; i++) order[i] = i;
        return order;
    }

    @Test
    void cleanIsPixelsOver255InTheGivenOrder() {
        int[] order = {3, 11, 0, 7, 5, 1, 2, 4, 6, 8, 9, 10};
        byte[] pixels = pixels();
        Batch batch = gather(2, order, 2, 4, 1, 1);
        for (int s = 0; s < 4; s++)
            for (int p = 0; p < PLANE; p++) {
                int px = pixels[order[2 + s] * PLANE + p] & 0xFF;
                assertEquals(px / 255f, batch.clean[s * PLANE + p], "sample " + s + " pixel " + p);
            }
    }

    @Test
    void noisyIsCleanPlusScaledPhiloxNormalClippedToTheUnitInterval() {
        long seed = 77, step = 123;
        Batch batch = gather(2, identity(), 0, COUNT, seed, step);
        int[] words = new int[4];
        int zeros = 0, ones = 0;
        for (int i = 0; i < batch.noisy.length; i++) {
            float noisy = batch.noisy[i];
            assertTrue(noisy >= 0f && noisy <= 1f, "noisy " + noisy + " at " + i + " in [0, 1]");
            float unclipped = batch.clean[i] + STD * Philox.normal(seed, step, i, words);
            assertEquals(Math.min(Math.max(unclipped, 0f), 1f), noisy, "element " + i);
            if (noisy == 0f && batch.clean[i] > 0f) zeros++;
            if (noisy == 1f && batch.clean[i] < 1f) ones++;
            if (unclipped < 0f) assertEquals(0f, noisy);
            if (unclipped > 1f) assertEquals(1f, noisy);
        }
        assertTrue(zeros > 0 && ones > 0, "clipping happens at both ends: " + zeros + " at 0, " + ones + " at 1");
        long clipped = 0;
        for (float v : batch.noisy) if (v == 0f || v == 1f) clipped++;
        assertTrue(clipped > batch.noisy.length / 4, "images mostly 0 and 255 clip often: " + clipped);
    }

    @Test
    void noiseDependsOnSeedStepAndBatchIndexOnly() {
        long seed = 5, step = 9;
        Batch one = gather(1, identity(), 0, COUNT, seed, step);
        assertArrayEquals(one.noisy, gather(2, identity(), 0, COUNT, seed, step).noisy, "2 threads");
        assertArrayEquals(one.noisy, gather(3, identity(), 0, COUNT, seed, step).noisy, "3 threads");

        // Other images in the batch: the noise at each batch index stays the same.
        int[] reversed = new int[COUNT];
        for (int i = 0; i < COUNT; i++) reversed[i] = COUNT - 1 - i;
        Batch other = gather(3, reversed, 0, COUNT, seed, step);
        int compared = 0;
        for (int i = 0; i < one.noisy.length; i++) {
            if (!inside(one.noisy[i]) || !inside(other.noisy[i])) continue;
            assertEquals(one.noisy[i] - one.clean[i], other.noisy[i] - other.clean[i], 1e-6, "noise at index " + i);
            compared++;
        }
        assertTrue(compared > 10, "enough unclipped pairs compared: " + compared);

        // Another step or seed: different noise.
        assertFalse(java.util.Arrays.equals(one.noisy, gather(2, identity(), 0, COUNT, seed, step + 1).noisy));
        assertFalse(java.util.Arrays.equals(one.noisy, gather(2, identity(), 0, COUNT, seed + 1, step).noisy));
    }

    private static boolean inside(float v) { return v > 0f && v < 1f; }

    @Test
    void withoutNoiseNoisyMayBeNull() {
        try (Engine engine = new CpuEngine(2)) {
            ImageSet images = engine.upload(pixels(), COUNT, H, W);
            engine.setOrder(identity());
            Tensor clean = engine.zeros(3, 1, H, W);
            engine.gather(images, 9, clean, null, 0f, 1, 1);
            float[] c = new float[clean.size()];
            engine.read(clean, c);
            assertEquals((pixels()[9 * PLANE] & 0xFF) / 255f, c[0]);
        }
    }
}
