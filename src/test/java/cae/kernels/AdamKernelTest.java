package cae.kernels;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/** kernels/adam.cu body against CpuEngine.adam, two steps over the model's 30,689 parameters. */
class AdamKernelTest {
    @TempDir Path dir;

    @Test
    void twoStepsMatchCpuEngine() throws Exception {
        int count = 30_689;
        float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        Random random = new Random(11);
        // small parameters, so that float keeps the two steps' change to them precisely enough to compare
        float[] p = randomFloats(random, count, 0.01f);
        float[][] grads = {randomFloats(random, count, 0.05f), randomFloats(random, count, 0.05f)};
        float[] m = randomFloats(random, count, 0.01f);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = 1e-6f + random.nextFloat() * 1e-3f;

        Path pf = writeFloats(dir.resolve("p"), p), mf = writeFloats(dir.resolve("m"), m), vf = writeFloats(dir.resolve("v"), v);
        float[] expectedP = new float[count], expectedM = new float[count], expectedV = new float[count];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tp = cpu.zeros(count), tg = cpu.zeros(count), tm = cpu.zeros(count), tv = cpu.zeros(count);
            cpu.write(tp, p);
            cpu.write(tm, m);
            cpu.write(tv, v);
            for (int t = 1; t <= 2; t++) {
                float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
                cpu.write(tg, grads[t - 1]);
                cpu.adam(tp, tg, tm, tv, lrT, beta1, beta2, epsilon);
                run("adam_update", count, lrT, beta1, beta2, epsilon, pf, writeFloats(dir.resolve("g"), grads[t - 1]), mf, vf);
            }
            cpu.read(tp, expectedP);
            cpu.read(tm, expectedM);
            cpu.read(tv, expectedV);
        }
        float[] actualP = readFloats(pf, count);
        assertClose("adam parameters", actualP, expectedP);
        assertClose("adam parameter change", minus(actualP, p), minus(expectedP, p));
        assertClose("adam first moment", readFloats(mf, count), expectedM);
        assertClose("adam second moment", readFloats(vf, count), expectedV);
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }
}
