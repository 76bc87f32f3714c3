package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.reference.ReferenceOps;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class ResizeTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    private static float[] resize(float[] input, int n, int c, int h, int w, int oh, int ow) {
        Tensor x = engine.zeros(n, c, h, w), y = engine.zeros(n, c, oh, ow);
        engine.write(x, input);
        engine.resize(x, y);
        float[] out = new float[y.size()];
        engine.read(y, out);
        return out;
    }

    private static float[] resizeBackward(float[] gradient, int n, int c, int h, int w, int oh, int ow) {
        Tensor dy = engine.zeros(n, c, oh, ow), dx = engine.zeros(n, c, h, w);
        engine.write(dy, gradient);
        engine.fill(dx, 9f);   // must be overwritten
        engine.resizeBackward(dy, dx);
        float[] out = new float[dx.size()];
        engine.read(dx, out);
        return out;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} -> {4}x{5}")
    @CsvSource({"2, 3, 4, 4, 7, 7", "1, 2, 7, 7, 14, 14", "2, 1, 3, 3, 10, 10", "1, 2, 5, 5, 2, 2",
            "3, 1, 1, 1, 3, 3", "1, 2, 4, 7, 7, 14", "1, 1, 14, 14, 28, 28", "2, 2, 3, 5, 3, 5"})
    void forwardAndGradientMatchDoubleReference(int n, int c, int h, int w, int oh, int ow) {
        Random random = new Random(100L * h + 10L * oh + ow);
        float[] x = uniform(random, n * c * h * w, -1, 1);
        double[] xd = toDouble(x);
        double[] expected = ReferenceOps.resize(xd, n, c, h, w, oh, ow);
        assertClose("resize forward", expected, resize(x, n, c, h, w, oh, ow), 0);

        float[] r = uniform(random, expected.length, -1, 1);
        double[] rd = toDouble(r);
        float[] dx = resizeBackward(r, n, c, h, w, oh, ow);
        assertGradient("resize dx", v -> dot(rd, ReferenceOps.resize(v, n, c, h, w, oh, ow)), xd, dx, random,
                500, 1e-3, 1e-6);
    }

    /** Resizes a 1 x in image whose cells hold their own index, and returns the source of each output cell. */
    private static int[] sources(int in, int out) {
        float[] x = new float[in];
        for (int i = 0; i < in; i++) x[i] = i;
        float[] y = resize(x, 1, 1, 1, in, 1, out);
        int[] source = new int[out];
        for (int i = 0; i < out; i++) source[i] = (int) y[i];
        // The rows follow the same rule as the columns.
        float[] yRows = resize(x, 1, 1, in, 1, out, 1);
        for (int i = 0; i < out; i++) assertEquals(source[i], (int) yRows[i], "row " + i + " of " + in + " -> " + out);
        return source;
    }

    @Test
    void sourceCellsFollowTheTf1NearestRule() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3}, sources(4, 7));
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}, sources(7, 14));
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, sources(3, 10));
        assertArrayEquals(new int[] {0, 2}, sources(5, 2));
        assertArrayEquals(new int[] {0, 0, 0}, sources(1, 3));
        assertArrayEquals(new int[] {0, 1, 2}, sources(3, 3));
    }

    @Test
    void fourToSevenCopiesRowsAndColumnsZeroZeroOneOneTwoTwoThree() {
        float[] x = new float[16];
        for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) x[r * 4 + c] = 10 * r + c;
        float[] y = resize(x, 1, 1, 4, 4, 7, 7);
        int[] source = {0, 0, 1, 1, 2, 2, 3};
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 7; c++) assertEquals(10 * source[r] + source[c], y[r * 7 + c], "output (" + r + "," + c + ")");
    }

    @Test
    void backwardSumsEachOutputIntoItsSourceCell() {
        // All-ones gradient: source (r, c) receives (#outputs from row r) * (#outputs from column c).
        float[] ones = new float[49];
        java.util.Arrays.fill(ones, 1f);
        float[] dx = resizeBackward(ones, 1, 1, 4, 4, 7, 7);
        int[] count = {2, 2, 2, 1};
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) assertEquals(count[r] * count[c], dx[r * 4 + c], "source (" + r + "," + c + ")");

        // Source row 3 gets output row 6 only; source row 0 gets output rows 0 and 1.
        float[] dy = new float[7];
        dy[6] = 5f;
        assertArrayEquals(new float[] {0, 0, 0, 5}, resizeBackward(dy, 1, 1, 4, 1, 7, 1));
        float[] dy01 = {1f, 2f, 0, 0, 0, 0, 0};
        assertArrayEquals(new float[] {3, 0, 0, 0}, resizeBackward(dy01, 1, 1, 4, 1, 7, 1));

        // Downscaling 5 -> 2 drops cells 1, 3 and 4: they get no gradient.
        assertArrayEquals(new float[] {7, 0, 8, 0, 0}, resizeBackward(new float[] {7f, 8f}, 1, 1, 1, 5, 1, 2));
    }
}
