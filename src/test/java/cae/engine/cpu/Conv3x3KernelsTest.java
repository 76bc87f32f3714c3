package cae.engine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static cae.engine.cpu.ConvKernelsCheck.OFFSET;
import static cae.engine.cpu.ConvKernelsCheck.SHAPES;
import static cae.engine.cpu.ConvKernelsCheck.TOLERANCE;
import static cae.engine.cpu.ConvKernelsCheck.backwardFilterReference;
import static cae.engine.cpu.ConvKernelsCheck.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vectorized kernels against the reference engine's double-precision 3x3 SAME convolution. */
class Conv3x3KernelsTest {
    /** Both register tile shapes, whatever this CPU's vector registers. */
    private static final int[] TILES = {8, 6};

    private final ConvKernelsCheck reference = new ConvKernelsCheck(20261127);

    @Test
    void everyShapeMatchesTheReference() {
        for (int tile : TILES) {
            Conv3x3Kernels k = new Conv3x3Kernels(tile);
            for (int[] shape : SHAPES) {
                reference.check(k, shape, true);
                reference.check(k, shape, false);
            }
        }
    }

    @Test
    void scratchReusedAcrossShapesInAnyOrderStaysCorrect() {
        // one instance going back and forth between shapes, as a worker does over a training step
        for (int tile : TILES) {
            Conv3x3Kernels k = new Conv3x3Kernels(tile);
            for (int i = SHAPES.length - 1; i >= 0; i--) {
                reference.check(k, SHAPES[i], i % 2 == 0);
                reference.check(k, SHAPES[(i * 7) % SHAPES.length], false);
            }
        }
    }

    /** Each output sums (input channel, tap) in one order whatever the tile: the same bits from both. */
    @Test
    void bothTileShapesGiveTheSameBits() {
        Conv3x3Kernels wide = new Conv3x3Kernels(8), narrow = new Conv3x3Kernels(6);
        for (int[] shape : SHAPES) {
            int cin = shape[0], cout = shape[1], h = shape[2], w = shape[3];
            float[] x = reference.randomArray(cin * h * w), wt = reference.randomArray(cout * cin * 9), bias = reference.randomArray(cout);
            float[] dy = reference.randomArray(cout * h * w);
            float[][] results = new float[2][];
            Conv3x3Kernels[] kernels = {wide, narrow};
            for (int i = 0; i < 2; i++) {
                float[] y = new float[cout * h * w], dx = new float[cin * h * w];
                float[] dw = new float[cout * cin * 9], db = new float[cout];
                kernels[i].forward(x, 0, cin, h, w, wt, 0, bias, 0, cout, y, 0, true);
                kernels[i].backwardData(dy, 0, cout, h, w, wt, 0, cin, dx, 0);
                kernels[i].backwardFilter(x, 0, cin, h, w, dy, 0, cout, dw, 0, db, 0);
                float[] all = new float[y.length + dx.length + dw.length + db.length];
                System.arraycopy(y, 0, all, 0, y.length);
                System.arraycopy(dx, 0, all, y.length, dx.length);
                System.arraycopy(dw, 0, all, y.length + dx.length, dw.length);
                System.arraycopy(db, 0, all, y.length + dx.length + dw.length, db.length);
                results[i] = all;
            }
            for (int i = 0; i < results[0].length; i++)
                assertEquals(Float.floatToIntBits(results[0][i]), Float.floatToIntBits(results[1][i]),
                        name(shape, "tile 8 against tile 6") + ": value " + i);
        }
    }

    @Test
    void refusesOtherTileShapes() {
        assertThrows(IllegalArgumentException.class, () -> new Conv3x3Kernels(4));
    }

    @Test
    void backwardFilterAccumulatesOverCalls() {
        Conv3x3Kernels k = new Conv3x3Kernels();
        int cin = 5, cout = 11, h = 6, w = 7;
        float[] dw = new float[cout * cin * 9], db = new float[cout];
        double[] want = new double[dw.length + db.length];
        for (int sample = 0; sample < 3; sample++) {
            float[] x = reference.randomArray(cin * h * w), dy = reference.randomArray(cout * h * w);
            k.backwardFilter(x, 0, cin, h, w, dy, 0, cout, dw, 0, db, 0);
            double[] g = backwardFilterReference(x, cin, h, w, dy, cout);
            for (int i = 0; i < g.length; i++) want[i] += g[i];
        }
        float[] got = new float[OFFSET + want.length];
        System.arraycopy(dw, 0, got, OFFSET, dw.length);
        System.arraycopy(db, 0, got, OFFSET + dw.length, db.length);
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += Math.pow(got[OFFSET + i] - want[i], 2);
            norm += want[i] * want[i];
        }
        assertTrue(Math.sqrt(diff / norm) <= TOLERANCE, "relative error " + Math.sqrt(diff / norm));
    }
}
