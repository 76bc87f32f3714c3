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

class MaxPoolTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    private static float[] pool(float[] input, int n, int c, int h, int w) {
        Tensor x = engine.zeros(n, c, h, w), y = engine.zeros(n, c, (h + 1) / 2, (w + 1) / 2);
        engine.write(x, input);
        engine.maxPool(x, y);
        float[] out = new float[y.size()];
        engine.read(y, out);
        return out;
    }

    private static float[] poolBackward(float[] input, float[] gradient, int n, int c, int h, int w) {
        Tensor x = engine.zeros(n, c, h, w), y = engine.zeros(n, c, (h + 1) / 2, (w + 1) / 2);
        Tensor dy = engine.zeros(y.shape()), dx = engine.zeros(x.shape());
        engine.write(x, input);
        engine.maxPool(x, y);
        engine.write(dy, gradient);
        engine.fill(dx, 9f);   // must be overwritten
        engine.maxPoolBackward(x, y, dy, dx);
        float[] out = new float[dx.size()];
        engine.read(dx, out);
        return out;
    }

    /** Distinct values 0.01 apart in random positions, so every window has one clear maximum. */
    private static float[] distinct(Random random, int size) {
        int[] order = sample(random, size, size);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[order[i]] = (i - size / 2) * 0.01f;
        return x;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"2, 3, 7, 7", "1, 2, 28, 28", "2, 2, 5, 3", "1, 1, 1, 1", "1, 2, 2, 2", "2, 1, 1, 6", "1, 1, 14, 14"})
    void forwardAndGradientMatchDoubleReference(int n, int c, int h, int w) {
        Random random = new Random(1000L * h + w);
        float[] x = distinct(random, n * c * h * w);
        double[] xd = toDouble(x);
        double[] expected = ReferenceOps.maxPool(xd, n, c, h, w);
        assertClose("maxPool forward", expected, pool(x, n, c, h, w), 0);

        float[] r = uniform(random, expected.length, -1, 1);
        double[] rd = toDouble(r);
        float[] dx = poolBackward(x, r, n, c, h, w);
        assertGradient("maxPool dx", v -> dot(rd, ReferenceOps.maxPool(v, n, c, h, w)), xd, dx, random,
                2000, 1e-4, 1e-6);
    }

    @Test
    void sevenPoolsToFourWithWindowsOfTwoTwoTwoAndOne() {
        int[] window = {0, 0, 1, 1, 2, 2, 3};
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 7; c++) {
                float[] x = new float[49];
                java.util.Arrays.fill(x, -1f);
                x[r * 7 + c] = 5f;
                float[] y = pool(x, 1, 1, 7, 7);
                float[] dy = new float[16];
                dy[window[r] * 4 + window[c]] = 2f;
                float[] dx = poolBackward(x, dy, 1, 1, 7, 7);
                for (int o = 0; o < 16; o++)
                    assertEquals(o == window[r] * 4 + window[c] ? 5f : -1f, y[o], "cell (" + r + "," + c + "), output " + o);
                for (int i = 0; i < 49; i++)
                    assertEquals(i == r * 7 + c ? 2f : 0f, dx[i], "cell (" + r + "," + c + "), gradient at " + i);
            }
    }

    @Test
    void eachWindowsMaximumLandsInItsOutputAndGetsItsGradientBack() {
        // 7x7 -> 4x4: put a distinct maximum at a random real cell of every window.
        Random random = new Random(7);
        float[] x = uniform(random, 49, -2, -1);
        float[] dy = new float[16];
        int[] argmax = new int[16];
        for (int oy = 0; oy < 4; oy++)
            for (int ox = 0; ox < 4; ox++) {
                int r = Math.min(oy * 2 + random.nextInt(2), 6), c = Math.min(ox * 2 + random.nextInt(2), 6);
                argmax[oy * 4 + ox] = r * 7 + c;
                x[r * 7 + c] = 10 + oy * 4 + ox;
                dy[oy * 4 + ox] = 100 + oy * 4 + ox;
            }
        float[] y = pool(x, 1, 1, 7, 7);
        float[] dx = poolBackward(x, dy, 1, 1, 7, 7);
        float[] expectedDx = new float[49];
        for (int o = 0; o < 16; o++) {
            assertEquals(10 + o, y[o], "output " + o);
            expectedDx[argmax[o]] = dy[o];
        }
        assertArrayEquals(expectedDx, dx);
    }

    @Test
    void paddingNeverWinsOverNegativeCells() {
        // x[r][c] = -(1 + r*w + c): each window's maximum is its top-left real cell, never the padding's 0.
        for (int[] size : new int[][] {{7, 7}, {5, 3}, {1, 1}, {3, 1}}) {
            int h = size[0], w = size[1], oh = (h + 1) / 2, ow = (w + 1) / 2;
            float[] x = new float[h * w];
            for (int i = 0; i < x.length; i++) x[i] = -(1 + i);
            float[] y = pool(x, 1, 1, h, w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    assertEquals(-(1 + 2 * oy * w + 2 * ox), y[oy * ow + ox], h + "x" + w + " output (" + oy + "," + ox + ")");
        }
    }

    @Test
    void tiesGoToTheFirstCellInRowMajorWindowOrder() {
        // All cells equal: every window's gradient goes to its top-left cell, including the cut-off windows.
        float[] x = new float[49];
        java.util.Arrays.fill(x, 0.5f);
        float[] dy = new float[16];
        for (int o = 0; o < 16; o++) dy[o] = o + 1;
        float[] dx = poolBackward(x, dy, 1, 1, 7, 7);
        float[] expected = new float[49];
        for (int oy = 0; oy < 4; oy++)
            for (int ox = 0; ox < 4; ox++) expected[oy * 2 * 7 + ox * 2] = oy * 4 + ox + 1;
        assertArrayEquals(expected, dx);

        // A tie between (0,1), (1,0) and (1,1) above a smaller (0,0): (0,1) comes first.
        float[] dx2 = poolBackward(new float[] {1f, 3f, 3f, 3f}, new float[] {4f}, 1, 1, 2, 2);
        assertArrayEquals(new float[] {0f, 4f, 0f, 0f}, dx2);
        // A tie between (1,0) and (1,1): (1,0) comes first.
        float[] dx3 = poolBackward(new float[] {1f, 2f, 3f, 3f}, new float[] {4f}, 1, 1, 2, 2);
        assertArrayEquals(new float[] {0f, 0f, 4f, 0f}, dx3);
    }

    @Test
    void gradientsOfOverlappingArgmaxesNeverMix() {
        // Each channel and sample is pooled on its own: the same pattern in two planes routes independently.
        float[] x = {1, 2, 3, 4,   4, 3, 2, 1};
        float[] dx = poolBackward(x, new float[] {10f, 20f}, 2, 1, 2, 2);
        assertArrayEquals(new float[] {0, 0, 0, 10,   20, 0, 0, 0}, dx);
        assertArrayEquals(new float[] {4f, 4f}, pool(x, 1, 2, 2, 2));
    }
}
