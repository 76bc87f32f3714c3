package cae.engine;

import cae.engine.cpu.CpuEngine;
import cae.engine.cuda.CudaEngine;
import cae.engine.cuda.CudaProbe;
import cae.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every engine held to the reference engine (plain double-precision loops) op by op, forward and
 * backward, on random inputs away from zero, within docs/SPEC.md §6's 1e-5 relative L2 error. Outputs
 * are filled with NaN first, so a cell an engine leaves unwritten fails. The CUDA engine takes part
 * where a GPU is present (strict FP32, its default paths) and is skipped with the probe's reason
 * elsewhere.
 */
class EngineAgreementTest {
    static final double TOLERANCE = 1e-5;

    /**
     * A new engine to test, closed by the caller: "cpu" (the vector kernels), "cpu-plain" (the loops a
     * JVM without the Vector API runs) or "cuda" (the test skips itself without a GPU).
     */
    static Engine engine(String name) {
        if (name.equals("cpu")) return new CpuEngine(2, true);
        if (name.equals("cpu-plain")) return new CpuEngine(2, false);
        CudaProbe.Selection probe = CudaProbe.probe();
        Assumptions.assumeTrue(probe.available(), "no GPU for the CUDA engine: " + probe.reason());
        return new CudaEngine();
    }

    /** One op's run on the reference (index 0) and the engine under test (index 1), with the same inputs. */
    private static final class Both implements AutoCloseable {
        final ReferenceEngine reference = new ReferenceEngine();
        final Engine engine;
        final Random random = new Random(2026);
        final List<Tensor> made = new ArrayList<>();

        Both(Engine engine) { this.engine = engine; }

        Engine at(int i) { return i == 0 ? reference : engine; }

        interface Op { void run(Engine e, int i); }

        void run(Op op) {
            op.run(reference, 0);
            op.run(engine, 1);
        }

        float[] randoms(int n) { return Numerics.awayFromZero(random, n); }

        Tensor[] of(float[] values, int... shape) {
            Tensor[] t = new Tensor[2];
            for (int i = 0; i < 2; i++) {
                t[i] = at(i).zeros(shape);
                at(i).write(t[i], values);
            }
            made.add(t[1]);
            return t;
        }

        Tensor[] random(int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            return of(randoms(n), shape);
        }

        /** An output tensor, NaN in both engines. */
        Tensor[] output(int... shape) {
            Tensor[] t = new Tensor[2];
            for (int i = 0; i < 2; i++) {
                t[i] = at(i).zeros(shape);
                at(i).fill(t[i], Float.NaN);
            }
            made.add(t[1]);
            return t;
        }

        void same(String what, Tensor[] t) {
            double[] expected = reference.values(t[0]);
            float[] actual = new float[t[1].size()];
            engine.read(t[1], actual);
            double diff = 0, norm = 0;
            for (int i = 0; i < expected.length; i++) {
                diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
                norm += expected[i] * expected[i];
            }
            assertTrue(norm > 0, what + ": the reference is all zeros, so the comparison proves nothing");
            double error = Math.sqrt(diff / norm);
            assertTrue(error <= TOLERANCE, engine.describe() + ", " + what + ": relative error " + error + " > " + TOLERANCE);
        }

        @Override public void close() {
            for (Tensor t : made) if (t.rank() > 0) engine.release(t);
            engine.close();
        }
    }

    private static String shape(int... s) { return java.util.Arrays.toString(s); }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void convolutionsForwardAndBackward(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{3, 1, 8, 9, 7}, {2, 5, 4, 7, 7}, {2, 8, 1, 6, 5}, {1, 3, 3, 1, 1}, {2, 32, 16, 7, 7}})
                for (boolean relu : new boolean[] {false, true})
                    for (boolean withDx : new boolean[] {false, true}) {
                        int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
                        String what = "conv3x3 " + shape(s) + (relu ? " relu" : "") + (withDx ? "" : " without dx");
                        Tensor[] x = b.random(n, cin, h, w), weight = b.random(cout, cin, 3, 3), bias = b.random(cout);
                        Tensor[] y = b.output(n, cout, h, w);
                        b.run((e, i) -> e.conv3x3(x[i], weight[i], bias[i], y[i], relu));
                        b.same(what, y);
                        Tensor[] dy = b.random(n, cout, h, w), dx = withDx ? b.output(n, cin, h, w) : new Tensor[2];
                        Tensor[] dw = b.output(cout, cin, 3, 3), db = b.output(cout);
                        b.run((e, i) -> e.conv3x3Backward(x[i], weight[i], y[i], dy[i], relu, dx[i], dw[i], db[i]));
                        if (withDx) b.same(what + " dx", dx);
                        b.same(what + " dWeight", dw);
                        b.same(what + " dBias", db);
                    }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void transposedConvolutionsForwardAndBackward(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{2, 3, 4, 4, 4, 7, 8}, {1, 16, 16, 4, 4, 7, 7}, {2, 2, 3, 1, 1, 2, 1}})
                for (boolean relu : new boolean[] {false, true}) {
                    int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4], oh = s[5], ow = s[6];
                    String what = "transposedConv3x3 " + shape(s) + (relu ? " relu" : "");
                    Tensor[] x = b.random(n, cin, h, w), weight = b.random(cin, cout, 3, 3), bias = b.random(cout);
                    Tensor[] y = b.output(n, cout, oh, ow);
                    b.run((e, i) -> e.transposedConv3x3(x[i], weight[i], bias[i], y[i], relu));
                    b.same(what, y);
                    Tensor[] dy = b.random(n, cout, oh, ow), dx = b.output(n, cin, h, w), dw = b.output(cin, cout, 3, 3), db = b.output(cout);
                    b.run((e, i) -> e.transposedConv3x3Backward(x[i], weight[i], y[i], dy[i], relu, dx[i], dw[i], db[i]));
                    b.same(what + " dx", dx);
                    b.same(what + " dWeight", dw);
                    b.same(what + " dBias", db);
                }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void poolingAndUnpoolingForwardAndBackward(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{2, 3, 28, 28}, {2, 3, 7, 7}, {1, 2, 5, 8}, {3, 1, 1, 1}, {1, 4, 9, 2}}) {
                int n = s[0], c = s[1], h = s[2], w = s[3], oh = Shapes.pooled(h), ow = Shapes.pooled(w);
                Tensor[] x = b.random(n, c, h, w), y = b.output(n, c, oh, ow);
                b.run((e, i) -> e.maxPool(x[i], y[i]));
                b.same("maxPool " + shape(s), y);
                Tensor[] dy = b.random(n, c, oh, ow), dx = b.output(n, c, h, w);
                b.run((e, i) -> e.maxPoolBackward(x[i], y[i], dy[i], dx[i]));
                b.same("maxPoolBackward " + shape(s), dx);
                Tensor[] values = b.random(n, c, oh, ow), unpooled = b.output(n, c, h, w);
                b.run((e, i) -> e.maxUnpool(x[i], y[i], values[i], unpooled[i]));
                b.same("maxUnpool " + shape(s), unpooled);
                Tensor[] dOut = b.random(n, c, h, w), dValues = b.output(n, c, oh, ow);
                b.run((e, i) -> e.maxUnpoolBackward(x[i], y[i], dOut[i], dValues[i]));
                b.same("maxUnpoolBackward " + shape(s), dValues);
            }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void resizesForwardAndBackward(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{2, 3, 4, 4, 7, 7}, {2, 3, 7, 7, 14, 14}, {1, 2, 14, 14, 28, 28}, {1, 2, 5, 3, 3, 8}, {2, 1, 1, 1, 3, 2}})
                for (boolean bilinear : new boolean[] {false, true}) {
                    int n = s[0], c = s[1], h = s[2], w = s[3], oh = s[4], ow = s[5];
                    String what = (bilinear ? "bilinearResize " : "resize ") + shape(s);
                    Tensor[] x = b.random(n, c, h, w), y = b.output(n, c, oh, ow);
                    b.run((e, i) -> { if (bilinear) e.bilinearResize(x[i], y[i]); else e.resize(x[i], y[i]); });
                    b.same(what, y);
                    Tensor[] dy = b.random(n, c, oh, ow), dx = b.output(n, c, h, w);
                    b.run((e, i) -> { if (bilinear) e.bilinearResizeBackward(dy[i], dx[i]); else e.resizeBackward(dy[i], dx[i]); });
                    b.same(what + " backward", dx);
                }
        }
    }

    /**
     * The nearest decoder's up stage in one op, at even and odd sizes (an odd side's last row or column
     * is summed apart from the phases on the CPU), with many channels (backward-filter by phases) and
     * few (on the resized input), down to one cell.
     */
    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void resizeConvolutionForwardAndBackward(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{2, 8, 16, 28, 28}, {2, 6, 12, 13, 11}, {2, 16, 16, 7, 7}, {3, 5, 9, 6, 9},
                    {2, 8, 3, 14, 13}, {1, 3, 8, 1, 1}, {2, 32, 32, 10, 6}})
                for (boolean relu : new boolean[] {false, true}) {
                    int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4], sh = (h + 1) / 2, sw = (w + 1) / 2;
                    String what = "resizeConv3x3 " + shape(s) + (relu ? " relu" : "");
                    Tensor[] x = b.random(n, cin, sh, sw), up = b.output(n, cin, h, w), weight = b.random(cout, cin, 3, 3);
                    Tensor[] bias = b.random(cout), y = b.output(n, cout, h, w);
                    b.run((e, i) -> e.resizeConv3x3(x[i], up[i], weight[i], bias[i], y[i], relu));
                    b.same(what, y);
                    Tensor[] dy = b.random(n, cout, h, w), dUp = b.output(n, cin, h, w), dx = b.output(n, cin, sh, sw);
                    Tensor[] dw = b.output(cout, cin, 3, 3), db = b.output(cout);
                    b.run((e, i) -> e.resizeConv3x3Backward(x[i], up[i], weight[i], y[i], dy[i], relu, dUp[i], dx[i], dw[i], db[i]));
                    b.same(what + " dx", dx);
                    b.same(what + " dWeight", dw);
                    b.same(what + " dBias", db);
                }
        }
    }

    /** The encoder's and the recipe decoder's stage backwards, which an engine may fuse. */
    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void fusedStageBackwards(String name) {
        try (Both b = new Both(engine(name))) {
            for (int[] s : new int[][] {{2, 1, 8, 28, 28}, {2, 8, 8, 7, 7}, {2, 8, 1, 6, 9}}) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
                Tensor[] x = b.random(n, cin, h, w), weight = b.random(cout, cin, 3, 3), bias = b.random(cout), y = b.output(n, cout, h, w);
                b.run((e, i) -> e.conv3x3(x[i], weight[i], bias[i], y[i], true));
                Tensor[] pooled = b.output(n, cout, Shapes.pooled(h), Shapes.pooled(w));
                b.run((e, i) -> e.maxPool(y[i], pooled[i]));
                Tensor[] dPooled = b.random(pooled[0].shape()), dy = b.output(n, cout, h, w), dx = b.output(n, cin, h, w);
                Tensor[] dw = b.output(cout, cin, 3, 3), db = b.output(cout);
                b.run((e, i) -> e.conv3x3PoolBackward(x[i], weight[i], y[i], pooled[i], dPooled[i], true, dy[i], dx[i], dw[i], db[i]));
                b.same("conv3x3PoolBackward " + shape(s) + " dx", dx);
                b.same("conv3x3PoolBackward " + shape(s) + " dWeight", dw);
                b.same("conv3x3PoolBackward " + shape(s) + " dBias", db);

                Tensor[] dResized = b.random(n, cout, 2 * h, 2 * w), dy2 = b.output(n, cout, h, w), dx2 = b.output(n, cin, h, w);
                b.run((e, i) -> e.conv3x3ResizeBackward(x[i], weight[i], y[i], dResized[i], true, dy2[i], dx2[i], dw[i], db[i]));
                b.same("conv3x3ResizeBackward " + shape(s) + " masked dy", dy2);
                b.same("conv3x3ResizeBackward " + shape(s) + " dx", dx2);
                b.same("conv3x3ResizeBackward " + shape(s) + " dWeight", dw);
                b.same("conv3x3ResizeBackward " + shape(s) + " dBias", db);
            }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void gatherSigmoidLossAndAdam(String name) {
        try (Both b = new Both(engine(name))) {
            int count = 7, h = 5, w = 6;
            byte[] pixels = new byte[count * h * w];
            b.random.nextBytes(pixels);
            pixels[0] = 0;
            pixels[1] = (byte) 255;
            ImageSet[] images = {b.reference.upload(pixels, count, h, w), b.engine.upload(pixels, count, h, w)};
            int[] order = {4, 2, 6, 0, 1, 5, 3};
            Tensor[] clean = b.output(3, 1, h, w), noisy = b.output(3, 1, h, w);
            b.run((e, i) -> {
                e.setOrder(order);
                e.gather(images[i], 2, clean[i], noisy[i], 0.5f, 11, 3);
            });
            b.same("gather clean", clean);
            b.same("gather noisy", noisy);

            Tensor[] logits = b.of(scaled(b.randoms(3 * h * w), 8f), 3, 1, h, w), target = clean, probabilities = b.output(3, 1, h, w);
            b.run((e, i) -> e.sigmoid(logits[i], probabilities[i]));
            b.same("sigmoid", probabilities);
            Tensor[] losses = b.output(4), dLogits = b.output(3, 1, h, w);
            b.run((e, i) -> {
                e.fill(losses[i], 0f);
                e.sigmoidCrossEntropy(logits[i], target[i], dLogits[i], losses[i], 2);
            });
            b.same("sigmoidCrossEntropy loss", losses);
            b.same("sigmoidCrossEntropy dLogits", dLogits);

            Tensor[] params = b.random(5000), grads = b.random(5000), m = b.random(5000), v = b.of(positive(b.randoms(5000)), 5000);
            b.run((e, i) -> e.adam(params[i], grads[i], m[i], v[i], 1e-3f, 0.9f, 0.999f, 1e-8f));
            b.same("adam params", params);
            b.same("adam m", m);
            b.same("adam v", v);
        }
    }

    /** Colour images of several sizes, crops with flips, every noise model and real noisy pairs. */
    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void gatherCropsFlipsAndEveryNoise(String name) {
        try (Both b = new Both(engine(name))) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(3 * (9 * 11 + 7 * 8 + 12 * 6) * 2);
            b.random.nextBytes(bytes.array());
            int[][] sizes = {{9, 11}, {7, 8}, {12, 6}};
            Pixels.Builder clean = new Pixels.Builder(3), noisyTwins = new Pixels.Builder(3);
            int at = 0;
            for (int[] s : sizes) {
                clean.add(bytes, at, s[0], s[1]);
                noisyTwins.add(bytes, at + 3 * s[0] * s[1], s[0], s[1]);
                at += 2 * 3 * s[0] * s[1];
            }
            Pixels images = clean.build(), twins = noisyTwins.build();
            ImageSet[] set = {b.reference.upload(images), b.engine.upload(images)}, pairs = {b.reference.upload(twins), b.engine.upload(twins)};
            int[] order = {2, 0, 1, 1, 2};
            for (Noise noise : new Noise[] {Noise.gaussian(0.1f), Noise.parse("salt-pepper:0.2"), Noise.parse("mask:0.3"), Noise.NONE})
                for (boolean flips : new boolean[] {false, true}) {
                    String what = "gather 3x5x6 crops, " + noise + (flips ? ", flips" : "");
                    Tensor[] c = b.output(3, 3, 5, 6), z = b.output(3, 3, 5, 6);
                    b.run((e, i) -> {
                        e.setOrder(order);
                        e.gather(new Sampling(set[i], null, noise, true, flips, 17), 1, c[i], z[i], 41);
                    });
                    b.same(what + " clean", c);
                    b.same(what + " noisy", z);
                }
            Tensor[] c = b.output(2, 3, 6, 5), z = b.output(2, 3, 6, 5);
            b.run((e, i) -> {
                e.setOrder(order);
                e.gather(new Sampling(set[i], pairs[i], Noise.NONE, true, true, 5), 3, c[i], z[i], 7);
            });
            b.same("gather paired crops clean", c);
            b.same("gather paired crops noisy", z);
        }
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void addSubtractAndSquaredError(String name) {
        try (Both b = new Both(engine(name))) {
            Tensor[] x = b.random(3, 2, 5, 7), y = b.random(3, 2, 5, 7), sum = b.output(3, 2, 5, 7), difference = b.output(3, 2, 5, 7);
            b.run((e, i) -> e.add(x[i], y[i], sum[i]));
            b.same("add", sum);
            b.run((e, i) -> e.subtract(x[i], y[i], difference[i]));
            b.same("subtract", difference);
            Tensor[] copied = b.output(3, 2, 5, 7);
            b.run((e, i) -> e.copy(difference[i], copied[i]));
            b.same("copy", copied);
            b.run((e, i) -> e.add(x[i], y[i], x[i]));   // in place
            b.same("add in place", x);
            Tensor[] losses = b.output(3), grad = b.output(3, 2, 5, 7);
            b.run((e, i) -> {
                e.fill(losses[i], 0f);
                e.meanSquaredError(sum[i], y[i], grad[i], losses[i], 1);
            });
            b.same("meanSquaredError loss", losses);
            b.same("meanSquaredError gradient", grad);
        }
    }

    private static float[] scaled(float[] a, float by) {
        for (int i = 0; i < a.length; i++) a[i] *= by;
        return a;
    }

    private static float[] positive(float[] a) {
        for (int i = 0; i < a.length; i++) a[i] = Math.abs(a[i]) * 1e-3f;
        return a;
    }
}
