package cae.engine.cpu;

import cae.engine.reference.ReferenceOps;

import java.util.Arrays;
import java.util.Random;

import static cae.engine.Numerics.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link ConvKernels} implementation against the reference engine's double-precision 3x3 SAME
 * convolution, forward, backward-data and backward-filter, on one shape: inputs embedded in larger
 * arrays, outputs pre-filled so that a cell left unwritten or written outside fails.
 */
final class ConvKernelsCheck {
    static final double TOLERANCE = 1e-5;
    /** Arrays are embedded at this offset inside larger ones, with guard cells after. */
    static final int OFFSET = 13, GUARD = 37;

    /** {cin, cout, h, w}: every layer of the reference model, then odd and small shapes. */
    static final int[][] SHAPES = {
            {1, 32, 28, 28}, {32, 32, 14, 14}, {32, 16, 7, 7}, {16, 16, 7, 7}, {16, 32, 14, 14},
            {32, 32, 28, 28}, {32, 1, 28, 28},
            {1, 1, 1, 1}, {1, 1, 1, 5}, {1, 1, 5, 1}, {3, 5, 3, 3}, {7, 9, 2, 7}, {5, 3, 13, 11},
            {2, 12, 1, 5}, {9, 7, 5, 1}, {17, 20, 6, 9}, {4, 33, 4, 17}, {33, 2, 9, 4}, {1, 8, 30, 31},
            {8, 1, 3, 3}, {12, 4, 11, 13}, {6, 40, 2, 2},
            // the photo model's widths: 64 outputs are 10 tiles of 6 and one of 4, or 8 of 8
            {3, 64, 9, 10}, {64, 64, 8, 8}, {64, 32, 5, 7}, {32, 64, 6, 6}, {64, 3, 8, 9}, {20, 13, 5, 6},
            // planes longer than the few-channel kernels' stretch of positions, with either vector width
            {2, 3, 41, 43}, {45, 1, 40, 39},
    };

    private final Random random;

    ConvKernelsCheck(long seed) { random = new Random(seed); }

    /** Random values away from zero, both signs. */
    float[] randomArray(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (0.1f + 0.9f * random.nextFloat()) * (random.nextBoolean() ? 1 : -1);
        return a;
    }

    /** A copy of {@code data} at OFFSET inside a larger array whose other cells hold {@code fill}. */
    static float[] embed(float[] data, float fill) {
        float[] a = new float[OFFSET + data.length + GUARD];
        Arrays.fill(a, fill);
        System.arraycopy(data, 0, a, OFFSET, data.length);
        return a;
    }

    private static double[] forwardReference(float[] x, int cin, int h, int w, float[] wt, float[] bias, int cout, boolean relu) {
        return ReferenceOps.conv3x3(toDouble(x), toDouble(wt), toDouble(bias), 1, cin, cout, h, w, relu);
    }

    private static double[] backwardDataReference(float[] dy, int cout, int h, int w, float[] wt, int cin) {
        return ReferenceOps.conv3x3InputGradient(toDouble(dy), toDouble(wt), 1, cin, cout, h, w);
    }

    /** The weight gradient followed by the bias gradient, as backwardFilter lays them out. */
    static double[] backwardFilterReference(float[] x, int cin, int h, int w, float[] dy, int cout) {
        double[] dWeight = ReferenceOps.conv3x3WeightGradient(toDouble(x), toDouble(dy), 1, cin, cout, h, w);
        double[] dBias = ReferenceOps.biasGradient(toDouble(dy), 1, cout, h * w);
        double[] g = Arrays.copyOf(dWeight, dWeight.length + cout);
        System.arraycopy(dBias, 0, g, dWeight.length, cout);
        return g;
    }

    /** Checks got[OFFSET + i] against want[i] to TOLERANCE and that the cells around are untouched. */
    private static void assertClose(String what, double[] want, float[] got, float guard) {
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[OFFSET + i] - want[i];
            diff += d * d;
            norm += want[i] * want[i];
        }
        // a ReLU can zero a tiny output entirely; then the error must be exactly zero
        double rel = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(rel <= TOLERANCE, what + ": relative error " + rel);
        for (int i = 0; i < got.length; i++) {
            if (i >= OFFSET && i < OFFSET + want.length) continue;
            assertEquals(Float.floatToIntBits(guard), Float.floatToIntBits(got[i]), what + ": wrote outside its output at " + i);
        }
    }

    static String name(int[] s, String pass) {
        return pass + " " + s[0] + "->" + s[1] + " @" + s[2] + "x" + s[3];
    }

    void check(ConvKernels k, int[] shape, boolean relu) {
        int cin = shape[0], cout = shape[1], h = shape[2], w = shape[3];
        float[] x = randomArray(cin * h * w), wt = randomArray(cout * cin * 9), bias = randomArray(cout);
        float[] dy = randomArray(cout * h * w);

        float[] y = embed(new float[cout * h * w], Float.NaN);
        k.forward(embed(x, 0f), OFFSET, cin, h, w, embed(wt, 0f), OFFSET, embed(bias, 0f), OFFSET, cout, y, OFFSET, relu);
        double[] yRef = forwardReference(x, cin, h, w, wt, bias, cout, relu);
        if (relu) for (int i = 0; i < yRef.length; i++) if (y[OFFSET + i] < 0) throw new AssertionError("negative output after ReLU");
        assertClose(name(shape, relu ? "forward+relu" : "forward"), yRef, y, Float.NaN);

        float[] dx = embed(new float[cin * h * w], Float.NaN);
        k.backwardData(embed(dy, 0f), OFFSET, cout, h, w, embed(wt, 0f), OFFSET, cin, dx, OFFSET);
        assertClose(name(shape, "backwardData"), backwardDataReference(dy, cout, h, w, wt, cin), dx, Float.NaN);

        // backwardFilter accumulates: start from random gradients and expect them plus the reference
        float[] dwBefore = randomArray(cout * cin * 9), dbBefore = randomArray(cout);
        float[] dw = embed(dwBefore, -7f), db = embed(dbBefore, -7f);
        k.backwardFilter(embed(x, 0f), OFFSET, cin, h, w, embed(dy, 0f), OFFSET, cout, dw, OFFSET, db, OFFSET);
        double[] g = backwardFilterReference(x, cin, h, w, dy, cout);
        double[] dwWant = new double[cout * cin * 9], dbWant = new double[cout];
        double[] dwGrad = Arrays.copyOf(g, cout * cin * 9), dbGrad = Arrays.copyOfRange(g, cout * cin * 9, g.length);
        for (int i = 0; i < dwWant.length; i++) dwWant[i] = dwBefore[i] + g[i];
        for (int i = 0; i < dbWant.length; i++) dbWant[i] = dbBefore[i] + g[cout * cin * 9 + i];
        assertClose(name(shape, "backwardFilter dw"), dwWant, dw, -7f);
        assertClose(name(shape, "backwardFilter db"), dbWant, db, -7f);
        // the gradient alone, so that a large starting value cannot hide its error
        float[] dwOnly = new float[dw.length], dbOnly = new float[db.length];
        for (int i = 0; i < dwGrad.length; i++) dwOnly[OFFSET + i] = dw[OFFSET + i] - dwBefore[i];
        for (int i = 0; i < dbGrad.length; i++) dbOnly[OFFSET + i] = db[OFFSET + i] - dbBefore[i];
        assertClose(name(shape, "backwardFilter dw increment"), dwGrad, dwOnly, 0f);
        assertClose(name(shape, "backwardFilter db increment"), dbGrad, dbOnly, 0f);
    }

}
