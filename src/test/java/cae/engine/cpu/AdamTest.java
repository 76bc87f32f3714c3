package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static cae.engine.Numerics.*;
import static org.junit.jupiter.api.Assertions.*;

class AdamTest {
    private static final Engine engine = new CpuEngine(2);
    // The engine takes float hyperparameters, so the double reference uses the same float values.
    private static final double LR = 1e-3, BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;

    @AfterAll static void close() { engine.close(); }

    /** TF1's bias-corrected step size for step t (1-based). */
    private static double lrT(int t) {
        return LR * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
    }

    @Test
    void firstTwoStepsMatchTheTf1Formula() {
        // More parameters than one work chunk, inside a flat buffer at an offset as the model keeps them.
        int size = 10_000, offset = 5;
        Random random = new Random(3);
        float[] p0 = uniform(random, size, -0.01, 0.01);
        float[][] grads = {uniform(random, size, -1, 1), uniform(random, size, -1, 1)};
        grads[0][0] = 0f;        // no gradient yet: no move
        grads[0][1] = 0.1f;      // a small and a large gradient move alike on step 1
        grads[0][2] = -50f;

        Tensor buffer = engine.zeros(offset + size), g = engine.zeros(size), m = engine.zeros(size), v = engine.zeros(size);
        Tensor params = engine.view(buffer, offset, size);
        engine.write(params, p0);

        double[] p = toDouble(p0), md = new double[size], vd = new double[size];
        for (int t = 1; t <= 2; t++) {
            float[] grad = grads[t - 1];
            engine.write(g, grad);
            engine.adam(params, g, m, v, (float) lrT(t), (float) BETA1, (float) BETA2, (float) EPSILON);
            for (int i = 0; i < size; i++) {
                md[i] = BETA1 * md[i] + (1 - BETA1) * grad[i];
                vd[i] = BETA2 * vd[i] + (1 - BETA2) * grad[i] * grad[i];
                p[i] -= lrT(t) * md[i] / (Math.sqrt(vd[i]) + EPSILON);
            }
            float[] pe = new float[size], me = new float[size], ve = new float[size];
            engine.read(params, pe);
            engine.read(m, me);
            engine.read(v, ve);
            assertClose("m after step " + t, md, me, 1e-6);
            assertClose("v after step " + t, vd, ve, 1e-6);
            double[] expectedMove = new double[size];
            float[] move = new float[size];
            for (int i = 0; i < size; i++) {
                expectedMove[i] = p[i] - p0[i];
                move[i] = pe[i] - p0[i];
            }
            assertClose("parameter change after step " + t, expectedMove, move, 1e-5);

            if (t == 1) {
                // Step 1 of Adam moves every parameter with a gradient by lr against its sign.
                assertEquals(p0[0], pe[0]);
                assertEquals(-LR, pe[1] - p0[1], 1e-5 * LR);
                assertEquals(LR, pe[2] - p0[2], 1e-5 * LR);
            }
        }
        float[] untouched = new float[offset];
        engine.read(engine.view(buffer, 0, offset), untouched);
        assertArrayEquals(new float[offset], untouched, "cells before the view are not written");
    }
}
