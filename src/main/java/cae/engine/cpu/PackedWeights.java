package cae.engine.cpu;

import java.util.Arrays;

/**
 * Which weights a kernel's packed copy was made from. Every sample of a batch brings the same
 * weights, so a kernel repacks only when the weights, their shape or their orientation differ from
 * the last packed. A copy of the weights, not a reference: the engine updates them in place.
 */
final class PackedWeights {
    private float[] weights = new float[0];
    private int nIn = -1, nOut = -1;
    private boolean transposed;

    /**
     * Whether wt[wo, wo + nOut x nIn x 9) in this shape and orientation are the weights last recorded;
     * when not, records them, and the caller packs them.
     */
    boolean same(float[] wt, int wo, int nIn, int nOut, boolean transposed) {
        int n = nOut * nIn * 9;
        if (this.nIn == nIn && this.nOut == nOut && this.transposed == transposed
                && Arrays.equals(wt, wo, wo + n, weights, 0, n)) return true;
        if (weights.length < n) weights = new float[n];
        System.arraycopy(wt, wo, weights, 0, n);
        this.nIn = nIn; this.nOut = nOut; this.transposed = transposed;
        return false;
    }

    /** Forgets the recorded weights: the packed copy now holds something else. */
    void forget() { nIn = -1; }
}
