package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Max-pool backward on inputs full of ties (ReLU outputs: many zeros, few distinct values), on
 * sizes whose rows take the vector path, the one-window-at-a-time path and the cut-off edges:
 * each window's gradient goes to its first maximal cell in row-major order, every other cell is 0.
 */
class MaxPoolTiesTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    /** The rule, one window at a time, on a plain loop. */
    private static float[] expected(float[] x, float[] dy, int planes, int h, int w) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        float[] dx = new float[x.length];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int best = -1;
                    for (int r = 2 * oy; r < Math.min(2 * oy + 2, h); r++)
                        for (int c = 2 * ox; c < Math.min(2 * ox + 2, w); c++) {
                            int i = (p * h + r) * w + c;
                            if (best < 0 || x[i] > x[best]) best = i;
                        }
                    dx[best] = dy[(p * oh + oy) * ow + ox];
                }
        return dx;
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}")
    @CsvSource({"3, 4, 28, 28", "2, 5, 14, 14", "2, 3, 7, 7", "1, 4, 8, 8", "2, 2, 9, 17", "1, 3, 16, 10", "1, 2, 5, 30"})
    void gradientGoesToTheFirstMaximalCellOfEachWindow(int n, int c, int h, int w) {
        Random random = new Random(31L * h + w);
        float[] levels = {0f, 0f, 0f, -0f, 0.5f, 1f};
        float[] input = new float[n * c * h * w];
        for (int i = 0; i < input.length; i++) input[i] = levels[random.nextInt(levels.length)];
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        float[] gradient = new float[n * c * oh * ow];
        for (int i = 0; i < gradient.length; i++) gradient[i] = 1 + random.nextInt(1000);

        Tensor x = engine.zeros(n, c, h, w), y = engine.zeros(n, c, oh, ow);
        Tensor dy = engine.zeros(n, c, oh, ow), dx = engine.zeros(n, c, h, w);
        engine.write(x, input);
        engine.maxPool(x, y);
        engine.write(dy, gradient);
        engine.fill(dx, 9f);   // must be overwritten everywhere
        engine.maxPoolBackward(x, y, dy, dx);
        float[] actual = new float[dx.size()];
        engine.read(dx, actual);
        assertArrayEquals(expected(input, gradient, n * c, h, w), actual);
    }
}
