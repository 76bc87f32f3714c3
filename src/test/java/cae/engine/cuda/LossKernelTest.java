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

/**
 * kernels/loss.cu and the output sigmoid, launched in the CPU emulation, against
 * CpuEngine.sigmoidCrossEntropy, meanSquaredError and sigmoid.
 */
class LossKernelTest {
    /** Logits around the usual range with some at +-100; targets in (0, 1) like clean pixels. */
    private static float[] logits(Random random, int count) {
        float[] x = randomFloats(random, count, 6f);
        for (int i = 0; i < count; i += 97) x[i] = random.nextBoolean() ? 100f : -100f;
        return x;
    }

    /** One loss's gradient and losses (3 slots, the loss in {@code slot}) from the CPU engine, or from the kernels (outputs NaN first). */
    private record Loss(float[] gradient, float[] losses) {}

    private static Loss cpu(boolean squared, float[] x, float[] z, int slot) {
        int count = x.length;
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(count, 1), tz = cpu.zeros(count, 1), tg = cpu.zeros(count, 1), losses = cpu.zeros(3);
            cpu.write(tx, x);
            cpu.write(tz, z);
            if (squared) cpu.meanSquaredError(tx, tz, tg, losses, slot);
            else cpu.sigmoidCrossEntropy(tx, tz, tg, losses, slot);
            Loss result = new Loss(new float[count], new float[3]);
            cpu.read(tg, result.gradient);
            cpu.read(losses, result.losses);
            return result;
        }
    }

    /** The engine's two launches: the loss's own pass into per-block partial sums, then loss_reduce, the slot in the step scalars. */
    private static Loss emulated(boolean squared, float[] x, float[] z, int slot) {
        int count = x.length;
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor grad = gpu.nanTensor(count, 1), losses = gpu.nanTensor(3), tx = gpu.tensor(x, count, 1), tz = gpu.tensor(z, count, 1);
            int blocks = Kernels.lossBlocks(count);
            CUdeviceptr partials = gpu.nans(blocks);
            if (squared) kernels.squaredErrorForwardBackward(tx, tz, grad, partials);
            else kernels.sigmoidXentForwardBackward(tx, tz, grad, partials);
            kernels.lossReduce(partials, blocks, losses, count, gpu.longs(new long[] {slot}));
            float[] written = gpu.read(losses);
            for (int i = 0; i < 3; i++) assertTrue(i == slot ? Float.isFinite(written[i]) : Float.isNaN(written[i]), "only slot " + slot + " is written");
            return new Loss(gpu.read(grad), written);
        }
    }

    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {78_400, 300, 256, 1, 7 * 256 * 256 + 13})  // batch 100 of 28x28; one partial; many
    void lossAndGradientMatchCpuEngine(int count) {
        Random random = new Random(count);
        float[] x = logits(random, count);
        float[] z = new float[count];
        for (int i = 0; i < count; i++) z[i] = (1 + random.nextInt(254)) / 255f;
        Loss expected = cpu(false, x, z, 1), actual = emulated(false, x, z, 1);
        for (float v : actual.gradient) assertTrue(Float.isFinite(v), "gradient not finite");
        assertClose("loss gradient", actual.gradient, expected.gradient);
        assertClose("loss value", new float[] {actual.losses[1]}, new float[] {expected.losses[1]});
    }

    /**
     * The squared error's gradient, 2 (p - t) / count scaled as the CPU engine scales it, has the CPU
     * engine's bits; the loss, summed per block and then over the blocks in float where the CPU engine
     * sums per sample in double, agrees within docs/SPEC.md §6.
     */
    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {3 * 3 * 64 * 64, 300, 256, 1, 7 * 256 * 256 + 13})  // a batch of colour crops; one partial; many
    void squaredErrorAndGradientMatchCpuEngine(int count) {
        Random random = new Random(count + 1);
        float[] p = randomFloats(random, count, 1.5f), t = new float[count];
        for (int i = 0; i < count; i++) t[i] = random.nextInt(256) / 255f;
        Loss expected = cpu(true, p, t, 2), actual = emulated(true, p, t, 2);
        NoiseKernelTest.assertSameBits("squared error gradient", expected.gradient, actual.gradient);
        assertClose("squared error", new float[] {actual.losses[2]}, new float[] {expected.losses[2]});
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
