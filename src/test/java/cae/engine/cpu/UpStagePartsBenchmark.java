package cae.engine.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Where one sample's up stage spends its time through the phases ({@link UpsampledConvKernels}), on
 * one thread: forward, backward-filter (with the gradient's split into phases; backward without an
 * input gradient) and backward-data (backward with one, less the former). Prints per shape each
 * part's median milliseconds per sample over the second half of the rounds and its GFLOP/s counted
 * as the phases' 4 multiply-adds per output and channel pair (the single-core FMA peak is the
 * figure to hold them against).
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes
 * cae.engine.cpu.UpStagePartsBenchmark [cin,cout,h,w ...]} (h x w: the output's size; default: the
 * recipe's and the photo model's up stages).
 */
public final class UpStagePartsBenchmark {
    private static final int ROUNDS = 40;
    /** Multiply-adds per round and part, a few tens of milliseconds on one core. */
    private static final double ROUND_MACS = 2e8;

    private static final int[][] DEFAULT_SHAPES = {
            {16, 32, 14, 14}, {32, 32, 28, 28}, {32, 32, 16, 16}, {32, 64, 32, 32}, {64, 64, 64, 64},
    };

    public static void main(String[] args) {
        System.out.printf("one thread, %d rounds; medians over the last %d%n", ROUNDS, ROUNDS / 2);
        for (int[] shape : ConvBenchmark.shapes(args, DEFAULT_SHAPES)) measure(shape[0], shape[1], shape[2], shape[3]);
    }

    private static void measure(int cin, int cout, int h, int w) {
        int small = ((h + 1) / 2) * ((w + 1) / 2), plane = h * w;
        double macs = 4.0 * cin * cout * plane;
        int samples = (int) Math.max(4, Math.min(400, ROUND_MACS / macs));
        Random random = new Random(1);
        ConvBenchmark.Layer layer = new ConvBenchmark.Layer(random, samples, cin, cout, small, plane);
        float[] x = layer.x, dy = layer.dy, wt = layer.wt, bias = layer.bias, y = layer.y, dx = layer.dx, dw = layer.dw, db = layer.db;
        UpsampledConvKernels kernels = new UpsampledConvKernels(new WinogradKernels(new Conv3x3Kernels()));
        double[][] millis = new double[3][ROUNDS];
        for (int round = 0; round < ROUNDS; round++)
            for (int part = 0; part < 3; part++) {
                long start = System.nanoTime();
                for (int s = 0; s < samples; s++) {
                    int xo = s * cin * small, yo = s * cout * plane;
                    if (part == 0) kernels.forward(x, xo, cin, h, w, wt, 0, bias, 0, cout, y, yo, true);
                    else kernels.backward(x, xo, cin, h, w, wt, 0, dy, yo, cout, part == 2 ? dx : null, xo, dw, 0, db, 0);
                }
                millis[part][round] = (System.nanoTime() - start) / 1e6 / samples;
            }
        double forward = median(millis[0]), filter = median(millis[1]), data = median(millis[2]) - filter;
        System.out.printf("%d -> %d at %d x %d (%d samples a round)%n", cin, cout, h, w, samples);
        System.out.printf("  forward                     %8.4f ms  %5.1f GFLOP/s%n", forward, 2 * macs / forward / 1e6);
        System.out.printf("  backward-filter (and split) %8.4f ms  %5.1f GFLOP/s%n", filter, 2 * macs / filter / 1e6);
        System.out.printf("  backward-data               %8.4f ms  %5.1f GFLOP/s%n", data, 2 * macs / data / 1e6);
    }

    private static double median(double[] rounds) {
        double[] last = Arrays.copyOfRange(rounds, rounds.length / 2, rounds.length);
        Arrays.sort(last);
        return last[last.length / 2];
    }
}
