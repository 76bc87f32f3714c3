package cae.engine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The up stage computed from the small input against the same convolution of the resized input in
 * double precision: forward, the small input's gradient, the weight and bias gradients; both register
 * tiles; even and odd sides; backward-filter by the phases and on the resized input; weights that
 * change between calls; and the property the tiled denoiser needs, a window that starts at even
 * coordinates giving the whole image's bits.
 */
class UpsampledConvKernelsTest {
    private static final double TOLERANCE = 1e-5;
    /**
     * cin, cout, output h, w: backward-filter by the phases (at least 8 outputs and
     * PHASE_FILTER_CELLS small cells) with odd rows, odd columns, both and neither; on the resized
     * input (small planes, few outputs) with the same; one cell; the recipe's up stages.
     */
    private static final int[][] SHAPES = {{3, 8, 15, 16}, {4, 8, 16, 13}, {8, 10, 13, 11}, {5, 9, 16, 16},
            {2, 8, 4, 4}, {3, 9, 5, 8}, {4, 12, 6, 7}, {8, 8, 7, 7}, {6, 4, 9, 10}, {1, 2, 1, 1}, {5, 13, 3, 2},
            {16, 16, 7, 7}, {16, 32, 14, 14}, {32, 32, 28, 28}, {64, 3, 6, 5}};

    private final Random random = new Random(20261208);

    private float[] randoms(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = random.nextFloat() - 0.5f;
        return a;
    }

    @Test
    void everyShapeMatchesTheResizedConvolution() {
        for (int tile : new int[] {8, 6}) {
            UpsampledConvKernels k = new UpsampledConvKernels(new WinogradKernels(new Conv3x3Kernels(tile)), tile);
            for (int[] s : SHAPES)
                for (boolean relu : new boolean[] {false, true})
                    // twice: the second call reuses the packed weights, then new weights must be packed again
                    for (int call = 0; call < 3; call++) check(k, s, relu, call < 2 ? 7 : call);
        }
    }

    private void check(UpsampledConvKernels k, int[] s, boolean relu, int weightSeed) {
        int cin = s[0], cout = s[1], h = s[2], w = s[3], sh = (h + 1) / 2, sw = (w + 1) / 2;
        String what = java.util.Arrays.toString(s) + (relu ? " relu" : "");
        // arrays at offsets, as a batch's samples are
        int xo = 3, yo = 5;
        float[] x = randoms(xo + cin * sh * sw), bias = randoms(cout), dy = randoms(yo + cout * h * w);
        float[] wt = new float[cout * cin * 9];
        Random r = new Random(weightSeed);
        for (int i = 0; i < wt.length; i++) wt[i] = r.nextFloat() - 0.5f;
        float[] y = new float[yo + cout * h * w], dx = new float[xo + cin * sh * sw];
        float[] dw = randoms(cout * cin * 9), db = randoms(cout);
        float[] dw0 = dw.clone(), db0 = db.clone();
        k.forward(x, xo, cin, h, w, wt, 0, bias, 0, cout, y, yo, relu);
        k.backward(x, xo, cin, h, w, wt, 0, dy, yo, cout, dx, xo, dw, 0, db, 0);

        double[] ry = new double[cout * h * w], rdx = new double[cin * sh * sw], rdw = new double[cout * cin * 9], rdb = new double[cout];
        for (int o = 0; o < cout; o++)
            for (int r0 = 0; r0 < h; r0++)
                for (int c0 = 0; c0 < w; c0++) {
                    double sum = bias[o], g = dy[yo + (o * h + r0) * w + c0];
                    rdb[o] += g;
                    for (int c = 0; c < cin; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int rr = r0 + ky - 1, cc = c0 + kx - 1;
                                if (rr < 0 || rr >= h || cc < 0 || cc >= w) continue;
                                int source = xo + (c * sh + rr / 2) * sw + cc / 2, tap = (o * cin + c) * 9 + ky * 3 + kx;
                                sum += (double) wt[tap] * x[source];
                                rdx[source - xo] += (double) wt[tap] * g;
                                rdw[tap] += g * x[source];
                            }
                    ry[(o * h + r0) * w + c0] = relu ? Math.max(sum, 0) : sum;
                }
        assertClose(what + " y", ry, y, yo, null);
        assertClose(what + " dx", rdx, dx, xo, null);
        assertClose(what + " dw", rdw, dw, 0, dw0);
        assertClose(what + " db", rdb, db, 0, db0);
    }

    /** Relative L2 error of actual[offset...] against expected (plus what it held before, as gradients accumulate). */
    private static void assertClose(String what, double[] expected, float[] actual, int offset, float[] before) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i] + (before == null ? 0 : before[i]);
            diff += (actual[offset + i] - e) * (actual[offset + i] - e);
            norm += e * e;
        }
        // a ReLU may zero a small output entirely: then it must be exactly zero
        if (norm == 0) assertEquals(0, diff, what + ": expected all zeros");
        else assertTrue(Math.sqrt(diff / norm) <= TOLERANCE, what + ": relative error " + Math.sqrt(diff / norm));
    }

    /**
     * A window of the small input from even coordinates to its end gives, away from the window's
     * start, the same bits as the whole: at even and odd sizes (where the last row and column are
     * summed apart), as the tiled denoiser's windows need.
     */
    @Test
    void aWindowFromEvenCoordinatesGivesTheWholeImagesBits() {
        for (int[] size : new int[][] {{13, 11}, {14, 12}, {9, 16}}) {
            int cin = 8, cout = 10, h = size[0], w = size[1], sh = (h + 1) / 2, sw = (w + 1) / 2;
            float[] x = randoms(cin * sh * sw), wt = randoms(cout * cin * 9), bias = randoms(cout);
            UpsampledConvKernels k = new UpsampledConvKernels(new WinogradKernels(new Conv3x3Kernels()));
            float[] whole = new float[cout * h * w];
            k.forward(x, 0, cin, h, w, wt, 0, bias, 0, cout, whole, 0, true);
            // the window starts at source cell (2, 2): output (4, 4), and ends where the image does
            int wh = h - 4, ww = w - 4, wsh = (wh + 1) / 2, wsw = (ww + 1) / 2;
            assertEquals(sh - 2, wsh);
            float[] window = new float[cin * wsh * wsw];
            for (int c = 0; c < cin; c++)
                for (int i = 0; i < wsh; i++)
                    System.arraycopy(x, (c * sh + i + 2) * sw + 2, window, (c * wsh + i) * wsw, wsw);
            float[] part = new float[cout * wh * ww];
            k.forward(window, 0, cin, wh, ww, wt, 0, bias, 0, cout, part, 0, true);
            for (int o = 0; o < cout; o++)
                for (int r = 1; r < wh; r++)
                    for (int c = 1; c < ww; c++)
                        assertEquals(Float.floatToIntBits(whole[(o * h + r + 4) * w + c + 4]), Float.floatToIntBits(part[(o * wh + r) * ww + c]),
                                h + "x" + w + ": output " + o + " at " + (r + 4) + "," + (c + 4));
        }
    }
}
