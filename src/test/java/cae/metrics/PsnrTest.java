package cae.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** PSNR on the [0, 1] scale, held to scikit-image's peak_signal_noise_ratio(data_range=1). */
class PsnrTest {
    /** {c, h, w, salt, PSNR dB} printed by {@code python3 anchors/ssim_check.py}, which regenerates them. */
    private static final double[][] SKIMAGE = {
            {1, 23, 31, 1, 19.758160754445857},
            {3, 17, 29, 2, 19.616012167463982},
            {1, 11, 11, 3, 19.35518640661592},
            {3, 40, 12, 4, 19.64972103462067},
    };

    @Test
    void agreesWithScikitImage() {
        for (double[] row : SKIMAGE) {
            int c = (int) row[0], h = (int) row[1], w = (int) row[2], salt = (int) row[3];
            assertEquals(row[4], Psnr.of(OracleImages.smoothImage(c, h, w), OracleImages.scrambledImage(c, h, w, salt)), 1e-10);
        }
    }

    @Test
    void isTenLog10OfOneOverTheMeanSquaredError() {
        FloatImage a = new FloatImage(1, 1, 4, new float[] {0f, 0.5f, 1f, 0.25f});
        FloatImage b = new FloatImage(1, 1, 4, new float[] {0.1f, 0.5f, 0.9f, 0.25f});
        double mse = (Math.pow(0.1f, 2) + Math.pow(1 - 0.9f, 2)) / 4;
        assertEquals(10 * Math.log10(1 / mse), Psnr.of(a, b), 1e-9);
        assertEquals(Psnr.of(a, b), Psnr.of(b, a), 0);
    }

    @Test
    void anExactMatchReadsAsOneHundredDecibels() {
        FloatImage a = SsimTest.random(3, 5, 7, 1);
        assertEquals(Psnr.EXACT, Psnr.of(a, a));
        assertThrows(IllegalArgumentException.class, () -> Psnr.of(a, SsimTest.random(1, 5, 7, 1)));
    }
}
