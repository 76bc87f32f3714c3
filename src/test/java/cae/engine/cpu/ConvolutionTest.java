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

class ConvolutionTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    /** One convolution's inputs and its double-precision forward. */
    private record Case(int n, int cin, int cout, int h, int w, float[] x, float[] weight, float[] bias) {
        double[] forward(double[] xd, double[] wd, double[] bd, boolean relu) {
            return ReferenceOps.conv3x3(xd, wd, bd, n, cin, cout, h, w, relu);
        }
    }

    /** Random inputs whose pre-activations all keep {@code margin} away from the ReLU kink, so FD sees no kink. */
    private static Case randomCase(Random random, int n, int cin, int cout, int h, int w, double margin) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            Case c = new Case(n, cin, cout, h, w, uniform(random, n * cin * h * w, -1, 1),
                    uniform(random, cout * cin * 9, -1, 1), uniform(random, cout, -0.5, 0.5));
            double[] pre = c.forward(toDouble(c.x), toDouble(c.weight), toDouble(c.bias), false);
            double closest = Double.POSITIVE_INFINITY;
            for (double v : pre) closest = Math.min(closest, Math.abs(v));
            if (closest >= margin) return c;
        }
        throw new AssertionError("no random case keeps pre-activations " + margin + " away from zero");
    }

    @ParameterizedTest(name = "n={0} cin={1} cout={2} {3}x{4} relu={5}")
    @CsvSource({
            "1, 1, 1, 1, 1, false", "1, 1, 1, 1, 1, true",
            "2, 3, 5, 5, 7, false", "2, 3, 5, 5, 7, true",
            "1, 5, 3, 4, 3, true", "3, 1, 3, 6, 6, false",
            "2, 5, 1, 7, 1, true", "1, 3, 3, 2, 9, false",
            "5, 1, 5, 3, 3, true"})
    void forwardAndGradientsMatchDoubleReference(int n, int cin, int cout, int h, int w, boolean relu) {
        Random random = new Random(31L * n + 7L * cin + 5L * cout + 3L * h + w + (relu ? 1000 : 0));
        Case c = randomCase(random, n, cin, cout, h, w, relu ? 1e-3 : 0);
        WeightedLayerCheck.forwardAndGradients(engine, "conv3x3", new WeightedLayerCheck.Layer() {
            @Override public void forward(Engine e, Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
                e.conv3x3(x, weight, bias, y, relu);
            }

            @Override public void backward(Engine e, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                           Tensor dx, Tensor dWeight, Tensor dBias) {
                e.conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias);
            }

            @Override public double[] reference(double[] x, double[] weight, double[] bias, boolean relu) {
                return c.forward(x, weight, bias, relu);
            }
        }, new int[] {n, cin, h, w}, new int[] {cout, cin, 3, 3}, new int[] {n, cout, h, w}, c.x, c.weight, c.bias, relu, random);
    }

    @Test
    void reluMasksExactlyTheCellsWhoseOutputIsZero() {
        // One 1x1 channel: y = relu(w * x + b), so dx = w * dy where y > 0 and 0 where y == 0.
        Tensor x = engine.zeros(4, 1, 1, 1), weight = engine.zeros(1, 1, 3, 3), bias = engine.zeros(1);
        Tensor y = engine.zeros(4, 1, 1, 1), dy = engine.zeros(4, 1, 1, 1), dx = engine.zeros(4, 1, 1, 1);
        Tensor dWeight = engine.zeros(1, 1, 3, 3), dBias = engine.zeros(1);
        engine.write(x, new float[] {2f, -2f, 0.5f, -0.25f});
        float[] kernel = new float[9];
        kernel[4] = 3f;   // only the centre tap sees a 1x1 image
        kernel[0] = 100f; // corner taps only ever see padding
        engine.write(weight, kernel);
        engine.write(bias, new float[] {1f});
        engine.conv3x3(x, weight, bias, y, true);
        float[] out = new float[4];
        engine.read(y, out);
        assertArrayEquals(new float[] {7f, 0f, 2.5f, 0.25f}, out);

        engine.write(dy, new float[] {1f, 10f, 100f, 1000f});
        engine.conv3x3Backward(x, weight, y, dy, true, dx, dWeight, dBias);
        float[] gx = new float[4], gw = new float[9], gb = new float[1];
        engine.read(dx, gx);
        engine.read(dWeight, gw);
        engine.read(dBias, gb);
        assertArrayEquals(new float[] {3f, 0f, 300f, 3000f}, gx);
        assertEquals(1f * 2f + 100f * 0.5f + 1000f * -0.25f, gw[4]);
        for (int k = 0; k < 9; k++) if (k != 4) assertEquals(0f, gw[k], "tap " + k + " sees only padding");
        assertEquals(1101f, gb[0]);
    }
}
