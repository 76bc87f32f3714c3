package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/**
 * The GEMM convolution path the CUDA engine takes without cuDNN, with the GEMMs done here in Java:
 * im2col3x3, then y = W . col, then bias_relu_forward, against CpuEngine.conv3x3; and backward,
 * relu_backward_bias_grad, dcol = W^T . dy, col2im3x3 and dW = sum over samples of dy . col^T, against
 * CpuEngine.conv3x3Backward.
 */
class Im2colKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels")
    @CsvSource({
            "2, 1, 32, 28, 28",   // conv1
            "2, 32, 32, 14, 14",  // conv2
            "2, 16, 16, 7, 7",    // conv4
            "1, 16, 8, 5, 6",
            "2, 2, 3, 1, 1"})
    void gemmConvolutionMatchesCpuEngine(int n, int cin, int cout, int h, int w) throws Exception {
        int hw = h * w, k = cin * 9;
        Random random = new Random(cin * 1000L + cout * 10L + h + w);
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * k, (float) Math.sqrt(6.0 / (9 * cin + 9 * cout)));
        float[] bias = randomFloats(random, cout, 0.1f);
        float[] dy = randomFloats(random, n * cout * hw, 1f);

        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, true);
        float[] expectedY = expected.y(), expectedDx = expected.dx(), expectedDw = expected.dWeight(), expectedDb = expected.dBias();

        // forward
        run("im2col3x3", n, cin, h, w, writeFloats(dir.resolve("x"), x), dir.resolve("col"));
        float[] col = readFloats(dir.resolve("col"), n * k * hw);
        float[] y = new float[n * cout * hw];
        for (int s = 0; s < n; s++) multiply(weight, 0, false, col, s * k * hw, y, s * cout * hw, cout, k, hw);
        run("bias_relu_forward", n, cout, hw, 1, writeFloats(dir.resolve("y"), y), writeFloats(dir.resolve("b"), bias),
                dir.resolve("yOut"));
        assertClose("convolution output", readFloats(dir.resolve("yOut"), y.length), expectedY);

        // backward, through the layer's output as the CPU engine computed it
        run("relu_backward_bias_grad", n, cout, hw, 1, writeFloats(dir.resolve("yCpu"), expectedY),
                writeFloats(dir.resolve("dy"), dy), dir.resolve("dyMasked"), dir.resolve("db"));
        float[] dyMasked = readFloats(dir.resolve("dyMasked"), dy.length);
        assertClose("bias gradient", readFloats(dir.resolve("db"), cout), expectedDb);

        float[] dcol = new float[col.length];
        for (int s = 0; s < n; s++) multiply(weight, 0, true, dyMasked, s * cout * hw, dcol, s * k * hw, k, cout, hw);
        run("col2im3x3", n, cin, h, w, writeFloats(dir.resolve("dcol"), dcol), dir.resolve("dx"));
        assertClose("input gradient", readFloats(dir.resolve("dx"), x.length), expectedDx);

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
