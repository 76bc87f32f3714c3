package cae.engine.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the direct weight gradient splits a batch into blocks (runs of samples, runs of 4-row tiles): no GPU needed. */
class DirectWeightGradientTest {
    @ParameterizedTest(name = "batch {0}, height {1}")
    @CsvSource({
            "100, 28, 1, 2, 400",   // conv6 at batch 100: a sample and two row tiles per block
            "100, 14, 1, 1, 400",
            "100, 7, 1, 1, 200",
            "1000, 28, 2, 7, 500",  // large batches: whole images, two samples per block
            "3, 28, 1, 1, 21",
            "512, 9, 1, 3, 512",
            "1, 1, 1, 1, 1"})
    void aboutFiveHundredBlocksCoveringEverySampleAndRow(int n, int h, int samples, int tiles, int blocks) {
        int[] split = DirectWeightGradient.split(n, h);
        assertArrayEquals(new int[] {samples, tiles, blocks}, split);
        int rowTiles = (h + 3) / 4;
        assertTrue((long) split[0] * ((n + split[0] - 1) / split[0]) >= n && (long) split[1] * ((rowTiles + split[1] - 1) / split[1]) >= rowTiles);
    }
}
