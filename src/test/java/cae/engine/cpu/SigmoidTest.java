package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.reference.ReferenceOps;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class SigmoidTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    private static float[] sigmoid(float[] input, int... shape) {
        Tensor x = engine.zeros(shape), y = engine.zeros(shape);
        engine.write(x, input);
        engine.sigmoid(x, y);
        float[] out = new float[y.size()];
        engine.read(y, out);
        return out;
    }

    @Test
    void matchesDoubleReference() {
        float[] x = uniform(new Random(5), 3 * 2 * 5 * 7, -20, 20);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = ReferenceOps.sigmoid(x[i]);
        assertClose("sigmoid", expected, sigmoid(x, 3, 2, 5, 7), 1e-6);
    }

    /**
     * The finite form computed from exp(-|x|), which the cross-entropy shares, gives the bits of
     * 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) below, its definition (docs/SPEC.md §2.4).
     */
    @Test
    void sharedExponentGivesTheTwoBranchFormsBits() {
        Random random = new Random(11);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, 88f, -88f, 104f, -104f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (int i = 0; i < 100_000 + special.length; i++) {
            float x = i < special.length ? special[i] : (random.nextFloat() - 0.5f) * (i % 3 == 0 ? 2f : i % 3 == 1 ? 40f : 400f);
            float twoBranch = x >= 0 ? 1f / (1f + (float) Math.exp(-x)) : (float) Math.exp(x) / (1f + (float) Math.exp(x));
            assertEquals(Float.floatToIntBits(twoBranch), Float.floatToIntBits(Sigmoid.of(x)), "sigmoid(" + x + ")");
        }
    }

    @Test
    void extremeInputsSaturateWithoutNaN() {
        float[] y = sigmoid(new float[] {-1000f, -100f, 0f, 100f, 1000f, -20f}, 6);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1], 1e-40f);
        assertEquals(0.5f, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(1f, y[4]);
        assertEquals(ReferenceOps.sigmoid(-20), y[5], 1e-6 * ReferenceOps.sigmoid(-20));
        for (float v : y) assertTrue(v >= 0f && v <= 1f, "sigmoid output " + v + " in [0, 1]");
    }
}
