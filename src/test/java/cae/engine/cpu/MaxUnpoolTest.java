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

/** Max-unpooling (Engine.maxUnpool, which is maxPoolBackward with the values as its gradient); its gradient is maxUnpoolBackward. */
class MaxUnpoolTest {
    /** One, two and three threads; the two-thread engine runs the single-engine checks. */
    private static final Engine[] engines = {new CpuEngine(1), new CpuEngine(2), new CpuEngine(3)};
    private static final Engine engine = engines[1];

    @AfterAll static void close() { for (Engine e : engines) e.close(); }

    private static float[] unpool(Engine e, float[] poolInput, float[] values, int n, int c, int h, int w) {
        Tensor x = e.zeros(n, c, h, w), pooled = e.zeros(n, c, (h + 1) / 2, (w + 1) / 2), out = e.zeros(x.shape());
        e.write(x, poolInput);
        e.maxPool(x, pooled);
        e.fill(out, 9f);
        e.maxUnpool(x, pooled, tensor(e, values, pooled.shape()), out);
        float[] result = new float[out.size()];
        e.read(out, result);
        return result;
    }

    private static float[] unpoolBackward(Engine e, float[] poolInput, float[] dOut, int n, int c, int h, int w) {
        Tensor x = e.zeros(n, c, h, w), pooled = e.zeros(n, c, (h + 1) / 2, (w + 1) / 2), dValues = e.zeros(pooled.shape());
        e.write(x, poolInput);
        e.maxPool(x, pooled);
        e.fill(dValues, 9f);   // must be overwritten
        e.maxUnpoolBackward(x, pooled, tensor(e, dOut, x.shape()), dValues);
        float[] result = new float[dValues.size()];
        e.read(dValues, result);
        return result;
    }

    private static Tensor tensor(Engine e, float[] values, int... shape) {
        Tensor t = e.zeros(shape);
        e.write(t, values);
        return t;
    }

    /** Values from only five levels, so many windows hold ties and the first-arg-max rule decides. */
    private static float[] coarse(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = random.nextInt(5) * 0.25f - 0.5f;
        return x;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"2, 3, 7, 7", "1, 2, 28, 28", "2, 2, 5, 3", "1, 1, 1, 1", "1, 2, 2, 2", "2, 1, 1, 6", "1, 1, 14, 14", "1, 3, 4, 4"})
    void forwardMatchesReferenceAndGradientMatchesDifferences(int n, int c, int h, int w) {
        Random random = new Random(1000L * h + w);
        int pooledSize = n * c * ((h + 1) / 2) * ((w + 1) / 2);
        for (float[] x : new float[][] {uniform(random, n * c * h * w, -1, 1), coarse(random, n * c * h * w)}) {
            double[] xd = toDouble(x);
            float[] v = uniform(random, pooledSize, -1, 1);
            assertClose("max-unpool forward", ReferenceOps.maxUnpool(toDouble(v), xd, n, c, h, w), unpool(engine, x, v, n, c, h, w), 0);

            float[] r = uniform(random, n * c * h * w, -1, 1);
            double[] rd = toDouble(r);
            float[] dValues = unpoolBackward(engine, x, r, n, c, h, w);
            assertGradient("maxUnpoolBackward", u -> dot(rd, ReferenceOps.maxUnpool(u, xd, n, c, h, w)), toDouble(v), dValues,
                    random, 2000, 1e-3, 1e-6);
        }
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"3, 2, 7, 7", "2, 2, 5, 3", "1, 1, 1, 1", "2, 1, 2, 6", "1, 2, 28, 28"})
    void forwardAndBackwardAreAdjoint(int n, int c, int h, int w) {
        // <unpool(v), g> == <v, unpoolBackward(g)>: each side is the same sum of products v[o] g[arg-max o],
        // exact in double, so only the order of the sum can differ.
        Random random = new Random(7L * h + w + n);
        float[] x = coarse(random, n * c * h * w);
        float[] v = uniform(random, n * c * ((h + 1) / 2) * ((w + 1) / 2), -1, 1), g = uniform(random, n * c * h * w, -1, 1);
        double lhs = dot(toDouble(unpool(engine, x, v, n, c, h, w)), toDouble(g));
        double rhs = dot(toDouble(v), toDouble(unpoolBackward(engine, x, g, n, c, h, w)));
        assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)), "<unpool(v), g> vs <v, unpoolBackward(g)>");
    }

    /** dOut[i] = i: each gathered value names the cell it came from. */
    private static float[] gatheredCells(float[] poolInput, int h, int w) {
        float[] index = new float[h * w];
        for (int i = 0; i < index.length; i++) index[i] = i;
        return unpoolBackward(engine, poolInput, index, 1, 1, h, w);
    }

    @Test
    void sevenPoolsToFourAndEachWindowGathersFromItsMaximum() {
        // windows {0,1}, {2,3}, {4,5}, {6} per axis; a maximum at (r, c) is gathered by window (r/2, c/2)
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 7; c++) {
                float[] x = new float[49];
                Arrays.fill(x, -1f);
                x[r * 7 + c] = 5f;
                float[] cells = gatheredCells(x, 7, 7);
                assertEquals(r * 7 + c, cells[r / 2 * 4 + c / 2], "maximum at (" + r + "," + c + ")");
            }
    }

    @Test
    void paddingNeverWinsAndTiesGoToTheFirstCell() {
        // x[i] = -(1 + i): each window's maximum is its top-left real cell, never the padding.
        for (int[] size : new int[][] {{7, 7}, {5, 3}, {1, 1}, {3, 1}}) {
            int h = size[0], w = size[1], oh = (h + 1) / 2, ow = (w + 1) / 2;
            float[] x = new float[h * w];
            for (int i = 0; i < x.length; i++) x[i] = -(1 + i);
            float[] cells = gatheredCells(x, h, w);
            float[] allEqual = new float[h * w];
            Arrays.fill(allEqual, 0.5f);
            float[] tied = gatheredCells(allEqual, h, w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    assertEquals(2 * oy * w + 2 * ox, cells[oy * ow + ox], h + "x" + w + " window (" + oy + "," + ox + ")");
                    assertEquals(2 * oy * w + 2 * ox, tied[oy * ow + ox], h + "x" + w + " tied window (" + oy + "," + ox + ")");
                }
        }
        // (0,1), (1,0), (1,1) tie above a smaller (0,0): (0,1) comes first; then (1,0) before (1,1).
        assertArrayEquals(new float[] {1f}, gatheredCells(new float[] {1f, 3f, 3f, 3f}, 2, 2));
        assertArrayEquals(new float[] {2f}, gatheredCells(new float[] {1f, 2f, 3f, 3f}, 2, 2));
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3, 5, 17})
    void bitwiseTheSameOnOneTwoAndThreeThreads(int batch) {
        Random random = new Random(batch);
        int c = 3;
        float[] x = coarse(random, batch * c * 7 * 7), dOut = uniform(random, batch * c * 7 * 7, -1, 1);
        float[] reference = unpoolBackward(engines[0], x, dOut, batch, c, 7, 7);
        for (int e = 1; e < engines.length; e++)
            assertArrayEquals(reference, unpoolBackward(engines[e], x, dOut, batch, c, 7, 7), engines[e].describe());
    }

    @Test
    void mismatchedTensorsAreRefusedNamingTheOp() {
        Tensor x = engine.zeros(2, 3, 7, 7), pooled = engine.zeros(2, 3, 4, 4);
        for (Runnable call : new Runnable[] {
                () -> engine.maxUnpoolBackward(x, engine.zeros(2, 3, 3, 4), engine.zeros(x.shape()), engine.zeros(2, 3, 3, 4)),
                () -> engine.maxUnpoolBackward(x, pooled, engine.zeros(2, 3, 7, 6), engine.zeros(pooled.shape())),
                () -> engine.maxUnpoolBackward(x, pooled, engine.zeros(x.shape()), engine.zeros(2, 3, 4, 3))}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertTrue(e.getMessage().contains("maxUnpoolBackward"), e.getMessage());
        }
    }
}
