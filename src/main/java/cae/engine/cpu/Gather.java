package cae.engine.cpu;

import cae.engine.Philox;

/**
 * The batch gather with noise, one sample per task: images order[from + s] as pixels / 255 into
 * clean, and clip(clean + noiseStd * N(0,1), 0, 1) into noisy, the normals from {@link Philox} by
 * (seed, step, element index in the batch), so the noise does not depend on which worker draws it.
 */
final class Gather implements WorkerPool.Task {
    private final WorkerPool pool;
    private final int[][] philoxWords;
    private int[] order = new int[0];
    private CpuImageSet images;
    private int from;
    private CpuTensor clean, noisy;
    private float noiseStd;
    private long seed, step;

    Gather(WorkerPool pool) {
        this.pool = pool;
        philoxWords = new int[pool.threads()][4];
    }

    int orderLength() { return order.length; }

    void setOrder(int[] newOrder) {
        if (order.length != newOrder.length) order = new int[newOrder.length];
        System.arraycopy(newOrder, 0, order, 0, newOrder.length);
    }

    void run(CpuImageSet images, int from, CpuTensor clean, CpuTensor noisy, float noiseStd, long seed, long step) {
        this.images = images; this.from = from; this.clean = clean; this.noisy = noisy;
        this.noiseStd = noiseStd; this.seed = seed; this.step = step;
        pool.forEach(clean.n(), this);
    }

    @Override public void run(int s, int worker) {
        int plane = images.height() * images.width();
        int src = order[from + s] * plane, dst = s * plane;
        float[] c = clean.data;
        int co = clean.offset + dst;
        for (int p = 0; p < plane; p++) c[co + p] = (images.pixels[src + p] & 0xFF) / 255f;
        if (noisy == null) return;
        int[] words = philoxWords[worker];
        float[] n = noisy.data;
        int no = noisy.offset + dst;
        for (int p = 0; p < plane; p++) {
            float z = Philox.normal(seed, step, dst + p, words);
            n[no + p] = Math.min(Math.max(c[co + p] + noiseStd * z, 0f), 1f);
        }
    }
}
