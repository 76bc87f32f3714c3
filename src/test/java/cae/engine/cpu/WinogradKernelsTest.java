package cae.engine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static cae.engine.cpu.ConvKernelsCheck.SHAPES;
import static cae.engine.cpu.ConvKernelsCheck.name;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Winograd kernels against the reference engine, on every shape and on the transforms alone. */
class WinogradKernelsTest {
    private final ConvKernelsCheck reference = new ConvKernelsCheck(20261207);

    /** Shapes the transforms meet in bands: planes taller than one band, odd sides, one-pixel sides. */
    private static final int[][] BANDED = {{16, 16, 70, 30}, {17, 18, 33, 65}, {16, 20, 1, 600}, {18, 16, 600, 1}};

    @Test
    void everyShapeThroughTheTransformsMatchesTheReference() {
        WinogradKernels k = new WinogradKernels(new Conv3x3Kernels(), true);
        for (int[] shape : SHAPES) {
            reference.check(k, shape, true);
            reference.check(k, shape, false);
        }
        for (int[] shape : BANDED) reference.check(k, shape, false);
    }

    @Test
    void smallLayersGoToTheDirectKernelsAndWideOnesThroughTheTransforms() {
        WinogradKernels k = new WinogradKernels(new Conv3x3Kernels());
        for (int[] shape : SHAPES) reference.check(k, shape, true);
        // the direct kernels and the transforms round differently: the same bits only for the layers left to the direct ones
        Conv3x3Kernels direct = new Conv3x3Kernels();
        int[][] cases = {{3, 64, 32, 32}, {64, 3, 32, 32}, {16, 64, 14, 14}, {32, 32, 28, 28}, {64, 64, 32, 32}, {32, 64, 7, 7}};
        boolean[] same = {true, true, true, true, false, false};
        for (int c = 0; c < cases.length; c++) {
            int cin = cases[c][0], cout = cases[c][1], h = cases[c][2], w = cases[c][3];
            float[] x = reference.randomArray(cin * h * w), wt = reference.randomArray(cout * cin * 9), bias = reference.randomArray(cout);
            float[] a = new float[cout * h * w], b = new float[cout * h * w];
            k.forward(x, 0, cin, h, w, wt, 0, bias, 0, cout, a, 0, false);
            direct.forward(x, 0, cin, h, w, wt, 0, bias, 0, cout, b, 0, false);
            boolean equal = java.util.Arrays.equals(a, b);
            assertEquals(same[c], equal, name(cases[c], "forward") + ": same bits as the direct kernels");
        }
    }

    @Test
    void scratchReusedAcrossShapesInAnyOrderStaysCorrect() {
        WinogradKernels k = new WinogradKernels(new Conv3x3Kernels(), true);
        for (int i = SHAPES.length - 1; i >= 0; i--) {
            reference.check(k, SHAPES[i], i % 2 == 0);
            reference.check(k, SHAPES[(i * 7) % SHAPES.length], false);
        }
    }

    /** A window cut at even coordinates gives the whole plane's bits in its interior. */
    @Test
    void anEvenWindowGivesTheWholePlanesBits() {
        int cin = 16, cout = 16, h = 21, w = 27;
        float[] x = reference.randomArray(cin * h * w), wt = reference.randomArray(cout * cin * 9), bias = reference.randomArray(cout);
        WinogradKernels k = new WinogradKernels(new Conv3x3Kernels(), true);
        float[] whole = new float[cout * h * w];
        k.forward(x, 0, cin, h, w, wt, 0, bias, 0, cout, whole, 0, true);
        int y0 = 4, x0 = 6, wh = 12, ww = 14;  // the window [4, 16) x [6, 20)
        float[] window = new float[cin * wh * ww];
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < wh; r++) System.arraycopy(x, (c * h + y0 + r) * w + x0, window, (c * wh + r) * ww, ww);
        float[] out = new float[cout * wh * ww];
        k.forward(window, 0, cin, wh, ww, wt, 0, bias, 0, cout, out, 0, true);
        for (int c = 0; c < cout; c++)
            for (int r = 1; r < wh - 1; r++)
                for (int col = 1; col < ww - 1; col++)
                    assertEquals(Float.floatToIntBits(whole[(c * h + y0 + r) * w + x0 + col]),
                            Float.floatToIntBits(out[(c * wh + r) * ww + col]), "channel " + c + " at " + r + ", " + col);
    }

    /** The adjoint is the adjoint: <G g G^T, u> = <g, G^T u G> for random g and u. */
    @Test
    void kernelTransformAndItsAdjointAgree() {
        Random random = new Random(7);
        float[] g = new float[9], u = new float[16], gu = new float[16], ug = new float[9], scratch = new float[12];
        for (int trial = 0; trial < 100; trial++) {
            for (int i = 0; i < 9; i++) g[i] = random.nextFloat() - 0.5f;
            for (int i = 0; i < 16; i++) u[i] = random.nextFloat() - 0.5f;
            WinogradKernels.kernelTransform(g, gu, scratch);
            WinogradKernels.kernelTransformAdjoint(u, ug, scratch);
            double left = 0, right = 0;
            for (int i = 0; i < 16; i++) left += (double) gu[i] * u[i];
            for (int i = 0; i < 9; i++) right += (double) g[i] * ug[i];
            assertEquals(left, right, 1e-6);
        }
        // a kernel with one tap set transforms to the products of G's columns
        float[] one = new float[9];
        one[4] = 1f;
        WinogradKernels.kernelTransform(one, gu, scratch);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0.25f, -0.25f, 0, 0, -0.25f, 0.25f, 0, 0, 0, 0, 0}, gu);
    }
}
