package cae.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CheckerboardTest {
    private static float[] image(int h, int w, java.util.function.IntBinaryOperator f) {
        float[] p = new float[h * w];
        for (int r = 0; r < h; r++) for (int c = 0; c < w; c++) p[r * w + c] = f.applyAsInt(r, c);
        return p;
    }

    @Test
    void flatImageScoresZero() {
        assertEquals(0, Checkerboard.score(image(28, 28, (r, c) -> 3), 0, 28, 28));
    }

    @Test
    void pureCheckerboardScoresOneWhateverItsOffset() {
        // 5 + (-1)^(r+c): the DC part is not counted, so all non-DC energy is at the diagonal Nyquist bin
        assertEquals(1, Checkerboard.score(image(28, 28, (r, c) -> 5 + ((r + c) % 2 == 0 ? 1 : -1)), 0, 28, 28), 1e-12);
    }

    @Test
    void stripesOfPeriodTwoScoreOneOnEitherAxis() {
        assertEquals(1, Checkerboard.score(image(8, 6, (r, c) -> r % 2), 0, 8, 6), 1e-12);
        assertEquals(1, Checkerboard.score(image(8, 6, (r, c) -> c % 2), 0, 8, 6), 1e-12);
    }

    @Test
    void smoothImageScoresNearZeroAndHalfNyquistIsMixed() {
        double smooth = Checkerboard.score(image(28, 28, (r, c) -> (int) (100 * Math.sin(r / 9.0) * Math.cos(c / 7.0))), 0, 28, 28);
        assertTrue(smooth < 0.01, "smooth: " + smooth);
        // half the energy in a period-2 pattern, half in a period-4 one
        double mixed = Checkerboard.score(image(8, 8, (r, c) -> (r % 2 == 0 ? 1 : -1) + (c % 4 < 2 ? 1 : -1)), 0, 8, 8);
        assertEquals(0.5, mixed, 1e-12);
    }

    @Test
    void oddAxisHasNoNyquistBin() {
        // rows alternate on an axis of odd length 7: that is not a DFT bin, so it does not count
        double odd = Checkerboard.score(image(7, 4, (r, c) -> r % 2), 0, 7, 4);
        assertEquals(0, odd, 1e-12);
    }

    @Test
    void scoresTheImageAtItsOffsetAndWhiteNoiseLow() {
        float[] two = new float[2 * 16];
        float[] checker = image(4, 4, (r, c) -> (r + c) % 2);
        System.arraycopy(checker, 0, two, 16, 16);
        assertEquals(0, Checkerboard.score(two, 0, 4, 4), 1e-12);
        assertEquals(1, Checkerboard.score(two, 16, 4, 4), 1e-12);
        float[] noise = new float[28 * 28];
        Random random = new Random(3);
        for (int i = 0; i < noise.length; i++) noise[i] = random.nextFloat();
        double s = Checkerboard.score(noise, 0, 28, 28);
        assertTrue(s > 0 && s < 0.05, "white noise spreads its energy over all 783 non-DC bins: " + s);
    }
}
