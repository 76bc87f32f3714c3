package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernels/loss.cu and the output sigmoid, launched in the CPU emulation, against CpuEngine.sigmoidCrossEntropy and sigmoid. */
class LossKernelTest {
    /** Logits around the usual range with some at +-100; targets in (0, 1) like clean pixels. */
    private static float[] logits(Random random, int count) {
        float[] x = randomFloats(random, count, 6f);
        for (int i = 0; i < count; i += 97) x[i] = random.nextBoolean() ? 100f : -100f;
        return x;
    }

    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {78_400, 300, 256, 1, 7 * 256 * 256 + 13})  // batch 100 of 28x28; one partial; many
    void lossAndGradientMatchCpuEngine(int count) {
        Random random = new Random(count);
        float[] x = logits(random, count);
        float[] z = new float[count];
        for (int i = 0; i < count; i++) z[i] = (1 + random.nextInt(254)) / 255f;

        float[] expectedGrad = new float[count], expectedLoss = new float[3];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(count, 1), tz = cpu.zeros(count, 1), tg = cpu.zeros(count, 1), losses = cpu.zeros(3);
            cpu.write(tx, x);
            cpu.write(tz, z);
            cpu.sigmoidCrossEntropy(tx, tz, tg, losses, 1);
            cpu.read(tg, expectedGrad);
            cpu.read(losses, expectedLoss);
        }

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor grad = gpu.nanTensor(count, 1), losses = gpu.nanTensor(3);
            int blocks = Kernels.lossBlocks(count);
            CUdeviceptr partials = gpu.nans(blocks), slot = gpu.longs(new long[] {1});
            kernels.sigmoidXentForwardBackward(gpu.tensor(x, count, 1), gpu.tensor(z, count, 1), grad, partials);
            kernels.sigmoidXentReduce(partials, blocks, losses, count, slot);
            float[] g = gpu.read(grad), loss = {gpu.read(losses)[1]};
            for (float v : g) assertTrue(Float.isFinite(v), "gradient not finite");
            assertTrue(Float.isFinite(loss[0]), "loss not finite");
            assertClose("loss gradient", g, expectedGrad);
            assertClose("loss value", loss, new float[] {expectedLoss[1]});
        }
    }

    @Test
    void sigmoidMatchesCpuEngine() {
        int count = 5000;
        float[] x = logits(new Random(5), count);
        x[1] = 1000f;
        x[2] = -1000f;
        float[] expected = new float[count];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(count, 1), ty = cpu.zeros(count, 1);
            cpu.write(tx, x);
            cpu.sigmoid(tx, ty);
            cpu.read(ty, expected);
        }
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor y = gpu.nanTensor(count, 1);
            gpu.kernels().sigmoidForward(gpu.tensor(x, count, 1), y);
            assertClose("sigmoid", gpu.read(y), expected);
        }
    }
}
