package cae.engine.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * The nearest decoder's up stage two ways on one thread: resizing the sample and convolving it (the
 * way the CPU engine took before {@link UpsampledConvKernels}, through the same direct or Winograd
 * kernels), and the phases from the small input. Both run in one JVM, alternating round by round
 * (which goes first alternates too), so a machine whose speed drifts still gives a usable ratio.
 * Prints, per shape and pass, each way's median milliseconds per round and the median, lowest and
 * highest resized / phases time ratio over the second half of the rounds.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes
 * cae.engine.cpu.ResizeConvBenchmark [cin,cout,h,w ...]} (h x w: the output's size; default: the
 * recipe's and the photo model's up stages).
 */
public final class ResizeConvBenchmark {
    private static final int ROUNDS = 16;
    /** Multiply-adds of the resized convolution per round and way, a few tens of milliseconds on one core. */
    private static final double ROUND_FLOP = 1.5e9;

    private static final int[][] DEFAULT_SHAPES = {
            {16, 16, 7, 7}, {16, 32, 14, 14}, {32, 32, 28, 28}, {32, 32, 16, 16}, {32, 64, 32, 32}, {64, 64, 64, 64},
    };

    public static void main(String[] args) {
        System.out.printf("one thread, %d rounds alternating; ratios over the last %d%n", ROUNDS, ROUNDS / 2);
        for (int[] shape : ConvBenchmark.shapes(args, DEFAULT_SHAPES)) compare(shape[0], shape[1], shape[2], shape[3]);
    }

    private static void compare(int cin, int cout, int h, int w) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2, small = sh * sw, plane = h * w;
        int samples = (int) Math.max(1, Math.min(400, ROUND_FLOP / (2.0 * 9 * cin * cout * plane)));
        Random random = new Random(1);
        ConvBenchmark.Layer layer = new ConvBenchmark.Layer(random, samples, cin, cout, small, plane);
        float[] x = layer.x, dy = layer.dy, wt = layer.wt, bias = layer.bias, y = layer.y, dx = layer.dx, dw = layer.dw, db = layer.db;
        float[] up = new float[cin * plane], dUp = new float[cin * plane];
        ConvKernels resized = new WinogradKernels(new Conv3x3Kernels());
        UpsampledConvKernels phases = new UpsampledConvKernels(new WinogradKernels(new Conv3x3Kernels()));
        double[][][] nanos = new double[2][2][ROUNDS];
        for (int round = 0; round < ROUNDS; round++)
            for (int turn = 0; turn < 2; turn++) {
                int way = (round + turn) % 2;
                long t0 = System.nanoTime();
                for (int s = 0; s < samples; s++) {
                    int xo = s * cin * small, yo = s * cout * plane;
                    if (way == 0) {
                        UpsampledConvKernels.resize(x, xo, cin, h, w, up);
                        resized.forward(up, 0, cin, h, w, wt, 0, bias, 0, cout, y, yo, true);
                    } else {
                        phases.forward(x, xo, cin, h, w, wt, 0, bias, 0, cout, y, yo, true);
                    }
                }
                long t1 = System.nanoTime();
                for (int s = 0; s < samples; s++) {
                    int xo = s * cin * small, yo = s * cout * plane;
                    if (way == 0) {
                        UpsampledConvKernels.resize(x, xo, cin, h, w, up);
                        resized.backwardData(dy, yo, cout, h, w, wt, 0, cin, dUp, 0);
                        resized.backwardFilter(up, 0, cin, h, w, dy, yo, cout, dw, 0, db, 0);
                        resizeBackward(dUp, cin, h, w, dx, xo);
                    } else {
                        phases.backward(x, xo, cin, h, w, wt, 0, dy, yo, cout, dx, xo, dw, 0, db, 0);
                    }
                }
                long t2 = System.nanoTime();
                nanos[way][0][round] = t1 - t0;
                nanos[way][1][round] = t2 - t1;
            }
        System.out.printf("%d -> %d at %d x %d from %d x %d (%d samples a round)%n", cin, cout, h, w, sh, sw, samples);
        String[] passes = {"forward", "backward"};
        for (int p = 0; p < 2; p++) {
            int n = ROUNDS / 2;
            double[] ratio = new double[n], a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                int round = ROUNDS - n + i;
                ratio[i] = nanos[0][p][round] / nanos[1][p][round];
                a[i] = nanos[0][p][round] / 1e6;
                b[i] = nanos[1][p][round] / 1e6;
            }
            Arrays.sort(ratio);
            Arrays.sort(a);
            Arrays.sort(b);
            System.out.printf("  %-9s resized %7.1f ms  phases %7.1f ms   resized/phases %.2f [%.2f .. %.2f]%n",
                    passes[p], a[n / 2], b[n / 2], ratio[n / 2], ratio[0], ratio[n - 1]);
        }
    }

    /** Its gradient: each resized cell's gradient summed into its source cell. */
    private static void resizeBackward(float[] dUp, int cin, int h, int w, float[] dx, int xo) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2;
        Arrays.fill(dx, xo, xo + cin * sh * sw, 0f);
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < h; r++)
                for (int col = 0; col < w; col++) dx[xo + (c * sh + r / 2) * sw + col / 2] += dUp[(c * h + r) * w + col];
    }
}
