package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kernels/noise.cu (the batch gather: whole images or crops with flips, grey or colour, every noise
 * model, real noisy pairs), launched in the CPU emulation through {@link Kernels#gatherNoise} on image
 * sets laid out as the engine uploads them, against CpuEngine.gather, bit for bit: pixels / 255, the
 * crop positions, flips and the uniform draws are exact on both sides, and the emulation computes the
 * normals' logarithm and cosine in double as Java does. (On the GPU, nvcc contracts the Gaussian's
 * clean + sigma N into one multiply-add, so there its noisy values agree to rounding.)
 */
class NoiseKernelTest {

    /** The batch a gather writes: clean, then noisy (or null). */
    private record Batch(float[] clean, float[] noisy) {}

    /** CpuEngine.gather of {@code sampling} made from {@code images} (and {@code pairs}, or null). */
    private static Batch cpu(Pixels images, Pixels pairs, Noise noise, boolean crop, boolean flips, long seed, int[] order, int from,
                             int[] shape, boolean withNoisy, long step) {
        try (Engine cpu = new CpuEngine(2)) {
            ImageSet set = cpu.upload(images), twins = pairs == null ? null : cpu.upload(pairs);
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(shape), noisy = withNoisy ? cpu.zeros(shape) : null;
            cpu.gather(new Sampling(set, twins, noise, crop, flips, seed), from, clean, noisy, step);
            float[] c = new float[clean.size()], z = withNoisy ? new float[clean.size()] : null;
            cpu.read(clean, c);
            if (withNoisy) cpu.read(noisy, z);
            return new Batch(c, z);
        }
    }

    /** The kernel's batch for the same sampling, from and step in the step scalars as the engine passes them. */
    private static Batch emulated(Pixels images, Pixels pairs, Noise noise, boolean crop, boolean flips, long seed, int[] order, int from,
                                  int[] shape, boolean withNoisy, long step) {
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Sampling sampling = new Sampling(gpu.images(images), pairs == null ? null : gpu.images(pairs), noise, crop, flips, seed);
            CudaTensor clean = gpu.nanTensor(shape), noisy = withNoisy ? gpu.nanTensor(shape) : null;
            gpu.kernels().gatherNoise(sampling, gpu.ints(order), clean, noisy, gpu.longs(new long[] {from, step}));
            return new Batch(gpu.read(clean), withNoisy ? gpu.read(noisy) : null);
        }
    }

    /** Equal bits everywhere; names the first element that differs. */
    static void assertSameBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i]))
                fail(what + ": element " + i + " is " + actual[i] + ", the CPU engine's " + expected[i]);
    }

    private static void compare(String what, Pixels images, Pixels pairs, Noise noise, boolean crop, boolean flips, long seed, int[] order,
                                int from, int[] shape, boolean withNoisy, long step) {
        Batch expected = cpu(images, pairs, noise, crop, flips, seed, order, from, shape, withNoisy, step);
        Batch actual = emulated(images, pairs, noise, crop, flips, seed, order, from, shape, withNoisy, step);
        assertSameBits(what + ", clean", expected.clean, actual.clean);
        if (withNoisy) assertSameBits(what + ", noisy", expected.noisy, actual.noisy);
    }

    // ---- the recipe: whole grey images of one size, Gaussian noise ----

    @ParameterizedTest(name = "{0} images of {1}x{2}, batch {4} from {3}, seed {5}, step {6}")
    @CsvSource({
            "300, 28, 28, 100, 100, 42, 0",
            "300, 28, 28, 0, 100, -7046029254386353131, 6000000000",  // seed and step both use their high words
            "50, 5, 7, 13, 9, 1234567890123, 4294967295"})            // odd planes: normal pairs straddle images
    void theRecipesBatchMatchesTheCpuEngine(int count, int h, int w, int from, int n, long seed, long step) {
        float noiseStd = 0.5f;
        Random random = new Random(seed ^ step);
        byte[] pixels = new byte[count * h * w];
        random.nextBytes(pixels);
        int[] order = shuffled(random, count);

        float[] expectedClean = new float[n * h * w], expectedNoisy = new float[n * h * w];
        try (Engine cpu = new CpuEngine(1)) {
            ImageSet images = cpu.upload(pixels, count, h, w);
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(n, 1, h, w), noisy = cpu.zeros(n, 1, h, w);
            cpu.gather(images, from, clean, noisy, noiseStd, seed, step);
            cpu.read(clean, expectedClean);
            cpu.read(noisy, expectedNoisy);
        }

        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor clean = gpu.nanTensor(n, 1, h, w), noisy = gpu.nanTensor(n, 1, h, w);
            Sampling sampling = Sampling.whole(gpu.images(pixels, count, h, w), Noise.gaussian(noiseStd), seed);
            // from and step travel in the step scalars
            gpu.kernels().gatherNoise(sampling, gpu.ints(order), clean, noisy, gpu.longs(new long[] {from, step}));
            assertSameBits("gathered clean images", expectedClean, gpu.read(clean));
            assertSameBits("noisy images", expectedNoisy, gpu.read(noisy));
        }
    }

    @Test
    void withoutNoiseOnlyGathers() {
        int count = 20, n = 6;
        Random random = new Random(3);
        byte[] pixels = new byte[count * 9];
        random.nextBytes(pixels);
        int[] order = shuffled(random, count);
        float[] expected = new float[n * 9];
        try (Engine cpu = new CpuEngine(1)) {
            cpu.setOrder(order);
            Tensor clean = cpu.zeros(n, 1, 3, 3);
            cpu.gather(cpu.upload(pixels, count, 3, 3), 4, clean, null, 0f, 1, 1);
            cpu.read(clean, expected);
        }
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor clean = gpu.nanTensor(n, 1, 3, 3);
            gpu.kernels().gatherNoise(Sampling.whole(gpu.images(pixels, count, 3, 3), Noise.gaussian(0f), 1), gpu.ints(order), clean, null,
                    gpu.longs(new long[] {4, 1}));
            assertSameBits("gathered clean images", expected, gpu.read(clean));
        }
    }

    // ---- folders of photos: any sizes, grey or colour, crops with flips, every noise model, pairs ----

    /** Crops of 5 x 6: image sizes that leave one position on an axis (5 rows, 6 columns), a few, or many. */
    private static final int[][] SIZES = {{9, 11}, {5, 20}, {30, 6}, {5, 6}, {7, 8}, {12, 9}};
    private static final int CROP_H = 5, CROP_W = 6;

    /**
     * Random images of {@link #SIZES} with {@code channels} planes, alternately in a heap buffer and a
     * direct one, at offsets with gaps between them (as a memory-mapped store may hold them); with
     * {@code twins}, a second set of the same sizes in the same buffers (the real noisy images).
     */
    private static Pixels[] photos(int channels, long seed) {
        Random random = new Random(seed);
        ByteBuffer heap = ByteBuffer.allocate(8192), direct = ByteBuffer.allocateDirect(8192);
        byte[] noise = new byte[8192];
        random.nextBytes(noise);
        heap.put(0, noise);
        random.nextBytes(noise);
        direct.put(0, noise);
        Pixels.Builder images = new Pixels.Builder(channels), twins = new Pixels.Builder(channels);
        int[] at = {13, 29};
        for (int i = 0; i < SIZES.length; i++) {
            int b = i % 2, bytes = channels * SIZES[i][0] * SIZES[i][1];
            ByteBuffer buffer = b == 0 ? heap : direct;
            images.add(buffer, at[b], SIZES[i][0], SIZES[i][1]);
            twins.add(buffer, at[b] + bytes + 3, SIZES[i][0], SIZES[i][1]);
            at[b] += 2 * bytes + 10;
        }
        return new Pixels[] {images.build(), twins.build()};
    }

    /** Each image four times, shuffled: a batch of 18 from position 3 meets every size. */
    private static int[] order(long seed) {
        int[] order = new int[4 * SIZES.length];
        for (int i = 0; i < order.length; i++) order[i] = i % SIZES.length;
        Random random = new Random(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static final int FROM = 3, BATCH = 18;
    private static final long SEED = 0x5DEECE66DL, STEP = 4_294_967_301L;  // both use their high words

    static Stream<Arguments> noisesFlipsAndChannels() {
        List<Arguments> cases = new ArrayList<>();
        for (String noise : new String[] {"gaussian:0.2", "salt-pepper:0.3", "mask:0.4", "none"})
            for (boolean flips : new boolean[] {false, true})
                for (int channels : new int[] {1, 3}) cases.add(Arguments.of(noise, flips, channels));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, flips {1}, {2} channels")
    @MethodSource("noisesFlipsAndChannels")
    void cropsOfImagesOfManySizesWithEachNoise(String noiseText, boolean flips, int channels) {
        Noise noise = Noise.parse(noiseText);
        Pixels images = photos(channels, channels)[0];
        int[] order = order(7), shape = {BATCH, channels, CROP_H, CROP_W};
        Batch expected = cpu(images, null, noise, true, flips, SEED, order, FROM, shape, true, STEP);
        if (noise.kind() == Noise.Kind.SALT_PEPPER || noise.kind() == Noise.Kind.MASK) {
            // the batch holds each outcome of the draw, so the comparison proves the rule
            int zeros = 0, ones = 0, kept = 0;
            for (int i = 0; i < expected.clean.length; i++) {
                float c = expected.clean[i], z = expected.noisy[i];
                if (z == c) kept++;
                else if (z == 0f) zeros++;
                else if (z == 1f) ones++;
            }
            assertTrue(kept > 0 && zeros > 0 && (ones > 0 || noise.kind() == Noise.Kind.MASK), noiseText + ": " + kept + " kept, "
                    + zeros + " set to 0, " + ones + " set to 1");
        }
        Batch actual = emulated(images, null, noise, true, flips, SEED, order, FROM, shape, true, STEP);
        String what = noiseText + (flips ? ", flips, " : ", ") + channels + " channels";
        assertSameBits(what + ", clean", expected.clean, actual.clean);
        assertSameBits(what + ", noisy", expected.noisy, actual.noisy);
    }

    /** The batch above draws crops at both ends of every axis that has room, and each flip, so the edges and flips are compared. */
    @Test
    void theCropsTestedReachEveryEdgeAndBothFlips() {
        Pixels images = photos(3, 3)[0];
        int[] order = order(7), words = new int[4], crop = new int[4];
        boolean top = false, bottom = false, left = false, right = false, flipX = false, noFlipX = false, flipY = false, noFlipY = false;
        for (int s = 0; s < BATCH; s++) {
            int image = order[FROM + s], ih = images.height(image), iw = images.width(image);
            Sampling.crop(SEED, STEP, s, ih, iw, CROP_H, CROP_W, true, words, crop);
            assertTrue(crop[0] >= 0 && crop[0] + CROP_H <= ih && crop[1] >= 0 && crop[1] + CROP_W <= iw, "a crop inside its image");
            if (ih > CROP_H) { top |= crop[0] == 0; bottom |= crop[0] == ih - CROP_H; }
            if (iw > CROP_W) { left |= crop[1] == 0; right |= crop[1] == iw - CROP_W; }
            flipX |= crop[2] == 1;
            noFlipX |= crop[2] == 0;
            flipY |= crop[3] == 1;
            noFlipY |= crop[3] == 0;
        }
        assertTrue(top && bottom && left && right, "edges reached: top " + top + ", bottom " + bottom + ", left " + left + ", right " + right);
        assertTrue(flipX && noFlipX && flipY && noFlipY, "both states of each flip");
    }

    @ParameterizedTest(name = "{0} channels")
    @CsvSource({"1", "3"})
    void realNoisyTwinsGiveTheirSameCrops(int channels) {
        Pixels[] sets = photos(channels, 11);
        compare("paired crops with flips", sets[0], sets[1], Noise.NONE, true, true, SEED, order(5), FROM, new int[] {BATCH, channels, CROP_H, CROP_W},
                true, STEP);
        Pixels[] whole = sameSize(channels, 1);
        compare("paired whole images", whole[0], whole[1], Noise.NONE, false, false, SEED, new int[] {2, 0, 1, 1}, 1,
                new int[] {3, channels, 7, 4}, true, STEP);
    }

    /** Three colour (or grey) images of 7 x 4 and their twins, one after another in one array. */
    private static Pixels[] sameSize(int channels, long seed) {
        byte[] data = new byte[2 * 3 * channels * 28];
        new Random(seed).nextBytes(data);
        return new Pixels[] {Pixels.of(java.util.Arrays.copyOf(data, data.length / 2), 3, channels, 7, 4),
                Pixels.of(java.util.Arrays.copyOfRange(data, data.length / 2, data.length), 3, channels, 7, 4)};
    }

    /** Whole colour images of one size, flipped or not, without a noisy tensor or with each noise. */
    @Test
    void wholeColourImagesWithFlipsAndWithoutANoisyTensor() {
        Pixels images = sameSize(3, 2)[0];
        int[] order = {2, 0, 1, 1, 2, 0}, shape = {5, 3, 7, 4};
        compare("whole colour images, no noisy tensor", images, null, Noise.NONE, false, false, SEED, order, 1, shape, false, STEP);
        for (String noise : new String[] {"gaussian:0.3", "salt-pepper:0.5", "mask:0.5"})
            for (boolean flips : new boolean[] {false, true})
                compare("whole colour images, " + noise + (flips ? ", flips" : ""), images, null, Noise.parse(noise), false, flips, SEED, order, 1,
                        shape, true, STEP);
    }

    /** The gather's tables have their own element types: passing the offsets (64-bit) as an int table is refused with its position. */
    @Test
    void theEmulatorRefusesATableOfTheWrongType() {
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaImageSet set = gpu.images(photos(3, 1)[0]);
            CUdeviceptr order = gpu.ints(order(1)), scalars = gpu.longs(new long[] {0, 0});
            CudaTensor clean = gpu.nanTensor(2, 3, CROP_H, CROP_W);
            KernelArgs args = new KernelArgs().pointer(set.pixels).pointer(set.sizes).pointer(set.offsets).pointer(null).pointer(null)
                    .pointer(order).i32(2).i32(3).i32(CROP_H).i32(CROP_W).flag(true).flag(true).tensor(clean).pointer(null)
                    .i32(KernelConstants.NOISE_NONE).f32(0f).i64(1).pointer(scalars);
            assertEquals("gather_noise: argument 2 points to int values, the kernel's parameter is const long long*",
                    gpu.tryLaunch("gather_noise", 1, 1, KernelConstants.THREADS, args));
            // the same launch in the right order runs
            KernelArgs right = new KernelArgs().pointer(set.pixels).pointer(set.offsets).pointer(set.sizes).pointer(null).pointer(null)
                    .pointer(order).i32(2).i32(3).i32(CROP_H).i32(CROP_W).flag(true).flag(true).tensor(clean).pointer(null)
                    .i32(KernelConstants.NOISE_NONE).f32(0f).i64(1).pointer(scalars);
            assertNull(gpu.tryLaunch("gather_noise", 1, 1, KernelConstants.THREADS, right));
        }
    }

    /** The staging copy puts every image's bytes where the offset table says, whatever the chunk size. */
    @Test
    void theChunkedUploadLaysOutEveryImageAtItsOffset() {
        Pixels images = photos(3, 9)[0];
        long[] offsets = CudaImageSet.offsets(images);
        int[] sizes = CudaImageSet.sizes(images);
        for (int staging : new int[] {1, 7, 64, 3 * 9 * 11, (int) CudaImageSet.totalBytes(images), 1 << 20}) {
            byte[] all = new byte[(int) CudaImageSet.totalBytes(images)];
            int[] calls = {0};
            long[] next = {0};
            CudaImageSet.copyInChunks(images, new byte[staging], (at, bytes, length) -> {
                assertEquals(next[0], at, "chunks in order, none skipped");
                assertTrue(length > 0 && length <= staging, "a chunk of " + length);
                System.arraycopy(bytes, 0, all, (int) at, length);
                next[0] += length;
                calls[0]++;
            });
            assertEquals(all.length, next[0], "every byte copied");
            assertEquals((all.length + staging - 1) / staging, calls[0], "full chunks and the last");
            for (int i = 0; i < images.count(); i++) {
                assertEquals(images.height(i), sizes[2 * i]);
                assertEquals(images.width(i), sizes[2 * i + 1]);
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < images.height(i); y++)
                        for (int x = 0; x < images.width(i); x++)
                            assertEquals(images.get(i, c, y, x), all[(int) offsets[i] + (c * images.height(i) + y) * images.width(i) + x] & 0xFF,
                                    "image " + i + " pixel " + c + "," + y + "," + x + " with chunks of " + staging);
            }
        }
    }

    private static int[] shuffled(Random random, int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
