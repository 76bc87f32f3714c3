package cae.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The blur baseline: SciPy's gaussian_filter per channel, and the choice of its width. */
class GaussianBlurTest {
    /**
     * {sigma, sum of the blurred image, value at (4, 6), value at (0, 12)}: scipy.ndimage.gaussian_filter
     * (mode 'reflect', truncate 4) of the scrambled 9 x 13 image (salt 5), printed by
     * {@code python3 anchors/ssim_check.py}, which regenerates them. At sigma 4 the window (33 taps) is
     * wider than the image, so the reflection wraps more than once.
     */
    private static final double[][] SCIPY = {
            {0.5, 58.545099443756044, 0.4059242310461535, 0.42267018492682135},
            {1.5, 58.54509944375605, 0.5220734012067727, 0.5036253264521771},
            {4.0, 58.545099443756065, 0.504878539530766, 0.5258845560753502},
    };

    @Test
    void agreesWithScipy() {
        FloatImage image = OracleImages.scrambledImage(1, 9, 13, 5);
        for (double[] row : SCIPY) {
            FloatImage blurred = GaussianBlur.blur(image, row[0]);
            double sum = 0;
            for (float v : blurred.values()) sum += v;
            // the blur is rounded to float at the end: each value within half a float ulp of SciPy's
            assertEquals(row[1], sum, 1e-5, "sigma " + row[0]);
            assertEquals(row[2], blurred.get(0, 4, 6), 3e-8, "sigma " + row[0]);
            assertEquals(row[3], blurred.get(0, 0, 12), 3e-8, "sigma " + row[0]);
        }
    }

    @Test
    void blursEachChannelOnItsOwnAndKeepsAFlatImage() {
        FloatImage grey = OracleImages.scrambledImage(1, 9, 13, 5);
        float[] three = new float[3 * 9 * 13];
        System.arraycopy(grey.values(), 0, three, 0, 117);
        java.util.Arrays.fill(three, 117, 234, 0.25f);
        System.arraycopy(grey.values(), 0, three, 234, 117);
        FloatImage blurred = GaussianBlur.blur(new FloatImage(3, 9, 13, three), 1.5);
        FloatImage alone = GaussianBlur.blur(grey, 1.5);
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 13; x++) {
                assertEquals(alone.get(0, y, x), blurred.get(0, y, x));
                assertEquals(0.25f, blurred.get(1, y, x), 1e-7f);
                assertEquals(alone.get(0, y, x), blurred.get(2, y, x));
            }
    }

    @Test
    void choosesTheSigmaWithTheBestMeanPsnr() {
        FloatImage grey = waves(1, 24, 24), colour = waves(3, 20, 16);
        GaussianBlur.Pair[] pairs = {
                new GaussianBlur.Pair(grey, SsimTest.noisy(grey, 0.2, 1)),
                new GaussianBlur.Pair(colour, SsimTest.noisy(colour, 0.2, 2)),
        };
        double[] grid = {0.3, 0.75, 1.5, 6.0};
        GaussianBlur.Choice choice = GaussianBlur.choose(pairs.length, i -> pairs[i], grid);
        int best = 0;
        for (int s = 0; s < grid.length; s++) {
            double mean = 0;
            for (GaussianBlur.Pair p : pairs) mean += Psnr.of(p.clean(), GaussianBlur.blur(p.noisy(), grid[s])) / pairs.length;
            assertEquals(mean, choice.meanPsnr()[s], 1e-12);
            if (mean > choice.meanPsnr()[best]) best = s;
        }
        assertEquals(grid[best], choice.sigma());
        // heavy noise on a smooth image: neither the lightest nor the heaviest blur is best
        assertNotEquals(0.3, choice.sigma());
        assertNotEquals(6.0, choice.sigma());
    }

    /** Slow waves: an image a moderate blur helps. */
    static FloatImage waves(int c, int h, int w) {
        float[] v = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) v[(ch * h + y) * w + x] = (float) (0.5 + 0.3 * Math.sin(x / 5.0 + ch) * Math.cos(y / 7.0));
        return new FloatImage(c, h, w, v);
    }
}
