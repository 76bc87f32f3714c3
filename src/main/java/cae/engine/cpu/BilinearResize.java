package cae.engine.cpu;

import cae.engine.Shapes;

import java.util.Arrays;

/**
 * Bilinear resize (TF1 rule, {@link Shapes#bilinearLow}) one sample per task, separable in
 * TensorFlow's order: each source row is first interpolated along its width into the worker's
 * scratch (ih x ow), then each output row blends two of those; backward runs the same two steps
 * transposed, per sample, so the scatter needs no synchronisation.
 */
final class BilinearResize implements WorkerPool.Task {
    /** One axis's source cells and weights per output cell, computed once per call. */
    private static final class Axis {
        int[] low = new int[0], high = new int[0];
        float[] t = new float[0];

        void set(int in, int out) {
            if (low.length < out) { low = new int[out]; high = new int[out]; t = new float[out]; }
            for (int d = 0; d < out; d++) {
                low[d] = Shapes.bilinearLow(d, in, out);
                high[d] = Shapes.bilinearHigh(d, in, out);
                t[d] = (float) Shapes.bilinearRemainder(d, in, out) / out;
            }
        }
    }

    private final WorkerPool pool;
    private final Axis rowAxis = new Axis(), columnAxis = new Axis();
    private final float[][] rowScratch;
    private CpuTensor small, large;
    private boolean backward;

    BilinearResize(WorkerPool pool) {
        this.pool = pool;
        rowScratch = new float[pool.threads()][0];
    }

    /** Forward: large = resize(small); backward: small = the gradient of large spread back. */
    void run(CpuTensor small, CpuTensor large, boolean backward) {
        rowAxis.set(small.h(), large.h());
        columnAxis.set(small.w(), large.w());
        this.small = small; this.large = large; this.backward = backward;
        pool.forEach(small.n(), this);
    }

    @Override public void run(int s, int worker) {
        int channels = small.c(), ih = small.h(), iw = small.w(), oh = large.h(), ow = large.w();
        if (rowScratch[worker].length < ih * ow) rowScratch[worker] = new float[ih * ow];
        float[] rows = rowScratch[worker], sd = small.data, ld = large.data;
        int[] y0 = rowAxis.low, y1 = rowAxis.high, x0 = columnAxis.low, x1 = columnAxis.high;
        float[] ty = rowAxis.t, tx = columnAxis.t;
        for (int c = 0; c < channels; c++) {
            int in = small.offset + (s * channels + c) * ih * iw;
            int out = large.offset + (s * channels + c) * oh * ow;
            if (!backward) {
                for (int r = 0; r < ih; r++) {
                    int src = in + r * iw, dst = r * ow;
                    for (int ox = 0; ox < ow; ox++)
                        rows[dst + ox] = (1f - tx[ox]) * sd[src + x0[ox]] + tx[ox] * sd[src + x1[ox]];
                }
                for (int oy = 0; oy < oh; oy++) {
                    int top = y0[oy] * ow, bottom = y1[oy] * ow, dst = out + oy * ow;
                    float t = ty[oy], u = 1f - t;
                    for (int ox = 0; ox < ow; ox++) ld[dst + ox] = u * rows[top + ox] + t * rows[bottom + ox];
                }
            } else {
                Arrays.fill(rows, 0, ih * ow, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    int top = y0[oy] * ow, bottom = y1[oy] * ow, src = out + oy * ow;
                    float t = ty[oy], u = 1f - t;
                    for (int ox = 0; ox < ow; ox++) {
                        float g = ld[src + ox];
                        rows[top + ox] += u * g;
                        rows[bottom + ox] += t * g;
                    }
                }
                Arrays.fill(sd, in, in + ih * iw, 0f);
                for (int r = 0; r < ih; r++) {
                    int dst = in + r * iw, src = r * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        float g = rows[src + ox];
                        sd[dst + x0[ox]] += (1f - tx[ox]) * g;
                        sd[dst + x1[ox]] += tx[ox] * g;
                    }
                }
            }
        }
    }
}
