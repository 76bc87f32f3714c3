package cae.model;

import cae.engine.Engine;
import cae.engine.Pixels;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** docs/SPEC.md §2.6: the tiled output is the whole-image output, bit for bit on the CPU engine, in memory bounded by the tile. */
class TiledDenoiserTest {
    private static float[] randomImage(int values, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[values];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextDouble();
        return v;
    }

    /** Random weights and biases (Glorot's biases are 0, which would hide a bias added twice or not at all). */
    private static Autoencoder model(Engine engine, Architecture arch, long seed) {
        Autoencoder net = new Autoencoder(engine, arch);
        float[] w = Parameters.glorotInit(arch, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (int i = 0; i < w.length; i++) if (w[i] == 0f) w[i] = (float) random.nextDouble(-0.1, 0.1);
        net.setWeights(w);
        return net;
    }

    /** The model run on the whole image at once. */
    private static float[] whole(Autoencoder net, float[] image, int h, int w) {
        Engine engine = net.engine();
        Activations a = net.activations(1, h, w, false);
        Tensor out = engine.zeros(1, net.arch.channels(), h, w);
        try {
            engine.write(a.input, image);
            net.reconstruct(a, out);
            float[] result = new float[image.length];
            engine.read(out, result);
            return result;
        } finally {
            a.release();
            engine.release(out);
        }
    }

    private static void assertTiledEqualsWhole(Autoencoder net, int tile, int batch, int h, int w, long seed) {
        assertTiledEqualsWhole(new TiledDenoiser(net, tile, batch), net, tile, h, w, seed);
    }

    private static void assertTiledEqualsWhole(TiledDenoiser tiled, Autoencoder net, int tile, int h, int w, long seed) {
        int c = net.arch.channels();
        float[] image = randomImage(c * h * w, seed);
        assertTrue(h > tile + tiled.halo() || w > tile + tiled.halo(), "the image is large enough for a tile with a halo on both sides");
        float[] expected = whole(net, image, h, w), actual = tiled.denoise(image, h, w);
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                int x = i % w, y = i / w % h, ch = i / (w * h);
                fail(net.arch + " " + c + "x" + h + "x" + w + " tile " + tile + " halo " + tiled.halo() + ": channel " + ch
                        + " (" + y + ", " + x + ") is " + actual[i] + ", the whole image gives " + expected[i]);
            }
    }

    private static Architecture arch(Decoder decoder, int channels, List<Integer> widths, boolean skips, boolean residual) {
        return new Architecture(decoder, channels, widths, skips, residual, residual ? Architecture.Loss.MSE : Architecture.Loss.XENT);
    }

    @Test
    void everyDecoderTiledEqualsWholeAtOddSizes() {
        try (CpuEngine cpu = new CpuEngine(2)) {
            for (Decoder decoder : new Decoder[] {Decoder.NEAREST, Decoder.TRANSPOSED, Decoder.UNPOOL}) {
                Autoencoder net = model(cpu, arch(decoder, 1, List.of(4, 5), false, false), 3);
                for (int[] size : new int[][] {{37, 53}, {61, 29}, {44, 45}})
                    assertTiledEqualsWhole(net, 8, 3, size[0], size[1], 11);
                net.close();
            }
        }
    }

    @Test
    void skipsResidualAndColourTiledEqualsWhole() {
        try (CpuEngine cpu = new CpuEngine(2)) {
            for (Decoder decoder : new Decoder[] {Decoder.NEAREST, Decoder.TRANSPOSED}) {
                try (Autoencoder grey = model(cpu, arch(decoder, 1, List.of(3, 4), true, true), 5);
                     Autoencoder colour = model(cpu, arch(decoder, 3, List.of(4, 3), true, false), 6)) {
                    assertTiledEqualsWhole(grey, 8, 2, 45, 39, 12);
                    assertTiledEqualsWhole(colour, 4, 4, 33, 41, 13);
                }
            }
            try (Autoencoder unpool = model(cpu, arch(Decoder.UNPOOL, 3, List.of(3, 4), false, true), 7)) {
                assertTiledEqualsWhole(unpool, 8, 1, 39, 47, 14);
            }
        }
    }

    /** Layers wide enough for the CPU engine's Winograd transforms, whose 2 x 2 tiles must line up in every window. */
    @Test
    void wideLayersTiledEqualsWholeAtOddSizes() {
        try (CpuEngine cpu = new CpuEngine(2)) {
            for (Decoder decoder : new Decoder[] {Decoder.NEAREST, Decoder.TRANSPOSED, Decoder.UNPOOL}) {
                try (Autoencoder net = model(cpu, arch(decoder, 3, List.of(32, 64), decoder != Decoder.UNPOOL, false), 17)) {
                    assertTiledEqualsWhole(net, 8, 2, 37, 45, 18);
                }
            }
        }
    }

    @Test
    void threeStagesAndTheRecipeTiledEqualsWhole() {
        try (CpuEngine cpu = new CpuEngine(2); Autoencoder net = model(cpu, arch(Decoder.NEAREST, 1, List.of(3, 3, 4), true, false), 8);
             Autoencoder recipe = model(cpu, Architecture.RECIPE, 9)) {
            assertTiledEqualsWhole(net, 16, 4, 101, 75, 15);
            assertTiledEqualsWhole(recipe, 16, 2, 83, 97, 16);
        }
    }

    @Test
    void bilinearTiledEqualsWholeWhenEachSideIsAMultipleOfTwoToTheStages() {
        try (CpuEngine cpu = new CpuEngine(2);
             Autoencoder grey = model(cpu, arch(Decoder.BILINEAR, 1, List.of(4, 5), true, false), 10);
             Autoencoder colour = model(cpu, arch(Decoder.BILINEAR, 3, List.of(3, 4), false, true), 11)) {
            TiledDenoiser tiled = new TiledDenoiser(grey, 8, 2);
            assertTrue(tiled.exact(44, 60));
            assertFalse(tiled.exact(45, 60), "a side that is not a multiple of 4 changes the TF1 source positions");
            assertTrue(tiled.exact(7, 5), "an image within one tile is run whole");
            assertTiledEqualsWhole(grey, 8, 2, 44, 60, 17);
            assertTiledEqualsWhole(colour, 8, 3, 52, 36, 18);
        }
    }

    /** The halo is as small as alignment allows: one step of 2^stages less and some core pixel changes. */
    @Test
    void theHaloIsNeededWhole() {
        try (CpuEngine cpu = new CpuEngine(2); Autoencoder two = model(cpu, arch(Decoder.NEAREST, 1, List.of(4, 5), false, false), 3);
             Autoencoder recipe = model(cpu, Architecture.RECIPE, 9)) {
            assertEquals(7, TiledDenoiser.reach(two.arch));
            assertEquals(15, TiledDenoiser.reach(recipe.arch));
            assertEquals(8, new TiledDenoiser(two, 8, 1).halo());
            assertEquals(16, new TiledDenoiser(recipe).halo());
            assertThrows(AssertionError.class, () -> assertTiledEqualsWhole(new TiledDenoiser(two, 8, 3, 4), two, 8, 37, 53, 11));
            assertThrows(AssertionError.class, () -> assertTiledEqualsWhole(new TiledDenoiser(recipe, 16, 2, 8), recipe, 16, 83, 97, 16));
        }
    }

    @Test
    void refusesATileThatIsNotAMultipleOfTwoToTheStages() {
        try (CpuEngine cpu = new CpuEngine(1); Autoencoder net = model(cpu, Architecture.RECIPE, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TiledDenoiser(net, 12, 1));
            assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new TiledDenoiser(net, 16, 0));
        }
    }

    @Test
    void readsEightBitPixelsAsTheTrainerDoes() {
        int h = 23, w = 19;
        byte[] bytes = new byte[3 * h * w];
        new SplittableRandom(4).nextBytes(bytes);
        Pixels pixels = Pixels.of(bytes, 1, 3, h, w);
        float[] image = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) image[i] = (bytes[i] & 0xFF) / 255f;
        try (CpuEngine cpu = new CpuEngine(1); Autoencoder net = model(cpu, arch(Decoder.NEAREST, 3, List.of(3, 3), false, false), 2)) {
            TiledDenoiser tiled = new TiledDenoiser(net, 8, 2);
            assertArrayEquals(whole(net, image, h, w), tiled.denoise(pixels, 0));
        }
    }

    /** The engine, recording how many floats the tensors made by zeros and not yet released hold at most at once. */
    private static final class Peak {
        final Set<Tensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
        long now, peak;

        Engine track(Engine engine) {
            return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class}, (proxy, method, args) -> {
                try {
                    Object result = method.invoke(engine, args);
                    if (method.getName().equals("zeros") && live.add((Tensor) result)) peak = Math.max(peak, now += ((Tensor) result).size());
                    if (method.getName().equals("release") && live.remove((Tensor) args[0])) now -= ((Tensor) args[0]).size();
                    return result;
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        }
    }

    @Test
    void memoryIsBoundedByTheTileNotTheImage() {
        Architecture arch = arch(Decoder.NEAREST, 3, List.of(4, 4), true, false);
        long[] peaks = new long[2];
        int[][] sizes = {{70, 60}, {230, 170}};
        for (int k = 0; k < 2; k++) {
            Peak peak = new Peak();
            try (CpuEngine cpu = new CpuEngine(1)) {
                Engine engine = peak.track(cpu);
                Autoencoder net = model(engine, arch, 3);
                long parameters = peak.now;
                TiledDenoiser tiled = new TiledDenoiser(net, 8, 2);
                tiled.denoise(randomImage(3 * sizes[k][0] * sizes[k][1], 5), sizes[k][0], sizes[k][1]);
                assertEquals(parameters, peak.now, "every tile tensor is given back");
                peaks[k] = peak.peak - parameters;
                long window = 8 + 2L * tiled.halo();
                assertTrue(peaks[k] <= tiled.batch() * window * window * 40, "peak " + peaks[k] + " floats for windows of " + window);
                net.close();
            }
        }
        assertEquals(peaks[0], peaks[1], "the larger image needs no more engine memory");
    }
}
