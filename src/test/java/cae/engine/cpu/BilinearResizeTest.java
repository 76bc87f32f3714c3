package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.reference.ReferenceOps;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class BilinearResizeTest {
    /** One, two and three threads; the two-thread engine runs the single-engine checks. */
    private static final Engine[] engines = {new CpuEngine(1), new CpuEngine(2), new CpuEngine(3)};
    private static final Engine engine = engines[1];

    @AfterAll static void close() { for (Engine e : engines) e.close(); }

    private static float[] resize(Engine e, float[] input, int n, int c, int h, int w, int oh, int ow) {
        Tensor x = e.zeros(n, c, h, w), y = e.zeros(n, c, oh, ow);
        e.write(x, input);
        e.fill(y, 9f);   // must be overwritten
        e.bilinearResize(x, y);
        float[] out = new float[y.size()];
        e.read(y, out);
        return out;
    }

    private static float[] resizeBackward(Engine e, float[] gradient, int n, int c, int h, int w, int oh, int ow) {
        Tensor dy = e.zeros(n, c, oh, ow), dx = e.zeros(n, c, h, w);
        e.write(dy, gradient);
        e.fill(dx, 9f);   // must be overwritten, not accumulated into
        e.bilinearResizeBackward(dy, dx);
        float[] out = new float[dx.size()];
        e.read(dx, out);
        return out;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} -> {4}x{5}")
    @CsvSource({"2, 3, 4, 4, 7, 7", "1, 2, 7, 7, 14, 14", "1, 1, 14, 14, 28, 28", "2, 1, 3, 3, 10, 10",
            "1, 2, 5, 5, 2, 2", "3, 1, 1, 1, 3, 3", "1, 2, 4, 7, 7, 14", "2, 2, 3, 5, 3, 5", "1, 1, 6, 2, 4, 9"})
    void forwardAndGradientMatchDoubleReference(int n, int c, int h, int w, int oh, int ow) {
        Random random = new Random(100L * h + 10L * oh + ow + w);
        float[] x = uniform(random, n * c * h * w, -1, 1);
        double[] xd = toDouble(x);
        assertClose("bilinearResize forward", ReferenceOps.bilinearResize(xd, n, c, h, w, oh, ow),
                resize(engine, x, n, c, h, w, oh, ow), 1e-5);

        // L = sum(r * resize(x)) is linear in x, so central differences are exact up to rounding.
        float[] r = uniform(random, n * c * oh * ow, -1, 1);
        double[] rd = toDouble(r);
        float[] dx = resizeBackward(engine, r, n, c, h, w, oh, ow);
        assertGradient("bilinearResize dx", v -> dot(rd, ReferenceOps.bilinearResize(v, n, c, h, w, oh, ow)), xd, dx,
                random, 500, 1e-3, 1e-5);
    }

    /** Resizes a one-hot 1 x in line at {@code hot} along columns and along rows; both must agree. */
    private static float[] weightsOfCell(int hot, int in, int out) {
        float[] x = new float[in];
        x[hot] = 1f;
        float[] columns = resize(engine, x, 1, 1, 1, in, 1, out), rows = resize(engine, x, 1, 1, in, 1, out, 1);
        assertArrayEquals(columns, rows, "rows follow the same rule as columns, " + in + " -> " + out);
        return columns;
    }

    @Test
    void fourToSevenFollowsTheTf1Rule() {
        // src = dst * 4 / 7: row 1 is 4/7 (cells 0 and 1, t = 4/7); row 6 is 24/7 = 3.43, whose
        // i1 = min(4, 3) = 3, so it copies cell 3.
        float[] cell0 = weightsOfCell(0, 4, 7), cell1 = weightsOfCell(1, 4, 7), cell3 = weightsOfCell(3, 4, 7);
        float[] expected0 = {1f, 3 / 7f, 0, 0, 0, 0, 0};
        float[] expected1 = {0, 4 / 7f, 6 / 7f, 2 / 7f, 0, 0, 0};
        float[] expected3 = {0, 0, 0, 0, 2 / 7f, 6 / 7f, 1f};
        for (int d = 0; d < 7; d++) {
            assertEquals(expected0[d], cell0[d], 1e-6, "weight of cell 0 in output " + d);
            assertEquals(expected1[d], cell1[d], 1e-6, "weight of cell 1 in output " + d);
            assertEquals(expected3[d], cell3[d], 1e-6, "weight of cell 3 in output " + d);
        }

        // On a ramp x[i] = i the output is its source position, clamped at the last cell.
        float[] ramp = {0, 1, 2, 3};
        float[] y = resize(engine, ramp, 1, 1, 1, 4, 1, 7);
        float[] expected = {0, 4 / 7f, 8 / 7f, 12 / 7f, 16 / 7f, 20 / 7f, 3};
        for (int d = 0; d < 7; d++) assertEquals(expected[d], y[d], 1e-6, "output " + d);
    }

    @Test
    void whereTheSourceIsAWholeNumberTheCellIsCopied() {
        // 7 -> 14 and 14 -> 28 put every even output exactly on a source cell and every odd one halfway.
        float[] x = new float[7];
        for (int i = 0; i < 7; i++) x[i] = i * i;
        float[] y = resize(engine, x, 1, 1, 1, 7, 1, 14);
        for (int i = 0; i < 7; i++) {
            assertEquals(x[i], y[2 * i], "output " + 2 * i);
            assertEquals(i == 6 ? x[6] : (x[i] + x[i + 1]) / 2, y[2 * i + 1], 1e-6, "output " + (2 * i + 1));
        }
        // 6 -> 4: sources 0, 1.5, 3 and 4.5.
        assertArrayEquals(new float[] {0f, 1.5f, 3f, 4.5f}, resize(engine, new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 1, 6, 1, 4), 1e-6f);
    }

    @Test
    void twoByTwoToFourByFourInterpolatesBothAxes() {
        // x = 2 r + c is linear, so the output is 2 a[r] + a[c] with a = the clamped source positions.
        float[] y = resize(engine, new float[] {0, 1, 2, 3}, 1, 1, 2, 2, 4, 4);
        float[] a = {0f, 0.5f, 1f, 1f};
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) assertEquals(2 * a[r] + a[c], y[r * 4 + c], 1e-6, "output (" + r + "," + c + ")");
    }

    @Test
    void backwardSpreadsEachGradientWithTheForwardWeights() {
        // An all-ones gradient gives each source cell the total weight it has in the output:
        // for 4 -> 7 per axis, cell 0: 1 + 3/7, cell 1: 4/7 + 6/7 + 2/7, cell 2: 1/7 + 5/7 + 5/7 + 1/7, cell 3: 2/7 + 6/7 + 1.
        float[] total = {10 / 7f, 12 / 7f, 12 / 7f, 15 / 7f};
        float[] ones = new float[49];
        Arrays.fill(ones, 1f);
        float[] dx = resizeBackward(engine, ones, 1, 1, 4, 4, 7, 7);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) assertEquals(total[r] * total[c], dx[r * 4 + c], 1e-5, "source (" + r + "," + c + ")");

        // One output cell: row 1 of 7 takes 3/7 of cell 0 and 4/7 of cell 1.
        float[] dy = new float[7];
        dy[1] = 7f;
        assertArrayEquals(new float[] {3f, 4f, 0f, 0f}, resizeBackward(engine, dy, 1, 1, 4, 1, 7, 1), 1e-5f);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3, 5, 17})
    void bitwiseTheSameOnOneTwoAndThreeThreads(int batch) {
        Random random = new Random(batch);
        int c = 3;
        float[] x = uniform(random, batch * c * 4 * 7, -1, 1), dy = uniform(random, batch * c * 7 * 14, -1, 1);
        float[] y1 = resize(engines[0], x, batch, c, 4, 7, 7, 14), dx1 = resizeBackward(engines[0], dy, batch, c, 4, 7, 7, 14);
        for (int e = 1; e < engines.length; e++) {
            assertArrayEquals(y1, resize(engines[e], x, batch, c, 4, 7, 7, 14), engines[e].describe());
            assertArrayEquals(dx1, resizeBackward(engines[e], dy, batch, c, 4, 7, 7, 14), engines[e].describe());
        }
    }

    @Test
    void mismatchedTensorsAreRefusedNamingTheOp() {
        Tensor x = engine.zeros(2, 3, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.bilinearResize(x, engine.zeros(2, 2, 7, 7)));
        assertTrue(e.getMessage().contains("bilinearResize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.bilinearResizeBackward(engine.zeros(1, 3, 7, 7), x));
        assertTrue(e.getMessage().contains("bilinearResizeBackward"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.bilinearResize(engine.zeros(2, 3, 0, 4), engine.zeros(2, 3, 7, 7)));
        assertTrue(e.getMessage().contains("bilinearResize"), e.getMessage());
    }
}
