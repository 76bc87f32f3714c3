package cae.engine.cpu;

import static cae.engine.cpu.Simd.POOL_LANES;

/**
 * 2x2 stride-2 max-pool with TensorFlow's SAME padding (docs/SPEC.md §2), one sample per task, forward or
 * backward; the static helpers are shared with {@link NearestResize} and the max-unpool gradient.
 *
 * <p>The padding of a 2x2 stride-2 SAME window is at most one cell, at the end ({@link cae.engine.Shapes#poolPadBefore} is 0),
 * so window (oy, ox) starts at cell (2 oy, 2 ox), the windows tile the input exactly, and the
 * backward pass writes every cell of dx once (the gradient or 0) with no clearing first. Whole
 * windows run as vectors ({@link Simd}) where the engine has them, without branches: with ReLU
 * inputs (many tied zeros) the winning cell is unpredictable, and a branch per window made the
 * backward pass six times slower than its memory traffic. A row narrower than its vectors lets them
 * run on into the following cells (see {@link #spillFits}).
 */
final class MaxPooling {
    private final WorkerPool pool;
    private final boolean vectors;
    private final Forward forward = new Forward();
    private final Backward backward = new Backward();

    MaxPooling(WorkerPool pool, boolean vectors) {
        this.pool = pool;
        this.vectors = vectors;
    }

    void forward(CpuTensor x, CpuTensor y) {
        forward.x = x; forward.y = y;
        pool.forEach(x.n(), forward);
    }

    /** Routes each dy to its window's first arg-max in x; dx is overwritten. */
    void backward(CpuTensor x, CpuTensor y, CpuTensor dy, CpuTensor dx) {
        backward.x = x; backward.y = y; backward.dy = dy; backward.dx = dx;
        pool.forEach(x.n(), backward);
    }

    // Forward and backward are loop bodies of their own, not one body with a flag: the JIT compiles
    // each into one unit with its vector code inlined, and one unit holding both outgrew its
    // inlining budget (it then called a helper instead of inlining it, and a vector crossing that
    // call was allocated on every row pair).

    private final class Forward implements WorkerPool.Task {
        CpuTensor x, y;

        @Override public void run(int s, int worker) {
            int channels = x.c(), h = x.h(), w = x.w(), oh = y.h(), ow = y.w();
            int wholeRows = h / 2, whole = w / 2;
            int yEnd = y.offset + (s + 1) * channels * oh * ow;
            for (int c = 0; c < channels; c++) {
                int xBase = x.offset + (s * channels + c) * h * w;
                int outBase = y.offset + (s * channels + c) * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int top = xBase + 2 * oy * w, o = outBase + oy * ow, edge = oy < wholeRows ? whole : 0;
                    if (oy < wholeRows) {
                        // two vectors of cells make a vector of outputs
                        boolean fits = vectors && spillFits(whole, POOL_LANES, o + POOL_LANES, yEnd)
                                && top + w + Math.max(0, w - 2 * POOL_LANES) + 2 * POOL_LANES <= x.data.length;
                        int vectorWindows = fits ? whole : 0;
                        if (fits) Simd.poolRowPairForward(x.data, top, w, vectorWindows, y.data, o);
                        wholeWindowsForward(x.data, top, w, vectorWindows, whole, y.data, o);
                    }
                    for (int ox = edge; ox < ow; ox++)
                        y.data[o + ox] = x.data[windowArgMax(x.data, xBase, h, w, 2 * oy, 2 * ox)];
                }
            }
        }
    }

    private final class Backward implements WorkerPool.Task {
        CpuTensor x, y, dy, dx;

        @Override public void run(int s, int worker) {
            int channels = x.c(), h = x.h(), w = x.w(), oh = y.h(), ow = y.w();
            int wholeRows = h / 2, whole = w / 2, shift = dx.offset - x.offset;
            int xEnd = x.offset + (s + 1) * channels * h * w;
            for (int c = 0; c < channels; c++) {
                int xBase = x.offset + (s * channels + c) * h * w;
                int outBase = (s * channels + c) * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int top = xBase + 2 * oy * w, dyo = dy.offset + outBase + oy * ow, edge = oy < wholeRows ? whole : 0;
                    if (oy < wholeRows) {
                        // the last vector starts at window max(0, whole - POOL_LANES / 2) and reads POOL_LANES gradients
                        boolean fits = vectors && spillFits(w, POOL_LANES, top + w + POOL_LANES, xEnd)
                                && dyo + Math.max(0, whole - POOL_LANES / 2) + POOL_LANES <= dy.data.length;
                        int vectorWindows = fits ? whole : 0;
                        if (vectorWindows > 0) Simd.poolRowPairBackward(x.data, top, w, 2 * vectorWindows, dy.data, dyo, dx.data, shift);
                        wholeWindowsBackward(x.data, top, w, vectorWindows, whole, dy.data, dyo, dx.data, shift);
                    }
                    for (int ox = edge; ox < ow; ox++) windowBackward(xBase, h, w, 2 * oy, 2 * ox, dy.data[dyo + ox], shift);
                }
            }
        }

        /** A window cut by the image's edge: its real cells get the gradient (the first arg-max) or 0. */
        private void windowBackward(int xBase, int h, int w, int r0, int c0, float g, int shift) {
            int best = windowArgMax(x.data, xBase, h, w, r0, c0);
            for (int r = r0; r < Math.min(r0 + 2, h); r++)
                for (int col = c0; col < Math.min(c0 + 2, w); col++) {
                    int i = xBase + r * w + col;
                    dx.data[i + shift] = i == best ? g : 0f;
                }
        }
    }

    /**
     * Whether a vector loop taking {@code lanes} values of a row of {@code count} at a time may run:
     * a row at least that wide always can (its last vector overlaps the one before, rewriting the
     * same values); a narrower one, if at least half as wide (else scalar code wastes less), writes
     * garbage past its end up to {@code writeEnd}, which is harmless only when that stays inside
     * the same sample, before {@code sampleEnd}: this task rewrites those cells later (rows and
     * channels run in order), and other threads own other samples.
     */
    static boolean spillFits(int count, int lanes, int writeEnd, int sampleEnd) {
        return count >= lanes || (2 * count >= lanes && writeEnd <= sampleEnd);
    }

    /** The maxima of the whole windows [from, to) of the row pair at x[top], one by one. */
    private static void wholeWindowsForward(float[] x, int top, int w, int from, int to, float[] y, int yo) {
        for (int ox = from; ox < to; ox++) {
            int a = top + 2 * ox;
            y[yo + ox] = Math.max(Math.max(x[a], x[a + 1]), Math.max(x[a + w], x[a + w + 1]));
        }
    }

    /** Whole windows [from, to) of the row pair at x[top] one by one, with the same rule as rowPairBackward. */
    private static void wholeWindowsBackward(float[] x, int top, int w, int from, int to, float[] dy, int dyo, float[] dx, int shift) {
        for (int ox = from; ox < to; ox++) {
            int a = top + 2 * ox, d = a + shift;
            dx[d] = dx[d + 1] = dx[d + w] = dx[d + w + 1] = 0f;
            dx[wholeWindowArgMax(x, a, w) + shift] = dy[dyo + ox];
        }
    }

    /**
     * The first arg-max (row-major) of the whole window whose top-left cell is x[a]: the max, then the
     * first cell equal to it (windowArgMax's rule without the clipping).
     */
    static int wholeWindowArgMax(float[] x, int a, int w) {
        float v0 = x[a], v1 = x[a + 1], v2 = x[a + w], v3 = x[a + w + 1];
        float max = Math.max(Math.max(v0, v1), Math.max(v2, v3));
        return v0 == max ? a : v1 == max ? a + 1 : v2 == max ? a + w : a + w + 1;
    }

    /** The first arg-max (row-major) of the window at (r0, c0) clipped to the image; padding never wins. */
    static int windowArgMax(float[] x, int base, int h, int w, int r0, int c0) {
        int rStart = Math.max(r0, 0), rEnd = Math.min(r0 + 2, h);
        int cStart = Math.max(c0, 0), cEnd = Math.min(c0 + 2, w);
        int best = base + rStart * w + cStart;
        for (int r = rStart; r < rEnd; r++)
            for (int col = cStart; col < cEnd; col++)
                if (x[base + r * w + col] > x[best]) best = base + r * w + col;
        return best;
    }
}
