package cae.engine.cpu;

import cae.engine.Pixels;
import cae.engine.Sampling;

import java.nio.ByteBuffer;

/**
 * The batch gather, one sample per task: image order[from + s] (or a crop of it, flipped as
 * {@link Sampling#crop} draws) as pixels / 255 into clean, and its noisy version into noisy: the
 * paired image's same crop, or clean corrupted by the {@link cae.engine.Noise}, whose draws are counted over the
 * batch's elements, so they do not depend on which worker draws them.
 */
final class Gather implements WorkerPool.Task {
    private final WorkerPool pool;
    private final int[][] philoxWords, crops;
    private final float[][] normalPairs;
    private int[] order = new int[0];
    private Sampling sampling;
    private Pixels images, paired;
    private int from;
    private CpuTensor clean, noisy;
    private long step;

    Gather(WorkerPool pool) {
        this.pool = pool;
        philoxWords = new int[pool.threads()][4];
        crops = new int[pool.threads()][4];
        normalPairs = new float[pool.threads()][2];
    }

    int orderLength() { return order.length; }

    void setOrder(int[] newOrder) {
        if (order.length != newOrder.length) order = new int[newOrder.length];
        System.arraycopy(newOrder, 0, order, 0, newOrder.length);
    }

    void run(Sampling sampling, int from, CpuTensor clean, CpuTensor noisy, long step) {
        this.sampling = sampling;
        this.images = ((CpuImageSet) sampling.images()).pixels;
        this.paired = sampling.paired() == null ? null : ((CpuImageSet) sampling.paired()).pixels;
        this.from = from; this.clean = clean; this.noisy = noisy; this.step = step;
        pool.forEach(clean.n(), this);
    }

    @Override public void run(int s, int worker) {
        int channels = clean.c(), h = clean.h(), w = clean.w(), plane = h * w, sample = channels * plane;
        int image = order[from + s], ih = images.height(image), iw = images.width(image);
        int[] words = philoxWords[worker], crop = crops[worker];
        if (sampling.crop() || sampling.flips()) {
            Sampling.crop(sampling.seed(), step, s, ih, iw, h, w, sampling.flips(), words, crop);
        } else {
            crop[0] = crop[1] = crop[2] = crop[3] = 0;
        }
        float[] c = clean.data;
        int co = clean.offset + s * sample;
        copy(images, image, crop, channels, h, w, c, co);
        if (noisy == null) return;
        float[] n = noisy.data;
        int no = noisy.offset + s * sample;
        if (paired != null) {
            copy(paired, image, crop, channels, h, w, n, no);
            return;
        }
        sampling.noise().applyAll(c, co, n, no, sample, sampling.seed(), step, s * sample, words, normalPairs[worker]);
    }

    /** The crop at (crop[0], crop[1]) of an image, flipped left-right if crop[2] and up-down if crop[3], as pixels / 255. */
    private static void copy(Pixels from, int image, int[] crop, int channels, int h, int w, float[] to, int at) {
        ByteBuffer bytes = from.buffer(image);
        int ih = from.height(image), iw = from.width(image), base = from.offset(image);
        boolean flipX = crop[2] != 0, flipY = crop[3] != 0;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++) {
                int row = base + (c * ih + crop[0] + (flipY ? h - 1 - y : y)) * iw + crop[1], out = at + (c * h + y) * w;
                if (flipX) for (int x = 0; x < w; x++) to[out + x] = (bytes.get(row + w - 1 - x) & 0xFF) / 255f;
                else for (int x = 0; x < w; x++) to[out + x] = (bytes.get(row + x) & 0xFF) / 255f;
            }
    }
}
