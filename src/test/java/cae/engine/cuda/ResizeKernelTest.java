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
 * kernels/resize.cu, launched in the CPU emulation, against CpuEngine.resize and resizeBackward, and the
 * backward fused with the ReLU mask. The odd sizes, downscales included, hold kernels/shapes.cuh's
 * nearest-source rule to cae.engine.Shapes'.
 */
class ResizeKernelTest {
    @ParameterizedTest(name = "{2}x{3} -> {4}x{5}")
    @CsvSource({
            "3, 16, 4, 4, 7, 7",      // up1
            "2, 16, 7, 7, 14, 14",    // up2
            "2, 32, 14, 14, 28, 28",  // up3
            "3, 5, 3, 3, 10, 10",
            "2, 3, 3, 5, 10, 7",
            "2, 3, 7, 9, 4, 5",       // downscaling skips source cells: their gradient is 0
            "2, 2, 1, 1, 3, 2",
            "1, 2, 5, 6, 5, 6"})
    void matchesCpuEngine(int n, int c, int ih, int iw, int oh, int ow) {
        Random random = new Random(31L * ih + 7L * oh + iw * 131L + ow);
        float[] x = randomFloats(random, n * c * ih * iw, 2f);
        float[] dy = randomFloats(random, n * c * oh * ow, 2f);

        float[] expectedY = new float[dy.length], expectedDx = new float[x.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, c, ih, iw), ty = cpu.zeros(n, c, oh, ow);
            cpu.write(tx, x);
            cpu.resize(tx, ty);
            cpu.read(ty, expectedY);
            cpu.write(ty, dy);
            cpu.resizeBackward(ty, tx);
            cpu.read(tx, expectedDx);
        }

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor ty = gpu.nanTensor(n, c, oh, ow), tdx = gpu.nanTensor(n, c, ih, iw);
            kernels.resizeNearestForward(gpu.tensor(x, n, c, ih, iw), ty);
            assertClose("resize forward", gpu.read(ty), expectedY);
            kernels.resizeNearestBackward(gpu.tensor(dy, n, c, oh, ow), tdx);
            assertClose("resize backward", gpu.read(tdx), expectedDx);
        }
    }

    /**
     * resize_nearest_relu_backward_bias_partials + bias_grad_reduce against the two launches it replaces
     * (resize_nearest_backward, then relu_backward_bias_partials + bias_grad_reduce): the same bits; and
     * against the CPU engine's resize backward, ReLU mask and bias sum. y is a ReLU output (h x w), the
     * resized gradient is oh x ow.
     */
    @ParameterizedTest(name = "{0}x{1}, {2}x{3} -> {4}x{5}")
    @CsvSource({
            "100, 32, 14, 14, 28, 28",  // up3, before conv6: the decoder's largest
            "3, 32, 7, 7, 14, 14",      // up2
            "3, 5, 4, 4, 7, 7",         // up1 sizes
            "2, 3, 3, 5, 10, 7",
            "2, 3, 7, 9, 4, 5",         // downscaling: skipped source cells get 0
            "4, 2, 1, 1, 3, 2"})
    void backwardFusedWithTheReluMaskAndBiasGradient(int n, int c, int h, int w, int oh, int ow) {
        int hw = h * w;
        Random random = new Random(n * 7919L + c * 131L + h * 17L + oh);
        float[] y = randomFloats(random, n * c * hw, 1f);
        for (int i = 0; i < y.length; i++) y[i] = Math.max(y[i] - 0.3f, 0f);
        float[] dResized = randomFloats(random, n * c * oh * ow, 1f);
        for (int i = 0; i < dResized.length; i++) dResized[i] += 0.25f;  // a bias sum that does not cancel to near zero

        float[] summed = new float[y.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tdr = cpu.zeros(n, c, oh, ow), tdy = cpu.zeros(n, c, h, w);
            cpu.write(tdr, dResized);
            cpu.resizeBackward(tdr, tdy);
            cpu.read(tdy, summed);
        }
        float[] expectedDy = summed.clone();
        float[] expectedBias = maskReluAndSumBias(y, expectedDy, c, hw, true);

        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor dr = gpu.tensor(dResized, n, c, oh, ow);
            float[][] fused = fused(gpu, gpu.tensor(y, n, c, h, w), dr);
            assertArrayEquals(expectedDy, fused[0], "summed and masked gradient");
            assertClose("bias gradient", fused[1], expectedBias);
            assertSameAsTheTwoLaunches(gpu, gpu.tensor(y, n, c, h, w), dr, fused);

            // a NaN in y keeps its gradient in both ways (the mask zeroes only where y <= 0)
            y[y.length / 2] = Float.NaN;
            CudaTensor withNaN = gpu.tensor(y, n, c, h, w);
            assertSameAsTheTwoLaunches(gpu, withNaN, dr, fused(gpu, withNaN, dr));
        }
    }

    /** {dy, dBias} by the fused launch and the reduce. */
    private static float[][] fused(KernelEmulator gpu, CudaTensor y, CudaTensor dResized) {
        return withBiasGradient(gpu, y, (dy, partials) -> gpu.kernels().resizeNearestReluBackwardBiasPartials(y, dResized, dy, partials));
    }

    private static void assertSameAsTheTwoLaunches(KernelEmulator gpu, CudaTensor y, CudaTensor dResized, float[][] fused) {
        float[][] two = withBiasGradient(gpu, y, (dy, partials) -> {
            gpu.kernels().resizeNearestBackward(dResized, dy);
            gpu.kernels().reluBackwardBiasPartials(y, dy, partials, true);
        });
        assertArrayEquals(two[0], fused[0], "the two launches' gradient");
        assertArrayEquals(two[1], fused[1], "the two launches' bias gradient");
    }
}
