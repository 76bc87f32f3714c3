package cae.engine.cpu;

import cae.engine.Tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * Times the 3x3 convolutions of the reference model at batch 100: each kernel direction on its own
 * (the batch split over a WorkerPool the way CpuEngine splits it), then the engine's forward and
 * backward as a training step calls them. Prints medians of several repeats after warm-up.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes
 * cae.engine.cpu.ConvBenchmark [threads...]} (default: 1 2).
 */
public final class ConvBenchmark {
    private static final int BATCH = 100, WARMUP = 20, REPEATS = 15;

    /** name, cin, cout, h, w, relu (every layer of docs/SPEC.md §2). */
    private static final Object[][] LAYERS = {
            {"conv1", 1, 32, 28, 28, true}, {"conv2", 32, 32, 14, 14, true}, {"conv3", 32, 16, 7, 7, true},
            {"conv4", 16, 16, 7, 7, true}, {"conv5", 16, 32, 14, 14, true}, {"conv6", 32, 32, 28, 28, true},
            {"logits", 32, 1, 28, 28, false},
    };

    private interface Timed { void run(); }

    /** The fastest run of the last call to medianMillis: how much other load on the machine slowed the median. */
    private static double lastBest;
    /** Sum of the fastest runs of what was printed since the last reset. */
    private static double bestSum;

    private static double medianMillis(Timed body) {
        for (int i = 0; i < WARMUP; i++) body.run();
        double[] t = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            long start = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(t);
        lastBest = t[0];
        return t[REPEATS / 2];
    }

    /** The shapes a benchmark was given as "cin,cout,h,w" arguments, or {@code defaults} without any. */
    static int[][] shapes(String[] args, int[][] defaults) {
        if (args.length == 0) return defaults;
        int[][] shapes = Arrays.stream(args).map(a -> Arrays.stream(a.split(",")).mapToInt(Integer::parseInt).toArray()).toArray(int[][]::new);
        for (int[] shape : shapes)
            if (shape.length != 4) throw new IllegalArgumentException("a shape is cin,cout,h,w, got " + Arrays.toString(shape));
        return shapes;
    }

    /**
     * One layer's arrays for a benchmark's samples, inputs of inputPlane cells and outputs of
     * outputPlane: random inputs, output gradients, weights and biases; zeroed outputs and gradients.
     */
    static final class Layer {
        final float[] x, dy, wt, bias, y, dx, dw, db;

        Layer(Random random, int samples, int cin, int cout, int inputPlane, int outputPlane) {
            x = random(random, samples * cin * inputPlane);
            dy = random(random, samples * cout * outputPlane);
            wt = random(random, cout * cin * 9);
            bias = random(random, cout);
            y = new float[samples * cout * outputPlane];
            dx = new float[samples * cin * inputPlane];
            dw = new float[cout * cin * 9];
            db = new float[cout];
        }
    }

    /** Uniform in [-1, 1). */
    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 2 - 1;
        return a;
    }

    public static void main(String[] args) {
        int[] threadCounts = args.length == 0 ? new int[] {1, 2} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Random random = new Random(1);
        for (int threads : threadCounts) {
            System.out.printf("%n%d thread%s, batch %d, median of %d after %d warm-up runs%n",
                    threads, threads == 1 ? "" : "s", BATCH, REPEATS, WARMUP);
            System.out.printf("%-7s %-15s %9s %9s %9s %9s%n", "layer", "pass", "ms", "GFLOP/s", "best ms", "GFLOP/s");
            kernels(threads, random);
            engine(threads, random);
        }
    }

    /** Each kernel direction alone. */
    private static void kernels(int threads, Random random) {
        WorkerPool pool = new WorkerPool(threads);
        Conv3x3Kernels[] conv = new Conv3x3Kernels[threads];
        for (int i = 0; i < threads; i++) conv[i] = new Conv3x3Kernels();
        double total = 0;
        bestSum = 0;
        for (Object[] layer : LAYERS) {
            String name = (String) layer[0];
            int cin = (int) layer[1], cout = (int) layer[2], h = (int) layer[3], w = (int) layer[4];
            boolean relu = (boolean) layer[5];
            int plane = h * w;
            float[] x = random(random, BATCH * cin * plane), y = new float[BATCH * cout * plane];
            float[] dy = random(random, BATCH * cout * plane), dx = new float[BATCH * cin * plane];
            float[] wt = random(random, cout * cin * 9), bias = random(random, cout);
            float[][] dw = new float[threads][cout * cin * 9], db = new float[threads][cout];
            double flop = 2.0 * BATCH * plane * cout * cin * 9;

            double fwd = medianMillis(() -> pool.forEach(BATCH, (s, wk) -> conv[wk].forward(x, s * cin * plane, cin, h, w,
                    wt, 0, bias, 0, cout, y, s * cout * plane, relu)));
            print(name, "forward", fwd, flop);
            double data = medianMillis(() -> pool.forEach(BATCH, (s, wk) -> conv[wk].backwardData(dy, s * cout * plane, cout, h, w,
                    wt, 0, cin, dx, s * cin * plane)));
            if (cin > 1) print(name, "backwardData", data, flop);
            double filter = medianMillis(() -> pool.forEach(BATCH, (s, wk) -> conv[wk].backwardFilter(x, s * cin * plane, cin, h, w,
                    dy, s * cout * plane, cout, dw[wk], 0, db[wk], 0)));
            print(name, "backwardFilter", filter, flop);
            total += fwd + filter + (cin > 1 ? data : 0);
        }
        System.out.printf("kernels alone, one training step's convolutions: %.2f ms (sum of fastest runs %.2f ms)%n", total, bestSum);
        pool.close();
    }

    /** The engine's conv3x3 and conv3x3Backward, which is what a training step runs. */
    private static void engine(int threads, Random random) {
        CpuEngine engine = new CpuEngine(threads);
        double total = 0, flopTotal = 0;
        bestSum = 0;
        for (Object[] layer : LAYERS) {
            String name = (String) layer[0];
            int cin = (int) layer[1], cout = (int) layer[2], h = (int) layer[3], w = (int) layer[4];
            boolean relu = (boolean) layer[5];
            Tensor x = engine.zeros(BATCH, cin, h, w), y = engine.zeros(BATCH, cout, h, w);
            Tensor dy = engine.zeros(BATCH, cout, h, w), dx = cin > 1 ? engine.zeros(BATCH, cin, h, w) : null;
            Tensor wt = engine.zeros(cout, cin, 3, 3), bias = engine.zeros(cout);
            Tensor dw = engine.zeros(cout, cin, 3, 3), db = engine.zeros(cout);
            engine.write(x, random(random, x.size()));
            engine.write(wt, random(random, wt.size()));
            engine.write(bias, random(random, bias.size()));
            float[] gradient = random(random, dy.size());
            double flop = 2.0 * BATCH * h * w * cout * cin * 9;

            double fwd = medianMillis(() -> engine.conv3x3(x, wt, bias, y, relu));
            print(name, "engine forward", fwd, flop);
            // relu masks dy in place; rewriting it each time keeps every repeat's work the same
            double bwdWithWrite = medianMillis(() -> {
                engine.write(dy, gradient);
                engine.conv3x3Backward(x, wt, y, dy, relu, dx, dw, db);
            });
            double bestWithWrite = lastBest;
            double write = medianMillis(() -> engine.write(dy, gradient));
            double bwd = bwdWithWrite - write;
            lastBest = bestWithWrite - lastBest;
            print(name, "engine backward", bwd, flop * (cin > 1 ? 2 : 1));
            total += fwd + bwd;
            flopTotal += flop * (cin > 1 ? 3 : 2);
        }
        System.out.printf("engine, one training step's convolutions: %.2f ms, %.2f GFLOP, %.0f GFLOP/s (sum of fastest runs %.2f ms)%n",
                total, flopTotal / 1e9, flopTotal / total / 1e6, bestSum);
    }

    private static void print(String layer, String pass, double ms, double flop) {
        bestSum += lastBest;
        System.out.printf("%-7s %-15s %9.3f %9.1f %9.3f %9.1f%n", layer, pass, ms, flop / ms / 1e6, lastBest, flop / lastBest / 1e6);
    }
}
