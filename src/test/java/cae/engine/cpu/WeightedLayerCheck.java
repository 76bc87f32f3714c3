package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.Tensor;

import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The check both convolution tests run: a layer with a weight and a bias, forward against a
 * double-precision reference, and backward against central finite differences of the reference
 * for L = sum(r * layer(x)), with weights and gradients held as views at an offset in flat buffers
 * (as the model keeps them), gradients overwritten rather than accumulated, and the same parameter
 * gradients when dx is not asked for.
 */
final class WeightedLayerCheck {
    interface Layer {
        void forward(Engine engine, Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu);

        void backward(Engine engine, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias);

        double[] reference(double[] x, double[] weight, double[] bias, boolean relu);
    }

    private WeightedLayerCheck() {}

    static void forwardAndGradients(Engine engine, String name, Layer layer, int[] xShape, int[] weightShape, int[] yShape,
                                    float[] xValues, float[] weightValues, float[] biasValues, boolean relu, Random random) {
        int weights = weightValues.length, cout = biasValues.length;
        Tensor params = engine.zeros(7 + weights + cout), grads = engine.zeros(3 + weights + cout);
        Tensor weight = engine.view(params, 7, weightShape), bias = engine.view(params, 7 + weights, cout);
        Tensor dWeight = engine.view(grads, 3, weightShape), dBias = engine.view(grads, 3 + weights, cout);
        Tensor x = engine.zeros(xShape), y = engine.zeros(yShape);
        engine.write(x, xValues);
        engine.write(weight, weightValues);
        engine.write(bias, biasValues);

        layer.forward(engine, x, weight, bias, y, relu);
        float[] out = new float[y.size()];
        engine.read(y, out);
        double[] xd = toDouble(xValues), wd = toDouble(weightValues), bd = toDouble(biasValues);
        assertClose(name + " forward", layer.reference(xd, wd, bd, relu), out, 1e-5);

        // L = sum(r * layer(x)); its gradients are what backward gives for dy = r.
        float[] r = uniform(random, y.size(), -1, 1);
        double[] rd = toDouble(r);
        Tensor dy = engine.zeros(y.shape()), dx = engine.zeros(x.shape());
        engine.write(dy, r);
        engine.fill(grads, 7f);   // must be overwritten, not accumulated into
        engine.fill(dx, 7f);
        layer.backward(engine, x, weight, y, dy, relu, dx, dWeight, dBias);
        float[] gx = new float[x.size()], gw = new float[weights], gb = new float[cout];
        engine.read(dx, gx);
        engine.read(dWeight, gw);
        engine.read(dBias, gb);

        double step = 1e-5;
        assertGradient("dx", v -> dot(rd, layer.reference(v, wd, bd, relu)), xd, gx, random, 40, step, 1e-4);
        assertGradient("dWeight", v -> dot(rd, layer.reference(xd, v, bd, relu)), wd, gw, random, 40, step, 1e-4);
        assertGradient("dBias", v -> dot(rd, layer.reference(xd, wd, v, relu)), bd, gb, random, cout, step, 1e-4);

        // Without dx (a first layer) the parameter gradients are the same.
        engine.write(dy, r);
        engine.fill(grads, -3f);
        layer.backward(engine, x, weight, y, dy, relu, null, dWeight, dBias);
        float[] gw2 = new float[weights], gb2 = new float[cout];
        engine.read(dWeight, gw2);
        engine.read(dBias, gb2);
        assertArrayEquals(gw, gw2);
        assertArrayEquals(gb, gb2);
    }
}
