package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ReferenceOps;
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
        int weights = cout * cin * 9;

        // Parameters and gradients live in flat buffers at an offset, as the model keeps them.
        Tensor params = engine.zeros(7 + weights + cout), grads = engine.zeros(3 + weights + cout);
        Tensor weight = engine.view(params, 7, cout, cin, 3, 3), bias = engine.view(params, 7 + weights, cout);
        Tensor dWeight = engine.view(grads, 3, cout, cin, 3, 3), dBias = engine.view(grads, 3 + weights, cout);
        Tensor x = engine.zeros(n, cin, h, w), y = engine.zeros(n, cout, h, w);
        engine.write(x, c.x);
        engine.write(weight, c.weight);
        engine.write(bias, c.bias);

        engine.conv3x3(x, weight, bias, y, relu);
        float[] out = new float[y.size()];
        engine.read(y, out);
        double[] xd = toDouble(c.x), wd = toDouble(c.weight), bd = toDouble(c.bias);
        assertClose("conv3x3 forward", c.forward(xd, wd, bd, relu), out, 1e-5);

        // L = sum(r * conv(x)); its gradients are what backward gives for dy = r.
        float[] r = uniform(random, y.size(), -1, 1);
        double[] rd = toDouble(r);
        Tensor dy = engine.zeros(y.shape()), dx = engine.zeros(x.shape());
        engine.write(dy, r);
        engine.fill(grads, 7f);   // must be overwritten, not accumulated into
        engine.fill(dx, 7f);
        engine.conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias);
        float[] gx = new float[x.size()], gw = new float[weights], gb = new float[cout];
        engine.read(dx, gx);
        engine.read(dWeight, gw);
        engine.read(dBias, gb);

        double step = 1e-5;
        assertGradient("dx", v -> dot(rd, c.forward(v, wd, bd, relu)), xd, gx, random, 40, step, 1e-4);
        assertGradient("dWeight", v -> dot(rd, c.forward(xd, v, bd, relu)), wd, gw, random, 40, step, 1e-4);
        assertGradient("dBias", v -> dot(rd, c.forward(xd, wd, v, relu)), bd, gb, random, cout, step, 1e-4);

        // Without dx (the first layer) the parameter gradients are the same.
        engine.write(dy, r);
        engine.fill(grads, -3f);
        engine.conv3x3Backward(x, weight, y, dy, relu, null, dWeight, dBias);
        float[] gw2 = new float[weights], gb2 = new float[cout];
        engine.read(dWeight, gw2);
        engine.read(dBias, gb2);
        assertArrayEquals(gw, gw2);
        assertArrayEquals(gb, gb2);
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
