package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * kernels/thin_conv.cu, the direct kernels for layers with one input or one output channel, launched in
 * the CPU emulation through ThinConvolution's sequence of them, against CpuEngine.conv3x3 and conv3x3Backward: the forward pass with bias and ReLU, the fused ReLU mask,
 * weight and bias gradient (from dy, or from the pooled gradient), and the data gradient from the masked dy.
 */
class ThinConvKernelTest {

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, relu {5}")
    @CsvSource({
            "2, 1, 32, 28, 28, true",   // conv1
            "3, 32, 1, 28, 28, false",  // the logits
            "3, 32, 1, 28, 28, true",
            "2, 1, 5, 5, 9, false",
            "2, 7, 1, 1, 1, true",
            "4, 16, 1, 7, 6, true",
            "1, 1, 1, 3, 3, true",
            "37, 3, 1, 9, 8, false"})   // 37 x 72 cells: more than one chunk, the last one partly filled
    void matchesTheCpuEngine(int n, int cin, int cout, int h, int w, boolean relu) {
        boolean oneIn = cin == 1;
        int c = oneIn ? cout : cin, hw = h * w;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + (relu ? 7 : 0));
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f);
        // centred on 0.25, not 0: a single channel's bias gradient sums thousands of dy values, and a
        // sum that cancels to near zero would compare rounding, not the kernels
        float[] dy = randomFloats(random, n * cout * hw, 1f);
        for (int i = 0; i < dy.length; i++) dy[i] += 0.25f;

        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, relu);
        float[] y = expected.y(), dx = expected.dx(), dWeight = expected.dWeight(), dBias = expected.dBias();
        float[] maskedDy = dy.clone();
        for (int i = 0; i < dy.length; i++) if (relu && y[i] <= 0f) maskedDy[i] = 0f;

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor tx = gpu.tensor(x, n, cin, h, w), tw = gpu.tensor(weight, cout, cin, 3, 3), ty = gpu.nanTensor(n, cout, h, w);
            if (oneIn) kernels.thinConvIn1Forward(tx, tw, gpu.tensor(bias, cout), ty, relu);
            else kernels.thinConvOut1Forward(tx, tw, gpu.tensor(bias, cout), ty, relu);
            assertClose("forward", gpu.read(ty), y);

            CudaTensor yCpu = gpu.tensor(y, n, cout, h, w);
            for (boolean store : new boolean[] {true, false}) {
                CudaTensor tdy = gpu.tensor(dy, n, cout, h, w), dw = gpu.nanTensor(cout, cin, 3, 3), db = gpu.nanTensor(cout);
                weightGradient(gpu, tx, relu ? yCpu : null, tdy, null, relu, store, dw, db);
                String what = store ? " (masked dy stored)" : " (dy left as it was)";
                assertClose("weight gradient" + what, gpu.read(dw), dWeight);
                assertClose("bias gradient" + what, gpu.read(db), dBias);
                assertArrayEquals(store ? maskedDy : dy, gpu.read(tdy), "dy" + what);
            }

            CudaTensor tdx = gpu.nanTensor(n, cin, h, w), masked = gpu.tensor(maskedDy, n, cout, h, w);
            if (oneIn) kernels.thinConvIn1BackwardData(masked, tw, tdx);
            else kernels.thinConvOut1BackwardData(masked, tw, tdx);
            assertClose("data gradient", gpu.read(tdx), dx);
        }
    }

    /**
     * With the pooled gradient instead of dy (conv -> ReLU -> max-pool, the first encoder stage): the
     * routing to each window's first arg-max, the ReLU mask and the gradients in the same pass, against
     * CpuEngine.maxPoolBackward then conv3x3Backward. The layer's output is the CPU engine's, so some
     * windows are all zeros (tied).
     */
    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, pooled")
    @CsvSource({"2, 1, 32, 28, 28", "3, 1, 4, 7, 7", "2, 5, 1, 6, 9", "37, 1, 2, 9, 8"})
    void takesThePooledGradient(int n, int cin, int cout, int h, int w) {
        boolean oneIn = cin == 1;
        int c = oneIn ? cout : cin, hw = h * w, oh = (h + 1) / 2, ow = (w + 1) / 2;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + 99);
        float[] x = randomFloats(random, n * cin * hw, 1f), weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f), dPooled = randomFloats(random, n * cout * oh * ow, 1f);
        for (int i = 0; i < dPooled.length; i++) dPooled[i] += 0.25f;  // a bias sum that does not cancel

        float[] y = new float[n * cout * hw], routed = new float[y.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, cin, h, w), tw = cpu.zeros(cout, cin, 3, 3), tb = cpu.zeros(cout), ty = cpu.zeros(n, cout, h, w);
            Tensor tp = cpu.zeros(n, cout, oh, ow), tdp = cpu.zeros(n, cout, oh, ow), tdy = cpu.zeros(n, cout, h, w);
            cpu.write(tx, x);
            cpu.write(tw, weight);
            cpu.write(tb, bias);
            cpu.write(tdp, dPooled);
            cpu.conv3x3(tx, tw, tb, ty, true);
            cpu.maxPool(ty, tp);
            cpu.maxPoolBackward(ty, tp, tdp, tdy);
            cpu.read(ty, y);
            cpu.read(tdy, routed);
        }
        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, routed, true);
        float[] maskedDy = routed.clone();
        for (int i = 0; i < y.length; i++) if (y[i] <= 0f) maskedDy[i] = 0f;

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor tx = gpu.tensor(x, n, cin, h, w), tdy = gpu.nanTensor(n, cout, h, w);
            CudaTensor dw = gpu.nanTensor(cout, cin, 3, 3), db = gpu.nanTensor(cout);
            weightGradient(gpu, tx, gpu.tensor(y, n, cout, h, w), tdy, gpu.tensor(dPooled, n, cout, oh, ow), true, true, dw, db);
            assertArrayEquals(maskedDy, gpu.read(tdy), "routed and masked dy");
            assertClose("weight gradient", gpu.read(dw), expected.dWeight());
            assertClose("bias gradient", gpu.read(db), expected.dBias());
            CudaTensor tdx = gpu.nanTensor(n, cin, h, w), tw = gpu.tensor(weight, cout, cin, 3, 3);
            if (oneIn) kernels.thinConvIn1BackwardData(tdy, tw, tdx);
            else kernels.thinConvOut1BackwardData(tdy, tw, tdx);
            assertClose("data gradient", gpu.read(tdx), expected.dx());
        }
    }

    /** The weight and bias gradients as ThinConvolution.backward launches them: the partial sums, then the reduce. */
    private static void weightGradient(KernelEmulator gpu, CudaTensor x, CudaTensor y, CudaTensor dy, CudaTensor dPooled, boolean relu,
                                       boolean store, CudaTensor dWeight, CudaTensor dBias) {
        Kernels kernels = gpu.kernels();
        int c = x.c() == 1 ? dy.c() : x.c(), chunks = Kernels.biasChunks(x.n(), x.h() * x.w());
        CUdeviceptr partials = gpu.nans(c * KernelConstants.THIN_SUMS * chunks);
        kernels.thinConvWeightGradPartials(x, y, dy, dPooled, partials, relu, store);
        kernels.thinConvWeightGradReduce(partials, chunks, dWeight, dBias);
    }
}
