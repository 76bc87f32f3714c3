package cae.engine.cpu;

import cae.engine.Shapes;

/**
 * The gradient of max-unpooling, one sample per task: dValues[window] = dOut[the window's first
 * arg-max in poolInput], by {@link MaxPooling}'s rule. (Max-unpooling itself is the max-pool's
 * backward with the values as its gradient.)
 */
final class MaxUnpooling implements WorkerPool.Task {
    private final WorkerPool pool;
    private CpuTensor poolInput, dOut, dValues;

    MaxUnpooling(WorkerPool pool) { this.pool = pool; }

    void backward(CpuTensor poolInput, CpuTensor dOut, CpuTensor dValues) {
        this.poolInput = poolInput; this.dOut = dOut; this.dValues = dValues;
        pool.forEach(poolInput.n(), this);
    }

    @Override public void run(int s, int worker) {
        int channels = poolInput.c(), h = poolInput.h(), w = poolInput.w(), oh = Shapes.pooled(h), ow = Shapes.pooled(w);
        int padTop = Shapes.poolPadBefore(h), padLeft = Shapes.poolPadBefore(w);
        float[] xd = poolInput.data, gd = dOut.data, vd = dValues.data;
        for (int c = 0; c < channels; c++) {
            int plane = (s * channels + c) * h * w, xBase = poolInput.offset + plane, gBase = dOut.offset + plane;
            int out = dValues.offset + (s * channels + c) * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = oy * 2 - padTop;
                boolean fullRows = r0 >= 0 && r0 + 1 < h;
                for (int ox = 0; ox < ow; ox++) {
                    int c0 = ox * 2 - padLeft, best;
                    if (fullRows && c0 >= 0 && c0 + 1 < w) best = MaxPooling.wholeWindowArgMax(xd, xBase + r0 * w + c0, w);
                    else best = MaxPooling.windowArgMax(xd, xBase, h, w, r0, c0);
                    vd[out + oy * ow + ox] = gd[gBase + best - xBase];
                }
            }
        }
    }
}
