package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static cae.engine.Numerics.uniform;
import static org.junit.jupiter.api.Assertions.*;

/** Every op gives bitwise the same result on 1, 2 and 3 threads, with the vector kernels and with the plain loops. */
class DeterminismTest {
    private static final Engine[][] modes = {
            {new CpuEngine(1, true), new CpuEngine(2, true), new CpuEngine(3, true)},
            {new CpuEngine(1, false), new CpuEngine(2, false), new CpuEngine(3, false)}};

    @AfterAll static void close() { for (Engine[] engines : modes) for (Engine e : engines) e.close(); }

    /** Runs {@code op} on every engine of each mode and checks each output array equals the mode's single-thread one bit for bit. */
    private static void assertSameOnEveryThreadCount(String what, Function<Engine, List<float[]>> op) {
        for (Engine[] engines : modes) {
            List<float[]> reference = op.apply(engines[0]);
            for (int e = 1; e < engines.length; e++) {
                List<float[]> result = op.apply(engines[e]);
                for (int i = 0; i < reference.size(); i++)
                    assertArrayEquals(reference.get(i), result.get(i), what + ", output " + i + ", " + engines[e].describe());
            }
        }
    }

    private static Tensor tensor(Engine engine, float[] values, int... shape) {
        Tensor t = engine.zeros(shape);
        engine.write(t, values);
        return t;
    }

    private static float[] read(Engine engine, Tensor t) {
        float[] a = new float[t.size()];
        engine.read(t, a);
        return a;
    }

    @ParameterizedTest(name = "batch {0}, {1} -> {2} channels, {3}x{3}")
    @CsvSource({"1, 3, 5, 7", "3, 3, 5, 7", "4, 3, 5, 7", "5, 3, 5, 7", "17, 3, 5, 7", "100, 3, 5, 7", "9, 32, 32, 14"})
    void convolutionForwardAndBackward(int batch, int cin, int cout, int size) {
        Random random = new Random(batch);
        float[] x = uniform(random, batch * cin * size * size, -1, 1);
        float[] weight = uniform(random, cout * cin * 9, -0.3, 0.3), bias = uniform(random, cout, -0.1, 0.1);
        float[] dy = uniform(random, batch * cout * size * size, -1, 1);
        for (boolean relu : new boolean[] {false, true}) {
            assertSameOnEveryThreadCount("conv3x3 relu=" + relu + " batch " + batch, engine -> {
                Tensor xt = tensor(engine, x, batch, cin, size, size), w = tensor(engine, weight, cout, cin, 3, 3);
                Tensor b = tensor(engine, bias, cout), y = engine.zeros(batch, cout, size, size);
                engine.conv3x3(xt, w, b, y, relu);
                Tensor dyt = tensor(engine, dy, batch, cout, size, size), dx = engine.zeros(xt.shape());
                Tensor dw = engine.zeros(w.shape()), db = engine.zeros(cout);
                engine.conv3x3Backward(xt, w, y, dyt, relu, dx, dw, db);
                return List.of(read(engine, y), read(engine, dx), read(engine, dw), read(engine, db));
            });
        }
    }

    @Test
    void poolingResizingSigmoidAndLoss() {
        Random random = new Random(2);
        int n = 17, c = 3;
        float[] x = uniform(random, n * c * 7 * 7, -1, 1), dPool = uniform(random, n * c * 4 * 4, -1, 1);
        float[] dUp = uniform(random, n * c * 14 * 14, -1, 1);
        assertSameOnEveryThreadCount("pool and resize", engine -> {
            Tensor xt = tensor(engine, x, n, c, 7, 7), pooled = engine.zeros(n, c, 4, 4);
            engine.maxPool(xt, pooled);
            Tensor dx = engine.zeros(xt.shape());
            engine.maxPoolBackward(xt, pooled, tensor(engine, dPool, n, c, 4, 4), dx);
            Tensor up = engine.zeros(n, c, 14, 14), dSmall = engine.zeros(xt.shape());
            engine.resize(xt, up);
            engine.resizeBackward(tensor(engine, dUp, n, c, 14, 14), dSmall);
            return List.of(read(engine, pooled), read(engine, dx), read(engine, up), read(engine, dSmall));
        });

        for (int batch : new int[] {1, 3, 100}) {
            float[] logits = uniform(random, batch * 28 * 28, -5, 5), target = uniform(random, batch * 28 * 28, 0, 1);
            assertSameOnEveryThreadCount("loss and sigmoid, batch " + batch, engine -> {
                Tensor xt = tensor(engine, logits, batch, 1, 28, 28), z = tensor(engine, target, batch, 1, 28, 28);
                Tensor dx = engine.zeros(xt.shape()), losses = engine.zeros(1), y = engine.zeros(xt.shape());
                engine.sigmoidCrossEntropy(xt, z, dx, losses, 0);
                engine.sigmoid(xt, y);
                return List.of(read(engine, losses), read(engine, dx), read(engine, y));
            });
        }
    }

    @Test
    void adamAndGather() {
        Random random = new Random(4);
        int size = 30_689;   // the reference model's parameter count: several work chunks
        float[] p = uniform(random, size, -0.1, 0.1), g1 = uniform(random, size, -1, 1), g2 = uniform(random, size, -1, 1);
        assertSameOnEveryThreadCount("adam", engine -> {
            Tensor pt = tensor(engine, p, size), m = engine.zeros(size), v = engine.zeros(size);
            engine.adam(pt, tensor(engine, g1, size), m, v, 3e-4f, 0.9f, 0.999f, 1e-8f);
            engine.adam(pt, tensor(engine, g2, size), m, v, 2e-4f, 0.9f, 0.999f, 1e-8f);
            return List.of(read(engine, pt), read(engine, m), read(engine, v));
        });

        byte[] pixels = new byte[40 * 28 * 28];
        random.nextBytes(pixels);
        int[] order = new int[40];
        for (int i = 0; i < 40; i++) order[i] = (i * 7) % 40;
        java.nio.ByteBuffer colour = java.nio.ByteBuffer.allocate(40 * 3 * 30 * 31);
        random.nextBytes(colour.array());
        cae.engine.Pixels.Builder sizes = new cae.engine.Pixels.Builder(3);
        for (int i = 0, at = 0; i < 40; i++) {
            int h = 20 + i % 11, w = 31 - i % 7;
            sizes.add(colour, at, h, w);
            at += 3 * h * w;
        }
        cae.engine.Pixels photos = sizes.build();
        for (String noise : new String[] {"gaussian:0.1", "salt-pepper:0.1", "mask:0.2"})
            assertSameOnEveryThreadCount("gather crops and flips, " + noise, engine -> {
                ImageSet images = engine.upload(photos);
                engine.setOrder(order);
                Tensor clean = engine.zeros(17, 3, 16, 16), noisy = engine.zeros(17, 3, 16, 16);
                engine.gather(new cae.engine.Sampling(images, null, cae.engine.Noise.parse(noise), true, true, 99), 20, clean, noisy, 1234);
                return new ArrayList<>(List.of(read(engine, clean), read(engine, noisy)));
            });
        assertSameOnEveryThreadCount("gather", engine -> {
            ImageSet images = engine.upload(pixels, 40, 28, 28);
            engine.setOrder(order);
            Tensor clean = engine.zeros(17, 1, 28, 28), noisy = engine.zeros(17, 1, 28, 28);
            engine.gather(images, 20, clean, noisy, 0.5f, 99, 1234);
            return new ArrayList<>(List.of(read(engine, clean), read(engine, noisy)));
        });
    }
}
