package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/**
 * The transposed convolution's GEMM path (GemmTransposedConvolution), with the GEMMs done here in Java
 * and the kernels launched in the CPU emulation, against a direct double-precision reference of Engine's
 * javadoc: y[co][2 iy + ky - 1][2 ix + kx - 1] += x[ci][iy][ix] w[ci][co][ky][kx], plus bias, ReLU.
 * With W the weight as a Cin x K matrix (K = Cout * 9) and per sample: forward col = W^T x,
 * col2im3x3_s2, bias_relu_forward; backward relu_backward_bias_grad, dcol = im2col3x3_s2(dy),
 * dx = W dcol, dW = sum over samples of x dcol^T.
 */
class TransposedConvKernelTest {

    @ParameterizedTest(name = "{3}x{4} -> {5}x{6}, {1} -> {2} channels")
    @CsvSource({
            "2, 16, 16, 4, 4, 7, 7",     // 4 -> 7
            "2, 16, 32, 7, 7, 14, 14",   // 7 -> 14
            "1, 32, 32, 14, 14, 28, 28", // 14 -> 28
            "2, 3, 2, 3, 5, 5, 10",      // odd one way, even the other
            "2, 2, 3, 1, 1, 1, 2",
            "1, 4, 5, 2, 3, 4, 5"})
    void gemmPathMatchesReference(int n, int cin, int cout, int h, int w, int oh, int ow) {
        int p = h * w, k = cout * 9, big = oh * ow;
        Random random = new Random(cin * 1000L + cout * 10L + h + ow);
        float[] x = randomFloats(random, n * cin * p, 1f);
        float[] weight = randomFloats(random, cin * k, (float) Math.sqrt(6.0 / (9 * cin + 9 * cout)));
        float[] bias = randomFloats(random, cout, 0.1f);
        float[] dy = randomFloats(random, n * cout * big, 1f);

        // the reference, straight from the definition
        double[] y = new double[n * cout * big];
        for (int s = 0; s < n; s++)
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                            for (int iy = 0; iy < h; iy++)
                                for (int ix = 0; ix < w; ix++) {
                                    int yy = 2 * iy + ky - 1, xx = 2 * ix + kx - 1;
                                    if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
                                    y[((s * cout + co) * oh + yy) * ow + xx] +=
                                            (double) x[((s * cin + ci) * h + iy) * w + ix] * weight[(ci * cout + co) * 9 + ky * 3 + kx];
                                }
        float[] expectedY = new float[y.length], dyMaskedRef = new float[dy.length];
        double[] db = new double[cout];
        for (int i = 0; i < y.length; i++) {
            int co = (i / big) % cout;
            expectedY[i] = (float) Math.max(0, y[i] + bias[co]);
            dyMaskedRef[i] = expectedY[i] > 0 ? dy[i] : 0f;
            db[co] += dyMaskedRef[i];
        }
        double[] dx = new double[x.length], dw = new double[weight.length];
        for (int s = 0; s < n; s++)
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                            for (int iy = 0; iy < h; iy++)
                                for (int ix = 0; ix < w; ix++) {
                                    int yy = 2 * iy + ky - 1, xx = 2 * ix + kx - 1;
                                    if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
                                    double g = dyMaskedRef[((s * cout + co) * oh + yy) * ow + xx];
                                    int xi = ((s * cin + ci) * h + iy) * w + ix, wi = (ci * cout + co) * 9 + ky * 3 + kx;
                                    dx[xi] += g * weight[wi];
                                    dw[wi] += g * x[xi];
                                }

        float[] dcol;
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor small = gpu.tensor(x, n, cin, h, w);
            // forward: col = W^T x, folded back by col2im3x3_s2, then bias and ReLU
            float[] col = new float[n * k * p];
            for (int s = 0; s < n; s++) multiply(weight, true, x, s * cin * p, col, s * k * p, k, cin, p);
            CudaTensor ty = gpu.nanTensor(n, cout, oh, ow);
            kernels.col2im3x3Stride2(gpu.floats(col), small, ty);
            kernels.biasReluForward(ty, gpu.tensor(bias, cout), true);
            assertClose("transposed convolution output", gpu.read(ty), expectedY);

            // backward, through the reference's output (so both sides mask the same cells)
            int chunks = Kernels.biasChunks(n, big);
            CudaTensor tdy = gpu.tensor(dy, n, cout, oh, ow), tdb = gpu.nanTensor(cout);
            CUdeviceptr partials = gpu.nans(chunks * cout), dcols = gpu.nans(n * k * p);
            kernels.reluBackwardBiasPartials(gpu.tensor(expectedY, n, cout, oh, ow), tdy, partials, true);
            kernels.biasGradReduce(partials, chunks, tdb);
            assertClose("bias gradient", gpu.read(tdb), floats(db));
            kernels.im2col3x3Stride2(tdy, small, dcols);
            dcol = gpu.read(dcols, n * k * p);
        }
        float[] dxGemm = new float[x.length];
        for (int s = 0; s < n; s++) multiply(weight, false, dcol, s * k * p, dxGemm, s * cin * p, cin, k, p);
        assertClose("input gradient", dxGemm, floats(dx));
        double[] dwGemm = new double[weight.length];
        for (int s = 0; s < n; s++)
            for (int ci = 0; ci < cin; ci++)
                for (int r = 0; r < k; r++)
                    for (int q = 0; q < p; q++)
                        dwGemm[ci * k + r] += (double) x[(s * cin + ci) * p + q] * dcol[(s * k + r) * p + q];
        assertClose("weight gradient", floats(dwGemm), floats(dw));
    }

    private static float[] floats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) f[i] = (float) values[i];
        return f;
    }

    /**
     * c (rows x cols, at co) = a . b in double, where a is the weight as rows x inner (or, when
     * transposeA, stored inner x rows) and b is inner x cols at bo; all row-major.
     */
    private static void multiply(float[] a, boolean transposeA, float[] b, int bo, float[] c, int co,
                                 int rows, int inner, int cols) {
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) {
                double sum = 0;
                for (int i = 0; i < inner; i++) {
                    float av = transposeA ? a[i * rows + r] : a[r * inner + i];
                    sum += (double) av * b[bo + i * cols + q];
                }
                c[co + r * cols + q] = (float) sum;
            }
    }
}
