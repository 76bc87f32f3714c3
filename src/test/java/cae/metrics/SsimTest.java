package cae.metrics;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** SSIM as scikit-image computes it, and the properties that make it a similarity. */
class SsimTest {
    /**
     * {c, h, w, salt, SSIM}: what scikit-image 0.19.3's structural_similarity(data_range=1,
     * gaussian_weights=True, sigma=1.5, use_sample_covariance=False) printed for the smooth image against
     * the scrambled one; {@code python3 anchors/ssim_check.py} regenerates them.
     */
    private static final double[][] SKIMAGE = {
            {1, 23, 31, 1, 0.8675871119626802},
            {3, 17, 29, 2, 0.8678496339137377},
            {1, 11, 11, 3, 0.6657905899204646},
            {3, 40, 12, 4, 0.8572515144983058},
    };

    @Test
    void agreesWithScikitImage() {
        for (double[] row : SKIMAGE) {
            int c = (int) row[0], h = (int) row[1], w = (int) row[2], salt = (int) row[3];
            double ssim = Ssim.of(OracleImages.smoothImage(c, h, w), OracleImages.scrambledImage(c, h, w, salt));
            assertEquals(row[4], ssim, 1e-12, c + "x" + h + "x" + w);
        }
    }

    @Test
    void identicalImagesGiveOne() {
        FloatImage a = random(3, 19, 23, 1);
        assertEquals(1.0, Ssim.of(a, a), 1e-15);
        assertEquals(1.0, Ssim.of(a, new FloatImage(3, 19, 23, a.values().clone())), 1e-15);
    }

    @Test
    void isSymmetric() {
        FloatImage a = random(1, 30, 14, 2), b = random(1, 30, 14, 3);
        assertEquals(Ssim.of(a, b), Ssim.of(b, a), 1e-15);
    }

    @Test
    void moreNoiseLowersIt() {
        FloatImage clean = OracleImages.smoothImage(1, 32, 32);
        double previous = 1;
        for (double sigma : new double[] {0.02, 0.05, 0.1, 0.3}) {
            double ssim = Ssim.of(clean, noisy(clean, sigma, 7));
            assertTrue(ssim < previous, "sigma " + sigma + ": " + ssim + " not below " + previous);
            previous = ssim;
        }
    }

    @Test
    void agreesWithAStraightforwardImplementation() {
        for (int[] shape : new int[][] {{1, 11, 11}, {1, 25, 13}, {3, 16, 21}}) {
            FloatImage a = random(shape[0], shape[1], shape[2], 4), b = noisy(a, 0.2, 5);
            assertEquals(naive(a, b), Ssim.of(a, b), 1e-12);
        }
    }

    @Test
    void colourIsTheMeanOfItsChannels() {
        FloatImage a = random(3, 15, 17, 8), b = noisy(a, 0.1, 9);
        double sum = 0;
        for (int c = 0; c < 3; c++) sum += Ssim.of(plane(a, c), plane(b, c));
        assertEquals(sum / 3, Ssim.of(a, b), 1e-15);
    }

    @Test
    void refusesImagesSmallerThanItsWindowAndShapesThatDiffer() {
        FloatImage small = random(1, 10, 30, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ssim.of(small, small));
        assertTrue(e.getMessage().contains("11x11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ssim.of(random(1, 12, 12, 1), random(3, 12, 12, 1)));
    }

    /**
     * Wang et al.'s formula written out plainly: a full 2D Gaussian window (the outer product of the 1D
     * one, sigma 1.5, 11 taps) around each pixel of the cropped map, population moments, and the mean.
     */
    private static double naive(FloatImage a, FloatImage b) {
        double[] g = new double[11];
        double gs = 0;
        for (int k = -5; k <= 5; k++) gs += g[k + 5] = Math.exp(-k * k / (2 * 1.5 * 1.5));
        double total = 0;
        int h = a.height(), w = a.width();
        for (int c = 0; c < a.channels(); c++) {
            double sum = 0;
            for (int y = 5; y < h - 5; y++)
                for (int x = 5; x < w - 5; x++) {
                    double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                    for (int dy = -5; dy <= 5; dy++)
                        for (int dx = -5; dx <= 5; dx++) {
                            double wt = g[dy + 5] * g[dx + 5] / (gs * gs);
                            double p = a.get(c, y + dy, x + dx), q = b.get(c, y + dy, x + dx);
                            mx += wt * p; my += wt * q; xx += wt * p * p; yy += wt * q * q; xy += wt * p * q;
                        }
                    double c1 = 1e-4, c2 = 9e-4;
                    sum += (2 * mx * my + c1) * (2 * (xy - mx * my) + c2) / ((mx * mx + my * my + c1) * (xx - mx * mx + yy - my * my + c2));
                }
            total += sum / ((h - 10) * (w - 10));
        }
        return total / a.channels();
    }

    static FloatImage random(int c, int h, int w, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[c * h * w];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextDouble();
        return new FloatImage(c, h, w, v);
    }

    static FloatImage noisy(FloatImage clean, double sigma, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = clean.values().clone();
        for (int i = 0; i < v.length; i++) {
            double z = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            v[i] = (float) Math.min(Math.max(v[i] + sigma * z, 0), 1);
        }
        return new FloatImage(clean.channels(), clean.height(), clean.width(), v);
    }

    private static FloatImage plane(FloatImage image, int c) {
        int n = image.height() * image.width();
        float[] v = new float[n];
        System.arraycopy(image.values(), c * n, v, 0, n);
        return new FloatImage(1, image.height(), image.width(), v);
    }
}
