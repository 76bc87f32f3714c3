package cae.engine;

/**
 * The counter-based random numbers both engines share: Philox4x32-10 (Salmon et al., SC 2011) keyed
 * by the seed, counting over (element pair, step), turned into N(0,1) by Box-Muller. A draw depends
 * only on (seed, step, index), so a batch's noise is the same on any thread count, after a resume,
 * and on the GPU (kernels/noise.cu computes the same function).
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final float TWO_PI = (float) (2 * Math.PI);
    private static final float INV_2_24 = 1.0f / (1 << 24);

    private Philox() {}

    /** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1); writes four words to out. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0; k1 += W1;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    /** The standard normal for element {@code index} of step {@code step}; {@code words} is scratch of length 4. */
    public static float normal(long seed, long step, int index, int[] words) {
        block(index >>> 1, (int) step, (int) (step >>> 32), 0, (int) seed, (int) (seed >>> 32), words);
        return boxMuller(words[0], words[1], (index & 1) == 0);
    }

    /**
     * A uniform in [0, 1) for element {@code index} of step {@code step}: 24 bits of word 0 (even
     * index) or word 2 (odd) of the block whose words 0 and 1 the normal of the same element uses, so
     * the same float on every device; the word after it (1 or 3) is left in {@code words} for a
     * second draw.
     */
    public static float uniform(long seed, long step, int index, int[] words) {
        block(index >>> 1, (int) step, (int) (step >>> 32), 0, (int) seed, (int) (seed >>> 32), words);
        return (words[(index & 1) * 2] >>> 8) * INV_2_24;
    }

    /** The counter stream of the crops and flips, apart from the noise's (stream 0). */
    public static final int CROP_STREAM = 1;

    /**
     * The standard normals of elements {@code evenIndex} and {@code evenIndex + 1} into pair[0] and
     * pair[1]: what {@link #normal} gives for each, from one Philox block, one logarithm and one
     * square root.
     */
    public static void normalPair(long seed, long step, int evenIndex, int[] words, float[] pair) {
        block(evenIndex >>> 1, (int) step, (int) (step >>> 32), 0, (int) seed, (int) (seed >>> 32), words);
        float radius = radius(words[0]), angle = angle(words[1]);
        pair[0] = radius * (float) Math.cos(angle);
        pair[1] = radius * (float) Math.sin(angle);
    }

    private static float radius(int r0) {
        float u1 = ((r0 >>> 8) + 1) * INV_2_24;
        return (float) Math.sqrt(-2.0f * (float) Math.log(u1));
    }

    private static float angle(int r1) { return TWO_PI * ((r1 >>> 8) * INV_2_24); }

    /** Box-Muller on two random words: u1 in (0, 1] so the log is finite, u2 in [0, 1). */
    public static float boxMuller(int r0, int r1, boolean cosine) {
        float radius = radius(r0), angle = angle(r1);
        return radius * (float) (cosine ? Math.cos(angle) : Math.sin(angle));
    }
}
