package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise ops' vector paths (the Vector API, jdk.incubator.vector): the ReLU mask, the
 * max-pool's whole windows and the nearest resize's doublings. Only an engine made with vectors
 * touches this class, so a JVM started without the incubator module never loads it; the callers
 * hold the scalar paths, which give the same results.
 */
final class Simd {
    private Simd() {}

    /**
     * The convolutions' species, not a narrower one: a second vector shape in the same JVM splits the
     * type profiles inside the Vector API and the JIT stops keeping the convolutions' vectors in
     * registers (a 256-bit pooling species made a whole training step 3.5x slower).
     */
    static final VectorSpecies<Float> POOL = FloatVector.SPECIES_PREFERRED;
    /** Cells per pooling vector: a row's worth of POOL_LANES / 2 windows. */
    static final int POOL_LANES = POOL.length();
    static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(POOL, i -> i ^ 1);
    static final VectorShuffle<Float> SPREAD_PAIRS = VectorShuffle.fromOp(POOL, i -> i / 2);
    static final VectorShuffle<Float> SPREAD_HIGH_PAIRS = VectorShuffle.fromOp(POOL, i -> POOL_LANES / 2 + i / 2);
    /** Lanes 0, 2, 4, ... into each half: the low half of one and the high half of another make a vector of pair results. */
    static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.fromOp(POOL, i -> 2 * i % POOL_LANES);
    static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(POOL, -1L << (POOL_LANES / 2));
    /** Lanes 1, 3, 5, ... into each half, as EVEN_LANES does with the even ones. */
    static final VectorShuffle<Float> ODD_LANES = VectorShuffle.fromOp(POOL, i -> (2 * i + 1) % POOL_LANES);
    static final VectorMask<Float> ODD_LANE = VectorMask.fromLong(POOL, 0xAAAAAAAAAAAAAAAAL);
    /** Row-major position in its window of each lane of a top row and a bottom row; 3, the last cell, also stands for "no maximum here". */
    private static final FloatVector TOP_POS = FloatVector.fromArray(POOL, lanes(i -> i % 2), 0),
            BOTTOM_POS = FloatVector.fromArray(POOL, lanes(i -> 2 + i % 2), 0),
            POOL_LAST = FloatVector.broadcast(POOL, 3f);

    private static float[] lanes(java.util.function.IntUnaryOperator lane) {
        float[] values = new float[POOL_LANES];
        for (int i = 0; i < POOL_LANES; i++) values[i] = lane.applyAsInt(i);
        return values;
    }

    // No method here takes or returns a vector: the JIT boxes a vector that crosses a call it did
    // not inline (a whole object and array per row pair), and whether it inlines a small helper
    // depends on how big the caller's compiled unit has grown. Each loop keeps its vectors local.

    /**
     * The whole windows over columns [0, cols) (even, at least a vector wide) of the row pair at
     * x[top]: each window's first cell (row-major) equal to its maximum gets the gradient, the others
     * 0; a NaN window gives it to its last cell, as the scalar path does. The last vector may overlap
     * the one before it, rewriting the same values.
     */
    static void poolRowPairBackward(float[] x, int top, int w, int cols, float[] dy, int dyo, float[] dx, int shift) {
        for (int c = 0; c < cols; c += POOL_LANES) {
            int col = Math.max(0, Math.min(c, cols - POOL_LANES));
            FloatVector t = FloatVector.fromArray(POOL, x, top + col), b = FloatVector.fromArray(POOL, x, top + w + col);
            FloatVector pairMax = t.max(b);
            FloatVector max = pairMax.max(pairMax.rearrange(SWAP_PAIRS));
            FloatVector cand = POOL_LAST.blend(TOP_POS, t.compare(VectorOperators.EQ, max))
                    .min(POOL_LAST.blend(BOTTOM_POS, b.compare(VectorOperators.EQ, max)));
            FloatVector winner = cand.min(cand.rearrange(SWAP_PAIRS));
            FloatVector g = FloatVector.fromArray(POOL, dy, dyo + col / 2).rearrange(SPREAD_PAIRS);
            FloatVector zero = FloatVector.zero(POOL);
            zero.blend(g, winner.compare(VectorOperators.EQ, TOP_POS)).intoArray(dx, top + shift + col);
            zero.blend(g, winner.compare(VectorOperators.EQ, BOTTOM_POS)).intoArray(dx, top + w + shift + col);
        }
    }

    /** The maxima of the whole windows [0, windows) (at least a vector's worth) of the row pair at x[top], two vectors of cells at a time. */
    static void poolRowPairForward(float[] x, int top, int w, int windows, float[] y, int yo) {
        for (int c = 0; c < windows; c += POOL_LANES) {
            int ox = Math.max(0, Math.min(c, windows - POOL_LANES)), a = top + 2 * ox, b = a + POOL_LANES;
            // the maximum of each window of a vector of cells, in both of its lanes
            FloatVector lowPairs = FloatVector.fromArray(POOL, x, a).max(FloatVector.fromArray(POOL, x, a + w));
            FloatVector low = lowPairs.max(lowPairs.rearrange(SWAP_PAIRS));
            FloatVector highPairs = FloatVector.fromArray(POOL, x, b).max(FloatVector.fromArray(POOL, x, b + w));
            FloatVector high = highPairs.max(highPairs.rearrange(SWAP_PAIRS));
            low.rearrange(EVEN_LANES).blend(high.rearrange(EVEN_LANES), HIGH_HALF).intoArray(y, yo + ox);
        }
    }

    /**
     * Copies each of the sources [src, src + count) into its 2x2 block of the row pair at large[top],
     * a vector of sources at a time (see {@link MaxPooling#spillFits} for rows narrower than that).
     */
    static void resizeBlockSpread(float[] small, int src, int count, float[] large, int top, int w) {
        for (int c = 0; c < count; c += POOL_LANES) {
            int col = Math.max(0, Math.min(c, count - POOL_LANES)), o = top + 2 * col;
            FloatVector v = FloatVector.fromArray(POOL, small, src + col);
            FloatVector low = v.rearrange(SPREAD_PAIRS), high = v.rearrange(SPREAD_HIGH_PAIRS);
            low.intoArray(large, o); high.intoArray(large, o + POOL_LANES);
            low.intoArray(large, o + w); high.intoArray(large, o + w + POOL_LANES);
        }
    }

    /** Sums each 2x2 block of the row pair at large[top] into small[src + x] for x in [0, count), in the scalar path's order. */
    static void resizeBlockSums(float[] large, int top, int w, float[] small, int src, int count) {
        for (int c = 0; c < count; c += POOL_LANES) {
            int col = Math.max(0, Math.min(c, count - POOL_LANES)), o = top + 2 * col, p = o + POOL_LANES;
            // in the even lanes: ((top + top right) + bottom) + bottom right of each pair of columns
            FloatVector lowTop = FloatVector.fromArray(POOL, large, o), lowBottom = FloatVector.fromArray(POOL, large, o + w);
            FloatVector low = lowTop.add(lowTop.rearrange(SWAP_PAIRS)).add(lowBottom).add(lowBottom.rearrange(SWAP_PAIRS));
            FloatVector highTop = FloatVector.fromArray(POOL, large, p), highBottom = FloatVector.fromArray(POOL, large, p + w);
            FloatVector high = highTop.add(highTop.rearrange(SWAP_PAIRS)).add(highBottom).add(highBottom.rearrange(SWAP_PAIRS));
            low.rearrange(EVEN_LANES).blend(high.rearrange(EVEN_LANES), HIGH_HALF).intoArray(small, src + col);
        }
    }

    /** dy = 0 where y <= 0 over [0, length), as a vector blend (a branch per element costs more than the convolutions). */
    static void reluMask(float[] y, int yo, float[] dy, int dyo, int length) {
        int i = 0;
        for (int upper = POOL.loopBound(length); i < upper; i += POOL.length()) {
            FloatVector yv = FloatVector.fromArray(POOL, y, yo + i);
            FloatVector.fromArray(POOL, dy, dyo + i).blend(0f, yv.compare(VectorOperators.LE, 0f)).intoArray(dy, dyo + i);
        }
        for (; i < length; i++) if (y[yo + i] <= 0f) dy[dyo + i] = 0f;
    }

    /**
     * row[2 c] = even[c] and row[2 c + 1] = odd[c] for c in [0, count) (count at least a vector's
     * worth): the columns of two phases of an up stage merged into an output row. The last vector may
     * overlap the one before it, rewriting the same values.
     */
    static void interleave(float[] even, int eo, float[] odd, int oo, int count, float[] row, int ro) {
        for (int c = 0; c < count; c += POOL_LANES) {
            int col = Math.max(0, Math.min(c, count - POOL_LANES)), o = ro + 2 * col;
            FloatVector e = FloatVector.fromArray(POOL, even, eo + col), d = FloatVector.fromArray(POOL, odd, oo + col);
            e.rearrange(SPREAD_PAIRS).blend(d.rearrange(SPREAD_PAIRS), ODD_LANE).intoArray(row, o);
            e.rearrange(SPREAD_HIGH_PAIRS).blend(d.rearrange(SPREAD_HIGH_PAIRS), ODD_LANE).intoArray(row, o + POOL_LANES);
        }
    }

    /** even[c] = row[2 c] and odd[c] = row[2 c + 1] for c in [0, count) (at least a vector's worth): {@link #interleave} undone. */
    static void split(float[] row, int ro, int count, float[] even, int eo, float[] odd, int oo) {
        for (int c = 0; c < count; c += POOL_LANES) {
            int col = Math.max(0, Math.min(c, count - POOL_LANES)), o = ro + 2 * col;
            FloatVector low = FloatVector.fromArray(POOL, row, o), high = FloatVector.fromArray(POOL, row, o + POOL_LANES);
            low.rearrange(EVEN_LANES).blend(high.rearrange(EVEN_LANES), HIGH_HALF).intoArray(even, eo + col);
            low.rearrange(ODD_LANES).blend(high.rearrange(ODD_LANES), HIGH_HALF).intoArray(odd, oo + col);
        }
    }
}
