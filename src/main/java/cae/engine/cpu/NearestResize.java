package cae.engine.cpu;

import java.util.Arrays;

import static cae.engine.Shapes.nearestSource;
import static cae.engine.cpu.MaxPooling.spillFits;
import static cae.engine.cpu.Simd.POOL_LANES;

/**
 * Nearest resize (TF1 rule, docs/SPEC.md §2) of one sample per task, forward or backward; the recipe's exact
 * doublings (7 -> 14, 14 -> 28) run as vectors over 2x2 blocks where the engine has vectors
 * ({@link Simd}), other sizes through the source index.
 */
final class NearestResize {
    private final WorkerPool pool;
    private final boolean vectors;
    private final Forward forward = new Forward();
    private final Backward backward = new Backward();

    NearestResize(WorkerPool pool, boolean vectors) {
        this.pool = pool;
        this.vectors = vectors;
    }

    /** Forward: large = resize(small); backward: small = the sum of large's cells over each source cell. */
    void run(CpuTensor small, CpuTensor large, boolean backward) {
        Pass pass = backward ? this.backward : forward;
        pass.small = small; pass.large = large;
        pool.forEach(small.n(), pass);
    }

    private abstract static class Pass implements WorkerPool.Task {
        CpuTensor small, large;
    }

    // Forward and backward are loop bodies of their own, each compiled with its vector code
    // inlined (see MaxPooling: one body for both outgrew the JIT's inlining budget).

    private final class Forward extends Pass {
        @Override public void run(int s, int worker) {
            int channels = small.c(), ih = small.h(), iw = small.w(), oh = large.h(), ow = large.w();
            float[] sd = small.data, ld = large.data;
            int largeEnd = large.offset + (s + 1) * channels * oh * ow;
            for (int c = 0; c < channels; c++) {
                int in = small.offset + (s * channels + c) * ih * iw;
                int out = large.offset + (s * channels + c) * oh * ow;
                if (oh == 2 * ih && ow == 2 * iw) {
                    // each source cell is the 2x2 block below-right of (2y, 2x)
                    for (int y = 0; y < ih; y++) {
                        int src = in + y * iw, top = out + 2 * y * ow, bottom = top + ow;
                        boolean fits = vectors && spillFits(iw, POOL_LANES, bottom + 2 * POOL_LANES, largeEnd)
                                && src + Math.max(0, iw - POOL_LANES) + POOL_LANES <= sd.length;
                        int vectorCols = fits ? iw : 0;
                        if (fits) Simd.resizeBlockSpread(sd, src, vectorCols, ld, top, ow);
                        for (int x = vectorCols; x < iw; x++) {
                            int o = 2 * x;
                            float v = sd[src + x];
                            ld[top + o] = v; ld[top + o + 1] = v; ld[bottom + o] = v; ld[bottom + o + 1] = v;
                        }
                    }
                    continue;
                }
                for (int oy = 0; oy < oh; oy++) {
                    int sy = nearestSource(oy, ih, oh);
                    for (int ox = 0; ox < ow; ox++) ld[out + oy * ow + ox] = sd[in + sy * iw + nearestSource(ox, iw, ow)];
                }
            }
        }
    }

    private final class Backward extends Pass {
        @Override public void run(int s, int worker) {
            int channels = small.c(), ih = small.h(), iw = small.w(), oh = large.h(), ow = large.w();
            float[] sd = small.data, ld = large.data;
            int smallEnd = small.offset + (s + 1) * channels * ih * iw;
            for (int c = 0; c < channels; c++) {
                int in = small.offset + (s * channels + c) * ih * iw;
                int out = large.offset + (s * channels + c) * oh * ow;
                if (oh == 2 * ih && ow == 2 * iw) {
                    for (int y = 0; y < ih; y++) {
                        int src = in + y * iw, top = out + 2 * y * ow, bottom = top + ow;
                        boolean fits = vectors && spillFits(iw, POOL_LANES, src + POOL_LANES, smallEnd)
                                && bottom + Math.max(0, ow - 2 * POOL_LANES) + 2 * POOL_LANES <= ld.length;
                        int vectorCols = fits ? iw : 0;
                        if (fits) Simd.resizeBlockSums(ld, top, ow, sd, src, vectorCols);
                        for (int x = vectorCols; x < iw; x++) {
                            int o = 2 * x;
                            sd[src + x] = ld[top + o] + ld[top + o + 1] + ld[bottom + o] + ld[bottom + o + 1];
                        }
                    }
                    continue;
                }
                Arrays.fill(sd, in, in + ih * iw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    int sy = nearestSource(oy, ih, oh);
                    for (int ox = 0; ox < ow; ox++) sd[in + sy * iw + nearestSource(ox, iw, ow)] += ld[out + oy * ow + ox];
                }
            }
        }
    }
}
