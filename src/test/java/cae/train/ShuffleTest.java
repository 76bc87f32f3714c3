package cae.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** docs/SPEC.md §3.2: reshuffled every epoch from the seed. */
class ShuffleTest {
    private static int[] order(long seed, long epoch) {
        int[] order = new int[55_000];
        Shuffle.order(seed, epoch, order);
        return order;
    }

    @Test
    void eachEpochIsAPermutationOfItsOwnThatOnlyTheSeedAndEpochDecide() {
        int[] first = order(1, 0);
        int[] sorted = first.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i], "a permutation of the images");
        assertArrayEquals(first, order(1, 0), "the same seed and epoch, the same order");
        assertFalse(Arrays.equals(first, order(1, 1)), "the next epoch is reshuffled");
        assertFalse(Arrays.equals(first, order(2, 0)), "another seed, another order");
        int inPlace = 0;
        for (int i = 0; i < first.length; i++) if (first[i] == i) inPlace++;
        assertTrue(inPlace < 20, inPlace + " images kept their place: not shuffled");
    }
}
