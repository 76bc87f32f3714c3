package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/**
 * The GEMM convolution path the CUDA engine takes without cuDNN, its kernels launched in the CPU
 * emulation and the GEMMs done here in Java:
 * im2col3x3, then y = W . col, then bias_relu_forward, against CpuEngine.conv3x3; and backward,
 * relu_backward_bias_grad, dcol = W^T . dy, col2im3x3 and dW = sum over samples of dy . col^T, against
 * CpuEngine.conv3x3Backward.
 */
class Im2colKernelTest {

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels")
    @CsvSource({
            "2, 1, 32, 28, 28",   // conv1
            "2, 32, 32, 14, 14",  // conv2
            "2, 16, 16, 7, 7",    // conv4
            "1, 16, 8, 5, 6",
            "2, 2, 3, 1, 1"})
    void gemmConvolutionMatchesCpuEngine(int n, int cin, int cout, int h, int w) {
        int hw = h * w, k = cin * 9;
        Random random = new Random(cin * 1000L + cout * 10L + h + w);
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * k, (float) Math.sqrt(6.0 / (9 * cin + 9 * cout)));
        float[] bias = randomFloats(random, cout, 0.1f);
        float[] dy = randomFloats(random, n * cout * hw, 1f);

        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, true);
        float[] expectedY = expected.y(), expectedDx = expected.dx(), expectedDw = expected.dWeight(), expectedDb = expected.dBias();

        float[] col, dyMasked;
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            // forward
            CUdeviceptr cols = gpu.nans(n * k * hw);
            kernels.im2col3x3(gpu.tensor(x, n, cin, h, w), cols);
            col = gpu.read(cols, n * k * hw);
            float[] y = new float[n * cout * hw];
            for (int s = 0; s < n; s++) multiply(weight, 0, false, col, s * k * hw, y, s * cout * hw, cout, k, hw);
            CudaTensor ty = gpu.tensor(y, n, cout, h, w);
            kernels.biasReluForward(ty, gpu.tensor(bias, cout), true);
            assertClose("convolution output", gpu.read(ty), expectedY);

            // backward, through the layer's output as the CPU engine computed it
            int chunks = Kernels.biasChunks(n, hw);
            CudaTensor tdy = gpu.tensor(dy, n, cout, h, w), db = gpu.nanTensor(cout);
            CUdeviceptr partials = gpu.nans(chunks * cout);
            kernels.reluBackwardBiasPartials(gpu.tensor(expectedY, n, cout, h, w), tdy, partials, true);
            kernels.biasGradReduce(partials, chunks, db);
            dyMasked = gpu.read(tdy);
            assertClose("bias gradient", gpu.read(db), expectedDb);

            float[] dcol = new float[col.length];
            for (int s = 0; s < n; s++) multiply(weight, 0, true, dyMasked, s * cout * hw, dcol, s * k * hw, k, cout, hw);
            CudaTensor dx = gpu.nanTensor(n, cin, h, w);
            kernels.col2im3x3(gpu.floats(dcol), dx);
            assertClose("input gradient", gpu.read(dx), expectedDx);
        }

        double[] dw = new double[weight.length];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int r = 0; r < k; r++)
                    for (int p = 0; p < hw; p++)
                        dw[co * k + r] += (double) dyMasked[(s * cout + co) * hw + p] * col[(s * k + r) * hw + p];
        float[] dwFloat = new float[dw.length];
        for (int i = 0; i < dw.length; i++) dwFloat[i] = (float) dw[i];
        assertClose("weight gradient from the same columns", dwFloat, expectedDw);
    }

    /**
     * c (rows x cols, at co) = a . b in double, where a is rows x inner at ao (or its transpose, stored
     * inner x rows, when transposeA) and b is inner x cols at bo; all row-major.
     */
    private static void multiply(float[] a, int ao, boolean transposeA, float[] b, int bo,
                                 float[] c, int co, int rows, int inner, int cols) {
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) {
                double sum = 0;
                for (int i = 0; i < inner; i++) {
                    float av = transposeA ? a[ao + i * rows + r] : a[ao + r * inner + i];
                    sum += (double) av * b[bo + i * cols + q];
                }
                c[co + r * cols + q] = (float) sum;
            }
    }
}
