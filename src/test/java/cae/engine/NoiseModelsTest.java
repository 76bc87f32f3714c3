package cae.engine;

import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The noise models' statistics, their text, and the crops' and flips' draws. */
class NoiseModelsTest {
    @Test
    void parsesEveryModelAndABareNumberAsGaussian() {
        assertEquals(Noise.gaussian(0.5f), Noise.parse("0.5"));
        assertEquals(Noise.gaussian(0.1f), Noise.parse("gaussian:0.1"));
        assertEquals(new Noise(Noise.Kind.SALT_PEPPER, 0.1f), Noise.parse("salt-pepper:0.1"));
        assertEquals(new Noise(Noise.Kind.MASK, 0.25f), Noise.parse("MASK:0.25"));
        assertEquals(Noise.NONE, Noise.parse("none"));
        for (String text : new String[] {"gaussian:0.1", "salt-pepper:0.1", "mask:0.25", "none"})
            assertEquals(text, Noise.parse(text).toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Noise.parse("speckle:0.1")).getMessage().contains("unknown noise 'speckle:0.1'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Noise.parse("mask:1.5")).getMessage().contains("probability"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Noise.parse("gaussian:-1")).getMessage().contains("zero or positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Noise.parse("gaussian:x")).getMessage().contains("not a number"));
    }

    /** A batch of 40 grey 32 x 32 images of one value, gathered with {@code noise}. */
    private static float[] noisy(Noise noise, int value) {
        try (CpuEngine engine = new CpuEngine(2)) {
            byte[] pixels = new byte[40 * 32 * 32];
            java.util.Arrays.fill(pixels, (byte) value);
            ImageSet set = engine.upload(pixels, 40, 32, 32);
            int[] order = new int[40];
            for (int i = 0; i < 40; i++) order[i] = i;
            engine.setOrder(order);
            Tensor clean = engine.zeros(40, 1, 32, 32), noisy = engine.zeros(40, 1, 32, 32);
            engine.gather(Sampling.whole(set, noise, 3), 0, clean, noisy, 11);
            float[] out = new float[noisy.size()];
            engine.read(noisy, out);
            return out;
        }
    }

    /** The gather's batch form gives apply's bits element by element, from odd and even first indices. */
    @Test
    void applyAllGivesApplysValues() {
        java.util.Random random = new java.util.Random(5);
        float[] clean = new float[101];
        for (int i = 0; i < clean.length; i++) clean[i] = i % 7 == 0 ? (i % 2) : random.nextFloat();
        int[] words = new int[4];
        float[] pair = new float[2];
        for (Noise noise : new Noise[] {Noise.gaussian(0.5f), Noise.gaussian(0.1f), Noise.parse("salt-pepper:0.3"),
                Noise.parse("mask:0.2"), Noise.NONE})
            for (int first : new int[] {0, 1, 784, 2_000_001})
                for (int n : new int[] {0, 1, 2, 3, 100}) {
                    float[] all = new float[n + 2];
                    all[0] = all[n + 1] = 42f;
                    noise.applyAll(clean, 1, all, 1, n, 20261207L, 1234567890123L, first, words, pair);
                    assertEquals(42f, all[0]);
                    assertEquals(42f, all[n + 1]);
                    for (int i = 0; i < n; i++) {
                        float one = noise.apply(clean[1 + i], 20261207L, 1234567890123L, first + i, words);
                        assertEquals(Float.floatToIntBits(one), Float.floatToIntBits(all[1 + i]),
                                noise + ", first " + first + ", n " + n + ": element " + i);
                    }
                }
    }

    @Test
    void saltAndPepperHitsAFractionPWithHalfOfEachAndLeavesTheRest() {
        float grey = 128 / 255f;
        float[] v = noisy(Noise.parse("salt-pepper:0.1"), 128);
        int salt = 0, pepper = 0, kept = 0;
        for (float x : v) {
            if (x == 1f) salt++;
            else if (x == 0f) pepper++;
            else if (x == grey) kept++;
        }
        double n = v.length, hit = (salt + pepper) / n;
        assertEquals(n, salt + pepper + kept, "every value is salt, pepper or the clean value");
        assertEquals(0.1, hit, 4 * Math.sqrt(0.1 * 0.9 / n), "fraction hit");
        assertEquals(0.5, salt / (double) (salt + pepper), 4 * Math.sqrt(0.25 / (salt + pepper)), "salt among the hits");
    }

    @Test
    void maskZeroesAFractionP() {
        float[] v = noisy(Noise.parse("mask:0.3"), 200);
        int zeros = 0;
        for (float x : v) {
            if (x == 0f) zeros++;
            else assertEquals(200 / 255f, x);
        }
        assertEquals(0.3, zeros / (double) v.length, 4 * Math.sqrt(0.3 * 0.7 / v.length));
    }

    @Test
    void gaussianIsClippedToTheUnitRange() {
        float[] v = noisy(Noise.gaussian(0.5f), 250);
        double mean = 0;
        for (float x : v) {
            assertTrue(x >= 0f && x <= 1f, "in [0, 1]: " + x);
            mean += x;
        }
        assertTrue(mean / v.length < 250 / 255.0, "clipping at 1 pulls a bright image's mean down");
    }

    @Test
    void cropsCoverEveryPositionAndFlipHalfTheTime() {
        int[] words = new int[4], crop = new int[4];
        int[][] seen = new int[4][5];
        int flipsX = 0, flipsY = 0, draws = 4000;
        for (int step = 0; step < draws / 10; step++)
            for (int sample = 0; sample < 10; sample++) {
                Sampling.crop(9, step, sample, 10, 7, 7, 3, true, words, crop);
                assertTrue(crop[0] >= 0 && crop[0] <= 3 && crop[1] >= 0 && crop[1] <= 4, "inside the image");
                seen[crop[0]][crop[1]]++;
                flipsX += crop[2];
                flipsY += crop[3];
            }
        for (int[] row : seen) for (int count : row) assertTrue(count > draws / 20 / 2, "every position is drawn");
        assertEquals(0.5, flipsX / (double) draws, 0.04);
        assertEquals(0.5, flipsY / (double) draws, 0.04);
        Sampling.crop(9, 3, 2, 10, 7, 7, 3, false, words, crop);
        assertEquals(0, crop[2] + crop[3], "no flips unless asked");
        int[] again = new int[4];
        Sampling.crop(9, 3, 2, 10, 7, 7, 3, false, words, again);
        assertArrayEquals(crop, again, "a function of (seed, step, sample)");
    }
}
