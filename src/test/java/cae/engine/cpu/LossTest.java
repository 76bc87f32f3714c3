package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.reference.ReferenceOps;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class LossTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    private record Result(float loss, float[] gradient) {}

    private static Result loss(float[] logits, float[] target, int... shape) {
        Tensor x = engine.zeros(shape), z = engine.zeros(shape), dx = engine.zeros(shape), losses = engine.zeros(4);
        engine.write(x, logits);
        engine.write(z, target);
        engine.fill(losses, -1f);
        engine.sigmoidCrossEntropy(x, z, dx, losses, 2);
        float[] slots = new float[4], gradient = new float[dx.size()];
        engine.read(losses, slots);
        engine.read(dx, gradient);
        assertArrayEquals(new float[] {-1f, -1f, -1f}, new float[] {slots[0], slots[1], slots[3]}, "only slot 2 is written");
        return new Result(slots[2], gradient);
    }

    @Test
    void lossAndGradientMatchDoubleReference() {
        Random random = new Random(11);
        int[] shape = {3, 1, 4, 5};
        float[] logits = uniform(random, 60, -5, 5), target = uniform(random, 60, 0, 1);
        double[] xd = toDouble(logits), zd = toDouble(target);
        Result result = loss(logits, target, shape);

        double expected = ReferenceOps.sigmoidCrossEntropy(xd, zd);
        assertEquals(expected, result.loss, 1e-6 * expected);

        double[] analytic = new double[60];
        for (int i = 0; i < 60; i++) analytic[i] = (ReferenceOps.sigmoid(xd[i]) - zd[i]) / 60;
        assertClose("dLogits vs (sigmoid(x) - z) / count", analytic, result.gradient, 1e-5);
        assertGradient("dLogits", v -> ReferenceOps.sigmoidCrossEntropy(v, zd), xd, result.gradient, random, 60, 1e-4, 1e-4);
    }

    @Test
    void largeLogitsGiveFiniteClosedFormLossAndGradient() {
        // At |x| >= 100, log(1 + exp(-|x|)) < 4e-44, so the loss is max(x, 0) - x z and sigmoid(x) is 0 or 1.
        float[] xs = {100, -100, 1000, -1000};
        float[] zs = {0, 1, 0.5f};
        float[] logits = new float[12], target = new float[12];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) {
                logits[i * 3 + j] = xs[i];
                target[i * 3 + j] = zs[j];
            }
        Result result = loss(logits, target, 2, 1, 2, 3);

        double sum = 0;
        for (int i = 0; i < 12; i++) sum += Math.max(logits[i], 0) - (double) logits[i] * target[i];
        assertTrue(Float.isFinite(result.loss));
        assertEquals(sum / 12, result.loss, 1e-6 * sum / 12);
        for (int i = 0; i < 12; i++) {
            assertTrue(Float.isFinite(result.gradient[i]), "gradient " + i + " is finite");
            double expected = ((logits[i] > 0 ? 1 : 0) - target[i]) / 12.0;
            assertEquals(expected, result.gradient[i], 1e-6 * Math.abs(expected) + 1e-12, "gradient at x=" + logits[i] + ", z=" + target[i]);
        }

        // One element at a time, the same holds: e.g. x = 100, z = 0 costs 100; x = -100, z = 0 costs only log(1 + exp(-100)).
        assertEquals(100f, loss(new float[] {100f}, new float[] {0f}, 1, 1).loss);
        assertEquals(Math.log1p(Math.exp(-100)), loss(new float[] {-100f}, new float[] {0f}, 1, 1).loss, 1e-45);
        assertEquals(500f, loss(new float[] {-1000f}, new float[] {0.5f}, 1, 1).loss);
    }

    @Test
    void theLossIsTheMeanOverAllSamplesAndPixels() {
        // Two samples of two pixels at x = 0: each costs log 2 whatever z is; the gradient is (0.5 - z) / 4.
        Result result = loss(new float[] {0, 0, 0, 0}, new float[] {0, 1, 0.25f, 0.5f}, 2, 1, 1, 2);
        assertEquals(Math.log(2), result.loss, 1e-7);
        assertArrayEquals(new float[] {0.125f, -0.125f, 0.0625f, 0f}, result.gradient);
    }
}
