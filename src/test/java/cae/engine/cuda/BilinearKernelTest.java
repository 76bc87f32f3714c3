package cae.engine.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/**
 * kernels/bilinear.cu, launched in the CPU emulation, against a double-precision reference written here
 * from Engine's javadoc (TF1 rule): per axis src = dst * in / out, i0 = floor(src), i1 = min(i0 + 1,
 * in - 1), t = src - i0; the backward as the reference's scatter, so the kernel's gather ranges are
 * checked against it, and kernels/shapes.cuh's bilinear taps against the rule.
 */
class BilinearKernelTest {

    @ParameterizedTest(name = "{2}x{3} -> {4}x{5}")
    @CsvSource({
            "3, 16, 4, 4, 7, 7",      // up1
            "2, 16, 7, 7, 14, 14",    // up2
            "2, 32, 14, 14, 28, 28",  // up3
            "2, 3, 3, 5, 10, 7",
            "2, 3, 7, 9, 4, 5",       // downscaling: some source cells are read by nothing
            "2, 2, 28, 28, 3, 5",
            "2, 2, 1, 1, 3, 2",
            "2, 2, 3, 4, 1, 1",
            "1, 2, 5, 6, 5, 6"})      // same size: a copy
    void matchesReference(int n, int c, int ih, int iw, int oh, int ow) {
        Random random = new Random(17L * ih + 5L * oh + iw * 101L + ow);
        float[] x = randomFloats(random, n * c * ih * iw, 2f);
        float[] dy = randomFloats(random, n * c * oh * ow, 2f);

        float[] expectedY = new float[dy.length];
        double[] dx = new double[x.length];
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < oh; oy++) {
                Tap ty = new Tap(oy, ih, oh);
                for (int ox = 0; ox < ow; ox++) {
                    Tap tx = new Tap(ox, iw, ow);
                    int o = (p * oh + oy) * ow + ox;
                    int[] rows = {ty.i0, ty.i0, ty.i1, ty.i1}, cols = {tx.i0, tx.i1, tx.i0, tx.i1};
                    double[] weights = {(1 - ty.t) * (1 - tx.t), (1 - ty.t) * tx.t, ty.t * (1 - tx.t), ty.t * tx.t};
                    double y = 0;
                    for (int k = 0; k < 4; k++) {
                        int src = (p * ih + rows[k]) * iw + cols[k];
                        y += weights[k] * x[src];
                        dx[src] += weights[k] * dy[o];
                    }
                    expectedY[o] = (float) y;
                }
            }
        float[] expectedDx = new float[x.length];
        for (int i = 0; i < dx.length; i++) expectedDx[i] = (float) dx[i];

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor ty = gpu.nanTensor(n, c, oh, ow), tdx = gpu.nanTensor(n, c, ih, iw);
            kernels.resizeBilinearForward(gpu.tensor(x, n, c, ih, iw), ty);
            assertClose("bilinear forward", gpu.read(ty), expectedY);
            kernels.resizeBilinearBackward(gpu.tensor(dy, n, c, oh, ow), tdx);
            assertClose("bilinear backward", gpu.read(tdx), expectedDx);
        }
    }

    /** One axis of the TF1 rule, in double. */
    private static final class Tap {
        final int i0, i1;
        final double t;

        Tap(int dst, int in, int out) {
            double src = (double) dst * in / out;
            i0 = (int) Math.floor(src);
            i1 = Math.min(i0 + 1, in - 1);
            t = src - i0;
        }
    }
}
