package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The decoder variants' ops on the CUDA engine against the CPU engine, as CudaEngineGpuTest
 * does for the recipe's ops: fresh random inputs away from zero, strict FP32, relative L2 error
 * <= 1e-5, GPU outputs filled with NaN first so an element the GPU does not write fails. Skipped, with
 * the probe's reason, where there is no usable GPU.
 */
class VariantsGpuTest extends CudaOpComparison {
    VariantsGpuTest() { super(7); }

    @Test
    void bilinearResizeForwardAndBackward() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            // {ih, iw, oh, ow}: the decoder's 4 -> 7 -> 14 -> 28, mixed sizes, and downscaling
            for (int[] s : new int[][] {{4, 4, 7, 7}, {7, 7, 14, 14}, {14, 14, 28, 28}, {3, 5, 10, 7}, {7, 9, 4, 5}, {1, 1, 3, 2}}) {
                String what = "bilinear " + s[0] + "x" + s[1] + "->" + s[2] + "x" + s[3];
                Pair x = random(gpu, 3, 16, s[0], s[1]), y = output(gpu, 3, 16, s[2], s[3]);
                cpu.bilinearResize(x.cpu, y.cpu);
                gpu.bilinearResize(x.gpu, y.gpu);
                assertClose(gpu, y, what + " forward", TOLERANCE);
                Pair dy = random(gpu, 3, 16, s[2], s[3]), dx = output(gpu, 3, 16, s[0], s[1]);
                cpu.bilinearResizeBackward(dy.cpu, dx.cpu);
                gpu.bilinearResizeBackward(dy.gpu, dx.gpu);
                assertClose(gpu, dx, what + " backward", TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CudaEngine.ConvPath.class, names = {"CUDNN", "GEMM"})
    void transposedConvolutionForwardAndBackward(CudaEngine.ConvPath path) {
        try (CudaEngine gpu = gpu(path)) {
            // {n, cin, cout, h, w, oh, ow}: the decoder's 4 -> 7, 7 -> 14, 14 -> 28, and odd / even mixed
            for (int[] s : new int[][] {{3, 16, 16, 4, 4, 7, 7}, {2, 16, 32, 7, 7, 14, 14}, {2, 32, 32, 14, 14, 28, 28},
                    {2, 3, 4, 3, 5, 5, 10}, {2, 2, 3, 1, 1, 2, 1}}) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4], oh = s[5], ow = s[6];
                for (boolean relu : new boolean[] {true, false}) {
                    String what = path + " transposed conv " + cin + "->" + cout + " " + h + "x" + w + "->" + oh + "x" + ow + (relu ? " relu" : "");
                    Pair x = random(gpu, n, cin, h, w), weight = random(gpu, cin, cout, 3, 3), bias = random(gpu, cout);
                    Pair y = output(gpu, n, cout, oh, ow);
                    cpu.transposedConv3x3(x.cpu, weight.cpu, bias.cpu, y.cpu, relu);
                    gpu.transposedConv3x3(x.gpu, weight.gpu, bias.gpu, y.gpu, relu);
                    assertClose(gpu, y, what + " forward", TOLERANCE);

                    float[] dyValues = randoms(n * cout * oh * ow);
                    Pair dy = pair(gpu, dyValues, n, cout, oh, ow);
                    Pair dx = output(gpu, n, cin, h, w), dWeight = output(gpu, cin, cout, 3, 3), dBias = output(gpu, cout);
                    cpu.transposedConv3x3Backward(x.cpu, weight.cpu, y.cpu, dy.cpu, relu, dx.cpu, dWeight.cpu, dBias.cpu);
                    gpu.transposedConv3x3Backward(x.gpu, weight.gpu, y.gpu, dy.gpu, relu, dx.gpu, dWeight.gpu, dBias.gpu);
                    assertClose(gpu, dx, what + " dx", TOLERANCE);
                    assertClose(gpu, dWeight, what + " dWeight", TOLERANCE);
                    assertClose(gpu, dBias, what + " dBias", TOLERANCE);

                    Pair dy2 = pair(gpu, dyValues, n, cout, oh, ow);
                    Pair dWeight2 = output(gpu, cin, cout, 3, 3), dBias2 = output(gpu, cout);
                    cpu.transposedConv3x3Backward(x.cpu, weight.cpu, y.cpu, dy2.cpu, relu, null, dWeight2.cpu, dBias2.cpu);
                    gpu.transposedConv3x3Backward(x.gpu, weight.gpu, y.gpu, dy2.gpu, relu, null, dWeight2.gpu, dBias2.gpu);
                    assertClose(gpu, dWeight2, what + " dWeight without dx", TOLERANCE);
                }
            }
        }
    }

    /** Unpooling (maxUnpool: the max-pool backward, always our kernel), its gradient our gather. */
    @ParameterizedTest
    @EnumSource(value = CudaEngine.ConvPath.class, names = {"CUDNN", "GEMM"})
    void maxUnpoolForwardAndBackward(CudaEngine.ConvPath path) {
        try (CudaEngine gpu = gpu(path)) {
            for (int[] s : new int[][] {{3, 32, 28, 28}, {3, 32, 14, 14}, {3, 16, 7, 7}, {2, 3, 5, 8}, {1, 1, 1, 1}}) {
                int n = s[0], c = s[1], h = s[2], w = s[3], oh = (h + 1) / 2, ow = (w + 1) / 2;
                String what = path + " max-unpool " + oh + "x" + ow + "->" + h + "x" + w;
                Pair poolInput = random(gpu, n, c, h, w), pooled = output(gpu, n, c, oh, ow);
                cpu.maxPool(poolInput.cpu, pooled.cpu);
                gpu.maxPool(poolInput.gpu, pooled.gpu);
                Pair values = random(gpu, n, c, oh, ow), unpooled = output(gpu, n, c, h, w);
                cpu.maxUnpool(poolInput.cpu, pooled.cpu, values.cpu, unpooled.cpu);
                gpu.maxUnpool(poolInput.gpu, pooled.gpu, values.gpu, unpooled.gpu);
                assertClose(gpu, unpooled, what + " forward", 0);
                Pair dOut = random(gpu, n, c, h, w), dValues = output(gpu, n, c, oh, ow);
                cpu.maxUnpoolBackward(poolInput.cpu, pooled.cpu, dOut.cpu, dValues.cpu);
                gpu.maxUnpoolBackward(poolInput.gpu, pooled.gpu, dOut.gpu, dValues.gpu);
                assertClose(gpu, dValues, what + " backward", 0);
            }
        }
    }

    /**
     * The common tie of the unpool decoder: encoder windows of ReLU zeros. The unpooled decoder value
     * must land on the window's first cell, as on the CPU engine and as maxUnpoolBackward reads it (the
     * engine never uses cudnnPoolingBackward, whose choice among tied maxima cuDNN does not document).
     */
    @ParameterizedTest
    @EnumSource(value = CudaEngine.ConvPath.class, names = {"CUDNN", "GEMM"})
    void maxUnpoolOfTiedZeroWindowsMatchesTheCpuEngine(CudaEngine.ConvPath path) {
        try (CudaEngine gpu = gpu(path)) {
            int n = 2, c = 8, h = 28, w = 28;
            float[] relu = randoms(n * c * h * w);
            for (int i = 0; i < relu.length; i++) relu[i] = Math.max(relu[i], 0f);  // about 1 window in 16 all zero
            Pair poolInput = pair(gpu, relu, n, c, h, w), pooled = output(gpu, n, c, h / 2, w / 2);
            cpu.maxPool(poolInput.cpu, pooled.cpu);
            gpu.maxPool(poolInput.gpu, pooled.gpu);
            Pair values = random(gpu, n, c, h / 2, w / 2), unpooled = output(gpu, n, c, h, w);
            cpu.maxUnpool(poolInput.cpu, pooled.cpu, values.cpu, unpooled.cpu);
            gpu.maxUnpool(poolInput.gpu, pooled.gpu, values.gpu, unpooled.gpu);
            assertClose(gpu, unpooled, path + " max-unpool with tied zero windows (if this fails on the cuDNN path, cuDNN "
                    + "breaks ties differently and unpooling must use maxpool_same_backward)", 0);
        }
    }
}
