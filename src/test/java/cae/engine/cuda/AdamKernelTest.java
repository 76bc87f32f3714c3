package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/** kernels/adam.cu, launched in the CPU emulation, against CpuEngine.adam: two steps over the model's 30,689 parameters. */
class AdamKernelTest {
    @Test
    void twoStepsMatchCpuEngine() {
        int count = 30_689;
        float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        Random random = new Random(11);
        // small parameters, so that float keeps the two steps' change to them precisely enough to compare
        float[] p = randomFloats(random, count, 0.01f);
        float[][] grads = {randomFloats(random, count, 0.05f), randomFloats(random, count, 0.05f)};
        float[] m = randomFloats(random, count, 0.01f);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = 1e-6f + random.nextFloat() * 1e-3f;

        float[] expectedP = new float[count], expectedM = new float[count], expectedV = new float[count];
        try (Engine cpu = new CpuEngine(1); KernelEmulator gpu = KernelEmulator.start()) {
            Tensor tp = cpu.zeros(count), tg = cpu.zeros(count), tm = cpu.zeros(count), tv = cpu.zeros(count);
            cpu.write(tp, p);
            cpu.write(tm, m);
            cpu.write(tv, v);
            CudaTensor gp = gpu.tensor(p, count), gm = gpu.tensor(m, count), gv = gpu.tensor(v, count);
            for (int t = 1; t <= 2; t++) {
                float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
                cpu.write(tg, grads[t - 1]);
                cpu.adam(tp, tg, tm, tv, lrT, beta1, beta2, epsilon);
                // the rate travels in the step scalars as its float bits in the low 32
                CUdeviceptr rate = gpu.longs(new long[] {Float.floatToRawIntBits(lrT) & 0xffffffffL});
                gpu.kernels().adamUpdate(gp, gpu.tensor(grads[t - 1], count), gm, gv, beta1, beta2, epsilon, rate);
            }
            cpu.read(tp, expectedP);
            cpu.read(tm, expectedM);
            cpu.read(tv, expectedV);

            float[] actualP = gpu.read(gp);
            assertClose("adam parameters", actualP, expectedP);
            assertClose("adam parameter change", minus(actualP, p), minus(expectedP, p));
            assertClose("adam first moment", gpu.read(gm), expectedM);
            assertClose("adam second moment", gpu.read(gv), expectedV);
        }
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }
}
