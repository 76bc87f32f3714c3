package cae.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PhiloxTest {

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(c0, c1, c2, c3, k0, k1, out);
        return out;
    }

    @Test
    void matchesRandom123KnownAnswers() {
        // Random123's kat_vectors for philox4x32 with 10 rounds.
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                block(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void normalsHaveMeanZeroAndUnitSpread() {
        int count = 1 << 20;
        int[] words = new int[4];
        double sum = 0, squares = 0, pairProducts = 0, lagProducts = 0, previousPair = 0;
        int withinOne = 0, beyondTwo = 0;
        for (int i = 0; i < count; i += 2) {
            double a = Philox.normal(42, 7, i, words), b = Philox.normal(42, 7, i + 1, words);
            sum += a + b;
            squares += a * a + b * b;
            pairProducts += a * b;          // the cosine and sine of one Box-Muller pair
            lagProducts += a * previousPair; // consecutive pairs
            previousPair = a;
            withinOne += (Math.abs(a) < 1 ? 1 : 0) + (Math.abs(b) < 1 ? 1 : 0);
            beyondTwo += (Math.abs(a) > 2 ? 1 : 0) + (Math.abs(b) > 2 ? 1 : 0);
        }
        double mean = sum / count, std = Math.sqrt(squares / count - mean * mean);
        assertEquals(0, mean, 0.005, "mean");
        assertEquals(1, std, 0.005, "standard deviation");
        assertEquals(0, pairProducts / (count / 2), 0.01, "correlation within a pair");
        assertEquals(0, lagProducts / (count / 2), 0.01, "correlation between consecutive pairs");
        assertEquals(0.6827, (double) withinOne / count, 0.002, "share within one standard deviation");
        assertEquals(0.0455, (double) beyondTwo / count, 0.001, "share beyond two standard deviations");
    }

    @Test
    void everySeedStepAndIndexBitChangesTheNoise() {
        long seed = 1234, step = 56;
        float[] base = normals(seed, step, 0);
        // The high words of seed and step count too, and so does the element index.
        long[][] others = {{seed + 1, step}, {seed + (1L << 32), step}, {seed, step + 1}, {seed, step + (1L << 32)}};
        for (long[] other : others) {
            float[] noise = normals(other[0], other[1], 0);
            assertTrue(Math.abs(correlation(base, noise)) < 0.05,
                    "seed " + other[0] + ", step " + other[1] + " is unrelated to seed " + seed + ", step " + step);
        }
        assertTrue(Math.abs(correlation(base, normals(seed, step, 1000))) < 0.05, "indexes 1000 apart are unrelated");
        assertArrayEquals(base, normals(seed, step, 0), "the same (seed, step, index) draws the same number");
    }

    private static float[] normals(long seed, long step, int firstIndex) {
        int[] words = new int[4];
        float[] z = new float[4000];
        for (int i = 0; i < z.length; i++) z[i] = Philox.normal(seed, step, firstIndex + i, words);
        return z;
    }

    private static double correlation(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void boxMullerStaysFiniteAtTheEndsOfItsRange() {
        // u1 = 1/2^24 (the smallest) gives the largest radius, sqrt(2 ln 2^24) ~ 5.77; u1 = 1 gives 0.
        float largest = Philox.boxMuller(0, 0, true);
        assertEquals(Math.sqrt(2 * 24 * Math.log(2)), largest, 1e-5);
        assertEquals(0f, Philox.boxMuller(0xffffffff, 0x12345678, true), 0f);
        assertEquals(0f, Philox.boxMuller(0, 0, false), 1e-6f, "sin(0) is zero");
    }
}
