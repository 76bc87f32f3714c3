package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The three shifted-tap copies of each plane. Their zero rows, zero columns and the zeros after
 * them stay zero: the same shape always writes the same cells, and a new shape clears it all.
 */
final class TapPlanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    float[] data = new float[0];
    int stride;  // distance between copies: each is (h + 2) * w + 2 cells, rounded up to vectors
    private int h = -1, w = -1;

    void fill(float[] src, int so, int channels, int h, int w) {
        int plane = h * w;
        stride = Conv3x3Kernels.roundUp((h + 2) * w + 2, L);
        // room after the last copy for the vector reads of the positions past the plane's end
        int need = 3 * channels * stride + 8 * L + 2 * w + 2;
        if (data.length < need) {
            data = new float[need];
        } else if (this.h != h || this.w != w) {
            Arrays.fill(data, 0f);
        }
        this.h = h;
        this.w = w;
        for (int c = 0; c < channels; c++) {
            int base = 3 * c * stride + 1 + w;
            for (int kx = 0; kx < 3; kx++) System.arraycopy(src, so + c * plane, data, base + kx * stride, plane);
            for (int r = 0; r < h; r++) {
                data[base + r * w + w - 1] = 0f;
                data[base + 2 * stride + r * w] = 0f;
            }
        }
    }

    /** Offset of tap (ky, kx) of input channel i, relative to the output position. */
    int tap(int i, int ky, int kx) { return (3 * i + kx) * stride + ky * w + kx; }
}
