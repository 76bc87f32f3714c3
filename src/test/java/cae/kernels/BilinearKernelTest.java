package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/**
 * kernels/bilinear.cu bodies against a double-precision reference written here from Engine's javadoc
 * (TF1 rule): per axis src = dst * in / out, i0 = floor(src), i1 = min(i0 + 1, in - 1), t = src - i0;
 * the backward as the reference's scatter, so the kernel's gather ranges are checked against it.
 */
class BilinearKernelTest {
    @TempDir Path dir;

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
    void matchesReference(int n, int c, int ih, int iw, int oh, int ow) throws Exception {
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

        run("resize_bilinear_forward", n, c, ih, iw, oh, ow, writeFloats(dir.resolve("x"), x), dir.resolve("y"));
        assertClose("bilinear forward", readFloats(dir.resolve("y"), dy.length), expectedY);
        run("resize_bilinear_backward", n, c, ih, iw, oh, ow, writeFloats(dir.resolve("dy"), dy), dir.resolve("dx"));
        assertClose("bilinear backward", readFloats(dir.resolve("dx"), x.length), expectedDx);
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
