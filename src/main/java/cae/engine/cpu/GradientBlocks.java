package cae.engine.cpu;

import java.util.Arrays;

/**
 * The batch reduction of a convolution's weight and bias gradients, in a fixed order so that the
 * result does not depend on the thread count: each block of {@link #SAMPLES} consecutive samples adds
 * its samples' gradients into a partial buffer of its own, then the blocks' partials are summed in
 * block order, in parallel over gradient elements. A partial buffer holds the weight gradient
 * followed by the bias gradient.
 */
final class GradientBlocks implements WorkerPool.Task {
    /**
     * Samples per block: the unit of the fixed-order reduction. A batch of 100 makes 20 blocks, an
     * even share for 2 or 4 threads (blocks of 4 left one thread 13 of 25).
     */
    static final int SAMPLES = 5;
    /** Gradient elements per summing task. */
    private static final int CHUNK = 1024;

    private float[] partials = new float[0];
    private int blocks, partialSize, swappedRows;
    private CpuTensor dWeight, dBias;

    static int blocks(int batch) { return (batch + SAMPLES - 1) / SAMPLES; }

    /** The partial buffers for {@code blocks} blocks of {@code partialSize}, grown once per shape and reused after. */
    float[] partials(int blocks, int partialSize) {
        if (partials.length < blocks * partialSize) partials = new float[blocks * partialSize];
        return partials;
    }

    /** Zeroes block {@code block}'s partial buffer in {@code partials} and returns where it starts. */
    static int clear(float[] partials, int block, int partialSize) {
        int start = block * partialSize;
        Arrays.fill(partials, start, start + partialSize, 0f);
        return start;
    }

    /** Samples [first, end) of block {@code block} in a batch of {@code batch}. */
    static int first(int block) { return block * SAMPLES; }

    static int end(int block, int batch) { return Math.min(batch, (block + 1) * SAMPLES); }

    /**
     * Sums the blocks' partials into dWeight and dBias. With {@code swappedRows} > 0 the partial
     * kernel is a transposed convolution's w' (swappedRows, cols, 3, 3) and each sum goes to its place
     * in w; see {@link TransposedConvolution}.
     */
    void sum(WorkerPool pool, int blocks, int partialSize, int swappedRows, CpuTensor dWeight, CpuTensor dBias) {
        this.blocks = blocks; this.partialSize = partialSize; this.swappedRows = swappedRows;
        this.dWeight = dWeight; this.dBias = dBias;
        pool.forEach((partialSize + CHUNK - 1) / CHUNK, this);
    }

    @Override public void run(int chunk, int worker) {
        int start = chunk * CHUNK, end = Math.min(partialSize, start + CHUNK);
        int weights = dWeight.size(), swappedCols = swappedRows == 0 ? 0 : weights / 9 / swappedRows;
        for (int i = start; i < end; i++) {
            float sum = 0f;
            for (int b = 0; b < blocks; b++) sum += partials[b * partialSize + i];
            if (i >= weights) dBias.data[dBias.offset + i - weights] = sum;
            else if (swappedRows == 0) dWeight.data[dWeight.offset + i] = sum;
            else dWeight.data[dWeight.offset + TransposedConvolution.swappedIndex(i, swappedRows, swappedCols)] = sum;
        }
    }
}
