package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * kernels/maxpool.cu, launched in the CPU emulation, against CpuEngine.maxPool and maxPoolBackward. The
 * odd sizes hold kernels/shapes.cuh's SAME padding rule to cae.engine.Shapes'.
 */
class MaxPoolKernelTest {
    @ParameterizedTest(name = "{2}x{3}, ties {4}")
    @CsvSource({
            "2, 16, 7, 7, false",    // pool3: padding at the bottom and right
            "2, 32, 28, 28, false",  // pool1
            "2, 32, 14, 14, false",  // pool2
            "3, 4, 5, 5, false",
            "3, 4, 6, 5, false",
            "4, 3, 1, 1, false",
            "2, 8, 7, 7, true",      // many equal values: the first in row-major window order wins
            "2, 8, 28, 28, true"})
    void matchesCpuEngine(int n, int c, int h, int w, boolean ties) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        Random random = new Random(h * 1000L + w * 10L + (ties ? 1 : 0));
        float[] x = randomFloats(random, n * c * h * w, 3f);
        if (ties) for (int i = 0; i < x.length; i++) x[i] = 1 + random.nextInt(3);
        float[] dy = randomFloats(random, n * c * oh * ow, 2f);

        float[] expectedY = new float[dy.length], expectedDx = new float[x.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, c, h, w), ty = cpu.zeros(n, c, oh, ow);
            Tensor tdy = cpu.zeros(n, c, oh, ow), tdx = cpu.zeros(n, c, h, w);
            cpu.write(tx, x);
            cpu.write(tdy, dy);
            cpu.maxPool(tx, ty);
            cpu.maxPoolBackward(tx, ty, tdy, tdx);
            cpu.read(ty, expectedY);
            cpu.read(tdx, expectedDx);
        }

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor tx = gpu.tensor(x, n, c, h, w), ty = gpu.nanTensor(n, c, oh, ow), tdx = gpu.nanTensor(n, c, h, w);
            kernels.maxPoolForward(tx, ty);
            assertClose("max-pool forward", gpu.read(ty), expectedY);
            kernels.maxPoolBackward(tx, gpu.tensor(dy, n, c, oh, ow), tdx);
            assertClose("max-pool backward", gpu.read(tdx), expectedDx);
        }
    }

    /**
     * maxpool_relu_backward_bias_partials + bias_grad_reduce against the two launches it replaces
     * (maxpool_same_backward, then relu_backward_bias_partials + bias_grad_reduce): the same bits; and
     * against the CPU engine's max-pool backward, ReLU mask and bias sum. y is a ReLU output, so some
     * windows are all zeros (tied) and get nothing.
     */
    @ParameterizedTest(name = "{0}x{1}x{2}x{3}")
    @CsvSource({"100, 32, 28, 28", "3, 16, 7, 7", "2, 3, 5, 8", "4, 2, 1, 1", "3, 4, 6, 5"})
    void backwardFusedWithTheReluMaskAndBiasGradient(int n, int c, int h, int w) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2, hw = h * w;
        Random random = new Random(n * 7919L + c * 131L + h * 17L + w);
        float[] y = randomFloats(random, n * c * hw, 1f);
        for (int i = 0; i < y.length; i++) y[i] = Math.max(y[i] - 0.3f, 0f);  // most windows have a zero, some are all zeros
        float[] dPooled = randomFloats(random, n * c * oh * ow, 1f);
        for (int i = 0; i < dPooled.length; i++) dPooled[i] += 0.25f;  // a bias sum that does not cancel to near zero

        float[] routed = new float[y.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor ty = cpu.zeros(n, c, h, w), tp = cpu.zeros(n, c, oh, ow), tdp = cpu.zeros(n, c, oh, ow), tdy = cpu.zeros(n, c, h, w);
            cpu.write(ty, y);
            cpu.write(tdp, dPooled);
            cpu.maxPool(ty, tp);
            cpu.maxPoolBackward(ty, tp, tdp, tdy);
            cpu.read(tdy, routed);
        }
        float[] expectedDy = routed.clone();
        float[] expectedBias = maskReluAndSumBias(y, expectedDy, c, hw, true);

        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor dp = gpu.tensor(dPooled, n, c, oh, ow);
            float[][] fused = fused(gpu, gpu.tensor(y, n, c, h, w), dp);
            assertArrayEquals(expectedDy, fused[0], "routed and masked gradient");
            assertClose("bias gradient", fused[1], expectedBias);
            assertSameAsTheTwoLaunches(gpu, gpu.tensor(y, n, c, h, w), dp, fused);

            // a NaN in y keeps its gradient in both ways (the mask zeroes only where y <= 0)
            y[y.length / 2] = Float.NaN;
            CudaTensor withNaN = gpu.tensor(y, n, c, h, w);
            assertSameAsTheTwoLaunches(gpu, withNaN, dp, fused(gpu, withNaN, dp));
        }
    }

    /** {dy, dBias} by the fused launch and the reduce. */
    private static float[][] fused(KernelEmulator gpu, CudaTensor y, CudaTensor dPooled) {
        return withBiasGradient(gpu, y, (dy, partials) -> gpu.kernels().maxPoolReluBackwardBiasPartials(y, dPooled, dy, partials));
    }

    private static void assertSameAsTheTwoLaunches(KernelEmulator gpu, CudaTensor y, CudaTensor dPooled, float[][] fused) {
        float[][] two = withBiasGradient(gpu, y, (dy, partials) -> {
            gpu.kernels().maxPoolBackward(y, dPooled, dy);
            gpu.kernels().reluBackwardBiasPartials(y, dy, partials, true);
        });
        assertArrayEquals(two[0], fused[0], "the two launches' gradient");
        assertArrayEquals(two[1], fused[1], "the two launches' bias gradient");
    }
}
