package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.reference.ReferenceOps;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class TransposedConvolutionTest {
    /** One, two and three threads; the two-thread engine runs the single-engine checks. */
    private static final Engine[] engines = {new CpuEngine(1), new CpuEngine(2), new CpuEngine(3)};
    private static final Engine engine = engines[1];

    @AfterAll static void close() { for (Engine e : engines) e.close(); }

    /** One transposed convolution's inputs (weight is (cin, cout, 3, 3)) and its double-precision forward. */
    private record Case(int n, int cin, int cout, int h, int w, int oh, int ow, float[] x, float[] weight, float[] bias) {
        double[] forward(double[] xd, double[] wd, double[] bd, boolean relu) {
            return ReferenceOps.transposedConv3x3(xd, wd, bd, n, cin, cout, h, w, oh, ow, relu);
        }
    }

    /** Random inputs whose pre-activations all keep {@code margin} away from the ReLU kink. */
    private static Case randomCase(Random random, int n, int cin, int cout, int h, int w, int oh, int ow, double margin) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            Case c = new Case(n, cin, cout, h, w, oh, ow, uniform(random, n * cin * h * w, -1, 1),
                    uniform(random, cin * cout * 9, -1, 1), uniform(random, cout, -0.5, 0.5));
            double[] pre = c.forward(toDouble(c.x), toDouble(c.weight), toDouble(c.bias), false);
            double closest = Double.POSITIVE_INFINITY;
            for (double v : pre) closest = Math.min(closest, Math.abs(v));
            if (closest >= margin) return c;
        }
        throw new AssertionError("no random case keeps pre-activations " + margin + " away from zero");
    }

    /** The identity the engine is built on, in double precision: zero insertion, then a SAME conv with w'. */
    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({"4, 4, 7, 7", "7, 7, 14, 14", "3, 3, 5, 5", "1, 1, 1, 1", "1, 1, 2, 2", "3, 4, 6, 7", "2, 5, 3, 10"})
    void isAZeroInsertedSameConvolutionWithTheKernelSwappedAndFlipped(int h, int w, int oh, int ow) {
        Random random = new Random(10L * h + w + 100L * oh + ow);
        int n = 2, cin = 3, cout = 4;
        double[] x = toDouble(uniform(random, n * cin * h * w, -1, 1));
        double[] weight = toDouble(uniform(random, cin * cout * 9, -1, 1)), bias = toDouble(uniform(random, cout, -1, 1));
        double[] up = new double[n * cin * oh * ow];
        for (int p = 0; p < n * cin; p++)
            for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < w; ix++) up[(p * oh + 2 * iy) * ow + 2 * ix] = x[(p * h + iy) * w + ix];
        double[] swapped = new double[weight.length];
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        swapped[((co * cin + ci) * 3 + ky) * 3 + kx] = weight[((ci * cout + co) * 3 + 2 - ky) * 3 + 2 - kx];
        double[] direct = ReferenceOps.transposedConv3x3(x, weight, bias, n, cin, cout, h, w, oh, ow, false);
        double[] viaConv = ReferenceOps.conv3x3(up, swapped, bias, n, cin, cout, oh, ow, false);
        for (int i = 0; i < direct.length; i++)
            assertEquals(direct[i], viaConv[i], 1e-12, "output " + i + ": zero insertion + swapped, flipped SAME conv");

        // and the index mapping the engine uses for w' is the one written out above
        float[] w32 = new float[weight.length], swapped32 = new float[weight.length];
        for (int i = 0; i < weight.length; i++) w32[i] = (float) weight[i];
        TransposedConvolution.swapAndFlip(w32, 0, cin, cout, swapped32);
        for (int i = 0; i < weight.length; i++) assertEquals((float) swapped[i], swapped32[i], "w' element " + i);
    }

    @ParameterizedTest(name = "n={0} cin={1} cout={2} {3}x{4} -> {5}x{6} relu={7}")
    @CsvSource({
            "2, 3, 5, 4, 4, 7, 7, false", "2, 3, 5, 4, 4, 7, 7, true",
            "1, 4, 3, 7, 7, 14, 14, true", "1, 2, 2, 14, 14, 28, 28, false",
            "3, 2, 3, 3, 3, 5, 5, true", "2, 1, 1, 1, 1, 1, 1, false", "1, 2, 3, 1, 1, 2, 2, true",
            "2, 3, 2, 3, 4, 6, 7, false", "1, 16, 16, 7, 7, 14, 14, true", "5, 8, 9, 4, 4, 7, 7, false"})
    void forwardAndGradientsMatchDoubleReference(int n, int cin, int cout, int h, int w, int oh, int ow, boolean relu) {
        Random random = new Random(31L * n + 7L * cin + 5L * cout + 3L * h + w + oh + (relu ? 1000 : 0));
        Case c = randomCase(random, n, cin, cout, h, w, oh, ow, relu ? 1e-3 : 0);
        WeightedLayerCheck.forwardAndGradients(engine, "transposedConv3x3", new WeightedLayerCheck.Layer() {
            @Override public void forward(Engine e, Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
                e.transposedConv3x3(x, weight, bias, y, relu);
            }

            @Override public void backward(Engine e, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                           Tensor dx, Tensor dWeight, Tensor dBias) {
                e.transposedConv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias);
            }

            @Override public double[] reference(double[] x, double[] weight, double[] bias, boolean relu) {
                return c.forward(x, weight, bias, relu);
            }
        }, new int[] {n, cin, h, w}, new int[] {cin, cout, 3, 3}, new int[] {n, cout, oh, ow}, c.x, c.weight, c.bias, relu, random);
    }

    private static float[] forward(Engine e, float[] x, float[] weight, float[] bias, int n, int cin, int cout,
                                   int h, int w, int oh, int ow, boolean relu) {
        Tensor xt = e.zeros(n, cin, h, w), wt = e.zeros(cin, cout, 3, 3), bt = e.zeros(cout), y = e.zeros(n, cout, oh, ow);
        e.write(xt, x);
        e.write(wt, weight);
        e.write(bt, bias);
        e.transposedConv3x3(xt, wt, bt, y, relu);
        float[] out = new float[y.size()];
        e.read(y, out);
        return out;
    }

    @Test
    void oneCellSpreadsTheKernelOverTheOutput() {
        // A single input cell x lands on output (2*0 + ky - 1, 2*0 + kx - 1): a 1x1 output sees only
        // the centre tap, a 2x2 output the taps (1..2, 1..2).
        float[] kernel = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertArrayEquals(new float[] {2f * 5 + 0.5f}, forward(engine, new float[] {2f}, kernel, new float[] {0.5f},
                1, 1, 1, 1, 1, 1, 1, false));
        assertArrayEquals(new float[] {10f, 12f, 16f, 18f}, forward(engine, new float[] {2f}, kernel, new float[] {0f},
                1, 1, 1, 1, 1, 2, 2, false));
        // 2 -> 3 along a row: the middle output gets the right tap of cell 0 and the left tap of cell 1.
        assertArrayEquals(new float[] {5f, 6f + 10f * 4f, 10f * 5f},
                forward(engine, new float[] {1f, 10f}, kernel, new float[] {0f}, 1, 1, 1, 1, 2, 1, 3, false));
        // Weight layout (cin, cout): with two outputs, output 1 uses weight[0][1].
        float[] two = new float[18];
        two[4] = 1f;
        two[9 + 4] = -3f;
        assertArrayEquals(new float[] {2f, 0f}, forward(engine, new float[] {2f}, two, new float[2], 1, 1, 2, 1, 1, 1, 1, true));
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3, 5, 17})
    void bitwiseTheSameOnOneTwoAndThreeThreads(int batch) {
        for (int[] shape : new int[][] {{3, 5, 4, 7}, {16, 8, 7, 14}}) {
            int cin = shape[0], cout = shape[1], h = shape[2], oh = shape[3];
            Random random = new Random(batch * 100L + cin);
            float[] x = uniform(random, batch * cin * h * h, -1, 1);
            float[] weight = uniform(random, cin * cout * 9, -0.3, 0.3), bias = uniform(random, cout, -0.1, 0.1);
            float[] dy = uniform(random, batch * cout * oh * oh, -1, 1);
            for (boolean relu : new boolean[] {false, true}) {
                List<float[]> reference = null;
                for (Engine e : engines) {
                    Tensor xt = e.zeros(batch, cin, h, h), wt = e.zeros(cin, cout, 3, 3), bt = e.zeros(cout);
                    Tensor y = e.zeros(batch, cout, oh, oh), dyt = e.zeros(y.shape()), dx = e.zeros(xt.shape());
                    Tensor dw = e.zeros(wt.shape()), db = e.zeros(cout);
                    e.write(xt, x);
                    e.write(wt, weight);
                    e.write(bt, bias);
                    e.write(dyt, dy);
                    e.transposedConv3x3(xt, wt, bt, y, relu);
                    e.transposedConv3x3Backward(xt, wt, y, dyt, relu, dx, dw, db);
                    List<float[]> result = List.of(read(e, y), read(e, dx), read(e, dw), read(e, db));
                    if (reference == null) reference = result;
                    else for (int i = 0; i < result.size(); i++)
                        assertArrayEquals(reference.get(i), result.get(i),
                                cin + "->" + cout + " relu=" + relu + ", output " + i + ", " + e.describe());
                }
            }
        }
    }

    private static float[] read(Engine e, Tensor t) {
        float[] a = new float[t.size()];
        e.read(t, a);
        return a;
    }

    private static void assertRefused(String op, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, op);
        assertTrue(e.getMessage().contains(op), "message \"" + e.getMessage() + "\" names " + op);
    }

    @Test
    void mismatchedTensorsAreRefusedNamingTheOp() {
        Tensor x = engine.zeros(2, 3, 4, 4), w = engine.zeros(3, 5, 3, 3), b = engine.zeros(5), y = engine.zeros(2, 5, 7, 7);
        engine.transposedConv3x3(x, w, b, engine.zeros(2, 5, 8, 7), false);   // 2 H is allowed too
        assertRefused("transposedConv3x3", () -> engine.transposedConv3x3(x, w, b, engine.zeros(2, 5, 9, 7), false));
        assertRefused("transposedConv3x3", () -> engine.transposedConv3x3(x, w, b, engine.zeros(2, 5, 7, 6), false));
        assertRefused("transposedConv3x3", () -> engine.transposedConv3x3(x, w, b, engine.zeros(1, 5, 7, 7), false));
        assertRefused("transposedConv3x3", () -> engine.transposedConv3x3(x, engine.zeros(5, 3, 3, 2), b, y, false));
        assertRefused("transposedConv3x3", () -> engine.transposedConv3x3(x, w, engine.zeros(3), y, false));

        Tensor dy = engine.zeros(2, 5, 7, 7), dw = engine.zeros(3, 5, 3, 3), db = engine.zeros(5);
        assertRefused("transposedConv3x3Backward", () -> engine.transposedConv3x3Backward(x, w, y, dy, true, engine.zeros(2, 3, 4, 3), dw, db));
        assertRefused("transposedConv3x3Backward", () -> engine.transposedConv3x3Backward(x, w, y, dy, true, null, engine.zeros(3, 5, 3, 2), db));
        assertRefused("transposedConv3x3Backward", () -> engine.transposedConv3x3Backward(x, w, y, dy, true, null, dw, engine.zeros(4)));
        assertRefused("transposedConv3x3Backward", () -> engine.transposedConv3x3Backward(x, w, y, engine.zeros(2, 5, 6, 7), true, null, dw, db));
        assertRefused("transposedConv3x3Backward", () -> engine.transposedConv3x3Backward(x, w, engine.zeros(2, 5, 7, 6), dy, true, null, dw, db));
    }
}
