package cae.model;

import cae.engine.Engine;
import cae.engine.Pixels;
import cae.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Denoises one image of any size (the model's channels, 1 or 3) through the model in tiles, so that
 * memory is bounded by the tile, not the image, and the result equals the whole-image output: bit for
 * bit on the CPU engine (docs/SPEC.md §2.6).
 *
 * <p>Why it is exact. The image is cut into core tiles of {@code tile} x {@code tile} pixels whose
 * origins are multiples of 2^stages; each core is computed from a window reaching {@link #halo()}
 * pixels further on every side (clipped at the image's border; the halo is a multiple of 2^stages,
 * so a window starts on a multiple of 2^stages too), and only the core is kept. With every window
 * starting on a multiple of 2^stages:
 * <ul>
 * <li>max pooling (TF SAME, window k covering cells 2k and 2k + 1 of the level above, Shapes.pooled)
 *     sees in the window the same cell pairs as in the whole image, at every level;
 * <li>the nearest resize from ceil(n / 2) back to n cells reads source floor(dst * ceil(n/2) / n) =
 *     floor(dst / 2) for every n, odd or even (Shapes.nearestSource; dst / (2n) &lt; 1/2), so it is the
 *     same shift-invariant rule in a window and in the whole image; the unpool decoder reuses the
 *     pool's windows, the transposed convolution is shift-invariant;
 * <li>the convolutions sum each output's (channel, tap) products in one fixed order wherever the output
 *     lies in its tensor, and every other op is elementwise;
 * <li>so a core pixel differs from the whole image's only if its receptive field crosses the window's
 *     edge, which the halo prevents: how far a core's outputs reach past its edge into the input through
 *     every conv (one cell of its level), pool, resize, unpool and skip ({@link #reach}: 7 pixels for
 *     two stages, 15 for the recipe's three), rounded up to a multiple of 2^stages (8, 16).
 * </ul>
 * The bilinear decoder is exempt unless both sides are multiples of 2^stages (or the image fits one
 * tile, which is then the whole image): its TF1 source position
 * dst * in / out depends on the whole image's size at an odd level, and a window sees other sizes.
 *
 * <p>Tiles of one window shape are run together, {@code batch} at a time (a partial batch padded with
 * blank tiles), one window shape after another, so at most one set of tensors lives at a time.
 */
public final class TiledDenoiser {
    /** The default core tile side: large enough that the halo costs little, small enough for 2 GB. */
    public static final int DEFAULT_TILE = 256;
    /** The default tiles per engine step: enough for a few CPU threads. */
    public static final int DEFAULT_BATCH = 4;

    /** Where the input pixels come from: pixel (c, y, x) on the [0, 1] scale. */
    @FunctionalInterface
    public interface Source {
        float get(int c, int y, int x);
    }

    private final Autoencoder net;
    private final Engine engine;
    private final int tile, batch, halo, alignment, channels;

    /** With {@link #DEFAULT_TILE} and {@link #DEFAULT_BATCH}. */
    public TiledDenoiser(Autoencoder net) { this(net, DEFAULT_TILE, DEFAULT_BATCH); }

    /**
     * @param tile  the core tile's side in pixels, a positive multiple of 2^stages
     * @param batch how many tiles one engine step runs, at least 1
     */
    public TiledDenoiser(Autoencoder net, int tile, int batch) {
        this(net, tile, batch, -1);
    }

    /** With another halo than the model's (a multiple of 2^stages), or -1 for the model's: for the tests that show it is needed. */
    TiledDenoiser(Autoencoder net, int tile, int batch, int halo) {
        this.net = net;
        this.engine = net.engine();
        this.alignment = 1 << net.arch.stages();
        if (tile < alignment || tile % alignment != 0)
            throw new IllegalArgumentException("the tile side must be a positive multiple of " + alignment
                    + " (2^stages, so that pooling windows line up), got " + tile);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        this.tile = tile;
        this.batch = batch;
        this.channels = net.arch.channels();
        this.halo = halo < 0 ? roundUp(reach(net.arch), alignment) : halo;
        if (this.halo % alignment != 0) throw new IllegalArgumentException("the halo must be a multiple of " + alignment + ", got " + halo);
    }

    public int tile() { return tile; }
    /** The model's image channels (1 or 3). */
    public int channels() { return channels; }
    public int batch() { return batch; }
    /** How far each tile's window reaches past its core on every side, in pixels: a multiple of 2^stages. */
    public int halo() { return halo; }

    /**
     * Whether the tiled output equals the whole-image output (on the CPU engine, bit for bit) for an
     * image of this size: always, except for the bilinear decoder when a side is not a multiple of 2^stages.
     */
    public boolean exact(int height, int width) {
        return net.arch.decoder() != Decoder.BILINEAR || (height % alignment == 0 && width % alignment == 0)
                || (height <= tile && width <= tile);
    }

    /** Image {@code index} of {@code pixels} (pixels / 255), denoised: channels x height x width values. */
    public float[] denoise(Pixels pixels, int index) {
        if (pixels.channels() != channels)
            throw new IllegalArgumentException("a model of " + channels + " channel(s) given images of " + pixels.channels());
        return denoise(pixels.height(index), pixels.width(index), (c, y, x) -> pixels.get(index, c, y, x) / 255f);
    }

    /** A planar image (channels x height x width values in [0, 1]) denoised, in the same layout. */
    public float[] denoise(float[] image, int height, int width) {
        if (image.length != (long) channels * height * width)
            throw new IllegalArgumentException("an image of " + channels + "x" + height + "x" + width + " needs "
                    + ((long) channels * height * width) + " values, got " + image.length);
        return denoise(height, width, (c, y, x) -> image[(c * height + y) * width + x]);
    }

    /**
     * The denoised image (channels x height x width, what {@link Autoencoder#reconstruct} outputs: a
     * linear output is not clipped) of the image {@code source} gives.
     */
    public float[] denoise(int height, int width, Source source) {
        if (height < 1 || width < 1) throw new IllegalArgumentException("an image of " + height + "x" + width);
        if ((long) channels * height * width > Integer.MAX_VALUE)
            throw new IllegalArgumentException("an image of " + channels + "x" + height + "x" + width + " has more values than one array holds");
        float[] output = new float[channels * height * width];
        Map<Long, List<int[]>> byShape = new LinkedHashMap<>();
        for (int oy = 0; oy < height; oy += tile)
            for (int ox = 0; ox < width; ox += tile) {
                int[] t = window(oy, height, ox, width);
                byShape.computeIfAbsent(((long) t[2] << 32) | t[3], k -> new ArrayList<>()).add(t);
            }
        for (List<int[]> tiles : byShape.values()) {
            int[] first = tiles.get(0);
            try (Runner runner = new Runner(Math.min(batch, tiles.size()), first[2], first[3])) {
                for (int from = 0; from < tiles.size(); from += runner.batch)
                    runner.run(tiles.subList(from, Math.min(from + runner.batch, tiles.size())), source, height, width, output);
            }
        }
        return output;
    }

    /** {window top, window left, window height, window width, core top, core left, core height, core width}. */
    private int[] window(int oy, int height, int ox, int width) {
        int top = Math.max(oy - halo, 0), left = Math.max(ox - halo, 0);
        int bottom = Math.min(oy + tile + halo, height), right = Math.min(ox + tile + halo, width);
        return new int[] {top, left, bottom - top, right - left, oy, ox, Math.min(tile, height - oy), Math.min(tile, width - ox)};
    }

    /** The tensors of one window shape and a batch of windows on the host. */
    private final class Runner implements AutoCloseable {
        final int batch, h, w, sample;
        final Activations activations;
        final Tensor output;
        final float[] in, out;
        /** The same object every step, so the engine can replay it. */
        private final Runnable step;

        Runner(int batch, int h, int w) {
            this.batch = batch;
            this.h = h;
            this.w = w;
            this.sample = channels * h * w;
            activations = net.activations(batch, h, w, false);
            output = engine.zeros(batch, channels, h, w);
            in = new float[batch * sample];
            out = new float[batch * sample];
            step = () -> net.reconstruct(activations, output);
        }

        void run(List<int[]> tiles, Source source, int height, int width, float[] result) {
            Arrays.fill(in, 0f);
            for (int s = 0; s < tiles.size(); s++) {
                int[] t = tiles.get(s);
                for (int c = 0; c < channels; c++)
                    for (int y = 0; y < h; y++) {
                        int at = s * sample + (c * h + y) * w;
                        for (int x = 0; x < w; x++) in[at + x] = source.get(c, t[0] + y, t[1] + x);
                    }
            }
            engine.write(activations.input, in);
            engine.step(step);
            engine.read(output, out);
            for (int s = 0; s < tiles.size(); s++) {
                int[] t = tiles.get(s);
                for (int c = 0; c < channels; c++)
                    for (int y = 0; y < t[6]; y++)
                        System.arraycopy(out, s * sample + (c * h + t[4] - t[0] + y) * w + t[5] - t[1],
                                result, (c * height + t[4] + y) * width + t[5], t[7]);
            }
        }

        @Override public void close() {
            activations.release();
            engine.release(output);
        }
    }

    private static int roundUp(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }

    // ---- the receptive field, along one axis ----

    /**
     * How far past a core's edge its outputs read the input, along one axis: the dependencies of the
     * outputs 0 .. 2^stages - 1 (one aligned block; pooling and resizing treat even and odd cells apart,
     * and the pattern repeats with that period) traced back through the network as intervals of cells
     * per level, giving input cells [lo, hi]; a core starting on a multiple of 2^stages reads -lo cells
     * before its start and hi - (2^stages - 1) after its end.
     */
    static int reach(Architecture arch) {
        int period = 1 << arch.stages(), lo = 0, hi = 0;
        for (int p = 0; p < period; p++) {
            long span = new Reach(arch).logits(p, p);
            lo = Math.min(lo, (int) (span >> 32));
            hi = Math.max(hi, (int) span);
        }
        return Math.max(-lo, hi - (period - 1));
    }

    /** Backward through the graph of {@link Autoencoder#forward}: the input interval an interval of a tensor reads. */
    private static final class Reach {
        private final Architecture arch;
        private final int stages;

        Reach(Architecture arch) {
            this.arch = arch;
            this.stages = arch.stages();
        }

        private static long span(int lo, int hi) { return ((long) lo << 32) | (hi & 0xFFFFFFFFL); }
        private static int lo(long s) { return (int) (s >> 32); }
        private static int hi(long s) { return (int) s; }
        private static long hull(long a, long b) { return span(Math.min(lo(a), lo(b)), Math.max(hi(a), hi(b))); }

        /** The logits: a convolution of the last up stage's output. */
        long logits(int lo, int hi) { return stageOutput(stages - 1, lo - 1, hi + 1); }

        /** Encoder stage i's conv output (level i), cells [lo, hi]. */
        long encoder(int i, int lo, int hi) {
            return i == 0 ? span(lo - 1, hi + 1) : pooled(i - 1, lo - 1, hi + 1);
        }

        /** Pool i's output (level i + 1): each cell is the max of cells 2k and 2k + 1 of encoder stage i. */
        long pooled(int i, int lo, int hi) { return encoder(i, 2 * lo, 2 * hi + 1); }

        /** What up stage j reads from below (level stages - j): the code, or the previous stage's output. */
        long below(int j, int lo, int hi) { return j == 0 ? pooled(stages - 1, lo, hi) : stageOutput(j - 1, lo, hi); }

        /** Up stage j's output as the next stage reads it (level stages - 1 - j): with skips, plus the encoder's. */
        long stageOutput(int j, int lo, int hi) {
            long own = decoder(j, lo, hi);
            return arch.skips() ? hull(own, encoder(stages - 1 - j, lo, hi)) : own;
        }

        /** Up stage j's conv output, cells [lo, hi]. */
        long decoder(int j, int lo, int hi) {
            if (arch.decoder() == Decoder.TRANSPOSED)   // y[2i + k - 1] += x[i] w[k]: output p reads inputs ceil((p - 1) / 2) .. floor((p + 1) / 2)
                return below(j, Math.floorDiv(lo, 2), Math.floorDiv(hi + 1, 2));
            int a = lo - 1, b = hi + 1;   // the conv reads the upsampled tensor one cell further
            int level = stages - 1 - j;
            return switch (arch.decoder()) {
                case NEAREST -> below(j, Math.floorDiv(a, 2), Math.floorDiv(b, 2));
                case BILINEAR -> below(j, Math.floorDiv(a, 2), Math.floorDiv(b, 2) + 1);
                // the value from below at the window's cell, placed where the encoder's pool found the window's maximum
                case UNPOOL -> hull(below(j, Math.floorDiv(a, 2), Math.floorDiv(b, 2)),
                        encoder(level, 2 * Math.floorDiv(a, 2), 2 * Math.floorDiv(b, 2) + 1));
                case TRANSPOSED -> throw new IllegalStateException("handled above");
            };
        }
    }
}
