package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Max-pool and 2x resize, forward and backward, on outputs that are views with sentinel cells
 * after them: rows narrower than a vector let the vectors run on into later cells of the same
 * sample, which must never reach past the sample (another thread's) or the tensor. Exact results
 * against plain loops, for several samples and channels on two threads.
 */
class PoolingEdgesTest {
    private static final Engine engine = new CpuEngine(2);
    private static final int SPARE = 80;
    private static final float SENTINEL = 7.25f;

    @AfterAll static void close() { engine.close(); }

    /** A tensor of the given shape viewing the start of one with SPARE sentinel cells after it. */
    private record Guarded(Tensor base, Tensor view) {
        Guarded(int... shape) {
            this(engine.zeros(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b) + SPARE), shape);
        }

        private Guarded(Tensor base, int[] shape) {
            this(base, engine.view(base, 0, shape));
            engine.fill(base, SENTINEL);
        }

        float[] values() {
            float[] out = new float[view.size()];
            engine.read(view, out);
            return out;
        }

        void assertSpareUntouched(String what) {
            float[] all = new float[base.size()];
            engine.read(base, all);
            for (int i = view.size(); i < all.length; i++) assertEquals(SENTINEL, all[i], what + ": spare cell " + (i - view.size()));
        }
    }

    private static float[] random(Random random, int n, boolean ties) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = ties ? random.nextInt(3) * 0.5f : random.nextFloat() * 2 - 1;
        return a;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"3, 4, 14, 14", "3, 2, 28, 28", "2, 3, 7, 7", "2, 2, 9, 20", "3, 3, 8, 8", "2, 2, 5, 30", "3, 2, 4, 4", "2, 1, 16, 34"})
    void maxPoolStaysInsideItsOutputs(int n, int c, int h, int w) {
        Random random = new Random(17L * h + w);
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        float[] input = random(random, n * c * h * w, true), gradient = random(random, n * c * oh * ow, false);
        Tensor x = engine.zeros(n, c, h, w), dy = engine.zeros(n, c, oh, ow);
        Guarded y = new Guarded(n, c, oh, ow), dx = new Guarded(n, c, h, w);
        engine.write(x, input);
        engine.write(dy, gradient);
        engine.maxPool(x, y.view());
        engine.maxPoolBackward(x, y.view(), dy, dx.view());

        float[] expectedY = new float[n * c * oh * ow], expectedDx = new float[input.length];
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int best = -1;
                    for (int r = 2 * oy; r < Math.min(2 * oy + 2, h); r++)
                        for (int col = 2 * ox; col < Math.min(2 * ox + 2, w); col++) {
                            int i = (p * h + r) * w + col;
                            if (best < 0 || input[i] > input[best]) best = i;
                        }
                    int o = (p * oh + oy) * ow + ox;
                    expectedY[o] = input[best];
                    expectedDx[best] = gradient[o];
                }
        assertArrayEquals(expectedY, y.values(), "maxPool y");
        assertArrayEquals(expectedDx, dx.values(), "maxPool dx");
        y.assertSpareUntouched("maxPool y");
        dx.assertSpareUntouched("maxPool dx");
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"3, 4, 14, 14", "3, 2, 7, 7", "2, 3, 8, 8", "2, 2, 9, 5", "3, 2, 4, 20", "2, 2, 3, 17"})
    void doublingResizeStaysInsideItsOutputs(int n, int c, int h, int w) {
        Random random = new Random(23L * h + w);
        float[] small = random(random, n * c * h * w, false), large = random(random, n * c * 4 * h * w, false);
        Tensor x = engine.zeros(n, c, h, w), dy = engine.zeros(n, c, 2 * h, 2 * w);
        Guarded y = new Guarded(n, c, 2 * h, 2 * w), dx = new Guarded(n, c, h, w);
        engine.write(x, small);
        engine.write(dy, large);
        engine.resize(x, y.view());
        engine.resizeBackward(dy, dx.view());

        float[] expectedY = new float[large.length], expectedDx = new float[small.length];
        for (int p = 0; p < n * c; p++)
            for (int r = 0; r < h; r++)
                for (int col = 0; col < w; col++) {
                    int s = (p * h + r) * w + col, t = (p * 2 * h + 2 * r) * 2 * w + 2 * col, b = t + 2 * w;
                    expectedY[t] = expectedY[t + 1] = expectedY[b] = expectedY[b + 1] = small[s];
                    expectedDx[s] = large[t] + large[t + 1] + large[b] + large[b + 1];
                }
        assertArrayEquals(expectedY, y.values(), "resize y");
        assertArrayEquals(expectedDx, dx.values(), "resize dx");
        y.assertSpareUntouched("resize y");
        dx.assertSpareUntouched("resize dx");
    }
}
