package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.randomFloats;
import static cae.engine.cuda.NoiseKernelTest.assertSameBits;

/**
 * kernels/elementwise.cu, launched in the CPU emulation, against CpuEngine.add and subtract, bit for
 * bit (one rounding per element on both sides): into a third tensor and in place into either operand,
 * at sizes below one block, of several blocks, and past the emulation's grid (so the stride loop runs).
 */
class ElementwiseKernelTest {
    private static float[] cpu(float[] a, float[] b, boolean subtract) {
        int n = a.length;
        try (Engine cpu = new CpuEngine(2)) {
            Tensor ta = cpu.zeros(n), tb = cpu.zeros(n), out = cpu.zeros(n);
            cpu.write(ta, a);
            cpu.write(tb, b);
            if (subtract) cpu.subtract(ta, tb, out);
            else cpu.add(ta, tb, out);
            float[] result = new float[n];
            cpu.read(out, result);
            return result;
        }
    }

    private static void launch(Kernels kernels, boolean subtract, CudaTensor a, CudaTensor b, CudaTensor out) {
        if (subtract) kernels.elementwiseSubtract(a, b, out);
        else kernels.elementwiseAdd(a, b, out);
    }

    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {1, 255, 3 * 2 * 5 * 7, 16 * 3 * 64 * 64 + 5})
    void addAndSubtractMatchTheCpuEngine(int n) {
        Random random = new Random(n);
        // operands of different magnitudes, so each sum rounds
        float[] a = randomFloats(random, n, 3f), b = randomFloats(random, n, 1e-3f);
        for (boolean subtract : new boolean[] {false, true}) {
            String op = subtract ? "subtract" : "add";
            float[] expected = cpu(a, b, subtract);
            try (KernelEmulator gpu = KernelEmulator.start()) {
                Kernels kernels = gpu.kernels();
                CudaTensor ta = gpu.tensor(a, n), tb = gpu.tensor(b, n), out = gpu.nanTensor(n);
                launch(kernels, subtract, ta, tb, out);
                assertSameBits(op, expected, gpu.read(out));
                launch(kernels, subtract, ta, tb, ta);
                assertSameBits(op + " in place of a", expected, gpu.read(ta));
                CudaTensor a2 = gpu.tensor(a, n);
                launch(kernels, subtract, a2, tb, tb);
                assertSameBits(op + " in place of b", expected, gpu.read(tb));
            }
        }
    }
}
