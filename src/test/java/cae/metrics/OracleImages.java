package cae.metrics;

/**
 * The integer-formula images of anchors/ssim_check.py, rebuilt here so that the tests hold our metrics
 * to the numbers scikit-image and SciPy printed for them without running Python.
 */
final class OracleImages {
    private OracleImages() {}

    /** A smooth ramp with a ripple, 8-bit values: the script's smooth(c, h, w). */
    static int[] smooth(int c, int h, int w) {
        int[] v = new int[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) v[(ch * h + y) * w + x] = (x * 7 + y * 13 + ch * 50 + ((x * y) % 17) * 5) % 256;
        return v;
    }

    /** The ramp scrambled: the script's scrambled(c, h, w, salt). */
    static int[] scrambled(int c, int h, int w, int salt) {
        int[] v = smooth(c, h, w);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int i = (ch * h + y) * w + x;
                    long scramble = (long) (x * 31 + y * 17 + ch * 7 + salt) * 2654435761L % 97;
                    v[i] = (int) Math.min(Math.max(v[i] + scramble - 48, 0), 255);
                }
        return v;
    }

    /** 8-bit values as the trainer's pixels: v / 255 in float. */
    static FloatImage pixels(int[] v, int c, int h, int w) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i] / 255f;
        return new FloatImage(c, h, w, f);
    }

    static FloatImage smoothImage(int c, int h, int w) { return pixels(smooth(c, h, w), c, h, w); }

    static FloatImage scrambledImage(int c, int h, int w, int salt) { return pixels(scrambled(c, h, w, salt), c, h, w); }
}
