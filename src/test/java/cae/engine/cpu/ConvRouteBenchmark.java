package cae.engine.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Which way is faster for a layer shape on this machine: the direct kernels or the Winograd
 * transforms ({@link WinogradKernels#suits} decides today). Both run in one JVM on one thread,
 * alternating round by round (which goes first alternates too), and each round's ratio is taken
 * against its own partner, so a machine whose speed drifts over minutes still gives a usable
 * ratio. Prints, per shape and pass, each way's median GFLOP/s (counted as the direct
 * convolution's arithmetic) and the median, lowest and highest Winograd / direct speed ratio over
 * the second half of the rounds.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes
 * cae.engine.cpu.ConvRouteBenchmark [cin,cout,h,w ...]} (default: the recipe's and the photo
 * model's layers with at least 16 channels on each side).
 */
public final class ConvRouteBenchmark {
    private static final int ROUNDS = 20;
    /** Multiply-adds per round and way, about a few tens of milliseconds on one core. */
    private static final double ROUND_FLOP = 1.5e9;

    private static final int[][] DEFAULT_SHAPES = {
            {32, 32, 28, 28}, {32, 32, 14, 14}, {16, 32, 14, 14}, {32, 16, 7, 7},
            {64, 64, 64, 64}, {64, 64, 32, 32}, {32, 64, 32, 32}, {64, 32, 16, 16},
    };

    public static void main(String[] args) {
        System.out.printf("one thread, %d rounds alternating; ratios over the last %d%n", ROUNDS, ROUNDS / 2);
        for (int[] shape : ConvBenchmark.shapes(args, DEFAULT_SHAPES)) compare(shape[0], shape[1], shape[2], shape[3]);
    }

    private static void compare(int cin, int cout, int h, int w) {
        int plane = h * w;
        double flopPerSample = 2.0 * 9 * cin * cout * plane;
        int samples = (int) Math.max(1, Math.min(200, ROUND_FLOP / flopPerSample));
        Random random = new Random(1);
        ConvBenchmark.Layer layer = new ConvBenchmark.Layer(random, samples, cin, cout, plane, plane);
        float[] x = layer.x, dy = layer.dy, wt = layer.wt, bias = layer.bias, y = layer.y, dx = layer.dx, dw = layer.dw, db = layer.db;
        ConvKernels[] ways = {new Conv3x3Kernels(), new WinogradKernels(new Conv3x3Kernels(), true)};
        double[][][] nanos = new double[2][3][ROUNDS];
        for (int round = 0; round < ROUNDS; round++)
            for (int turn = 0; turn < 2; turn++) {
                int way = (round + turn) % 2;
                ConvKernels k = ways[way];
                long t0 = System.nanoTime();
                for (int s = 0; s < samples; s++)
                    k.forward(x, s * cin * plane, cin, h, w, wt, 0, bias, 0, cout, y, s * cout * plane, true);
                long t1 = System.nanoTime();
                for (int s = 0; s < samples; s++)
                    k.backwardData(dy, s * cout * plane, cout, h, w, wt, 0, cin, dx, s * cin * plane);
                long t2 = System.nanoTime();
                for (int s = 0; s < samples; s++)
                    k.backwardFilter(x, s * cin * plane, cin, h, w, dy, s * cout * plane, cout, dw, 0, db, 0);
                long t3 = System.nanoTime();
                nanos[way][0][round] = t1 - t0;
                nanos[way][1][round] = t2 - t1;
                nanos[way][2][round] = t3 - t2;
            }
        String[] passes = {"forward", "backward-data", "backward-filter"};
        double flop = flopPerSample * samples;
        System.out.printf("%d -> %d at %d x %d (%d samples a round; today's way: %s)%n", cin, cout, h, w, samples,
                WinogradKernels.suits(cin, cout) ? "winograd" : "direct");
        for (int p = 0; p < 3; p++) {
            int n = ROUNDS / 2;
            double[] ratio = new double[n], direct = new double[n], winograd = new double[n];
            for (int i = 0; i < n; i++) {
                int round = ROUNDS - n + i;
                ratio[i] = nanos[0][p][round] / nanos[1][p][round];
                direct[i] = flop / nanos[0][p][round];
                winograd[i] = flop / nanos[1][p][round];
            }
            Arrays.sort(ratio);
            Arrays.sort(direct);
            Arrays.sort(winograd);
            System.out.printf("  %-16s direct %6.1f  winograd %6.1f GFLOP/s   winograd/direct %.2f [%.2f .. %.2f]%n",
                    passes[p], direct[n / 2], winograd[n / 2], ratio[n / 2], ratio[0], ratio[n - 1]);
        }
    }
}
