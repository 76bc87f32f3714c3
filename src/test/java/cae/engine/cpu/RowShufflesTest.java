package cae.engine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Simd#interleave} and {@link Simd#split}, the up stages' column merges, against the plain
 * loops for every count from one vector's worth to five (so the overlapping last vector meets every
 * remainder), at offsets that are not multiples of a vector, leaving the cells around them alone.
 */
class RowShufflesTest {
    private static final int L = Simd.POOL_LANES;

    @Test
    void interleaveMergesEvenAndOddColumns() {
        for (int count = L; count <= 5 * L; count++) {
            float[] even = values(count + 3, 1000f), odd = values(count + 5, 2000f);
            float[] row = new float[2 * count + 7];
            java.util.Arrays.fill(row, -1f);
            Simd.interleave(even, 3, odd, 5, count, row, 3);
            for (int i = 0; i < row.length; i++) {
                int c = i - 3;
                float expected = c < 0 || c >= 2 * count ? -1f : c % 2 == 0 ? even[3 + c / 2] : odd[5 + c / 2];
                assertEquals(expected, row[i], "count " + count + ", cell " + i);
            }
        }
    }

    @Test
    void splitUndoesInterleave() {
        for (int count = L; count <= 5 * L; count++) {
            float[] row = values(2 * count + 6, 0f);
            float[] even = new float[count + 4], odd = new float[count + 2];
            java.util.Arrays.fill(even, -1f);
            java.util.Arrays.fill(odd, -1f);
            Simd.split(row, 6, count, even, 1, odd, 2);
            for (int c = 0; c < even.length; c++)
                assertEquals(c < 1 || c >= 1 + count ? -1f : row[6 + 2 * (c - 1)], even[c], "count " + count + ", even " + c);
            for (int c = 0; c < odd.length; c++)
                assertEquals(c < 2 || c >= 2 + count ? -1f : row[6 + 2 * (c - 2) + 1], odd[c], "count " + count + ", odd " + c);
        }
    }

    private static float[] values(int n, float base) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = base + i;
        return v;
    }
}
