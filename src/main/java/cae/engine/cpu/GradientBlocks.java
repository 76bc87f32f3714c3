package cae.engine.cpu;

import java.util.Arrays;

/**
 * The batch reduction of a convolution's weight and bias gradients, in a fixed order so that the
 * result does not depend on the thread count: each sample's gradient goes into a partial buffer of
 * its own (one task per sample, so that any thread count gets an even share of a batch), then, in
 * parallel over gradient elements, each block of {@link #SAMPLES} consecutive samples' partials are
 * summed in sample order and the blocks' sums in block order. A partial buffer holds the weight
 * gradient followed by the bias gradient.
 */
final class GradientBlocks implements WorkerPool.Task {
    /**
     * Samples per block of the fixed-order reduction (docs/SPEC.md §7): a block's samples are summed
     * in order, then the blocks in order. Changing it changes the last bits of every training run.
     */
    static final int SAMPLES = 5;
    /** Gradient elements per summing task. */
    private static final int CHUNK = 1024;

    private float[] partials = new float[0];
    private int batch, partialSize, swappedRows;
    private CpuTensor dWeight, dBias;

    /** The partial buffers for {@code batch} samples of {@code partialSize}, grown once per shape and reused after. */
    float[] partials(int batch, int partialSize) {
        if (partials.length < batch * partialSize) partials = new float[batch * partialSize];
        return partials;
    }

    /** Zeroes sample {@code sample}'s partial buffer in {@code partials} and returns where it starts. */
    static int clear(float[] partials, int sample, int partialSize) {
        int start = sample * partialSize;
        Arrays.fill(partials, start, start + partialSize, 0f);
        return start;
    }

    /**
     * Sums the samples' partials into dWeight and dBias, by blocks. With {@code swappedRows} > 0 the partial
     * kernel is a transposed convolution's w' (swappedRows, cols, 3, 3) and each sum goes to its place
     * in w; see {@link TransposedConvolution}.
     */
    void sum(WorkerPool pool, int batch, int partialSize, int swappedRows, CpuTensor dWeight, CpuTensor dBias) {
        this.batch = batch; this.partialSize = partialSize; this.swappedRows = swappedRows;
        this.dWeight = dWeight; this.dBias = dBias;
        pool.forEach((partialSize + CHUNK - 1) / CHUNK, this);
    }

    @Override public void run(int chunk, int worker) {
        int start = chunk * CHUNK, end = Math.min(partialSize, start + CHUNK);
        int weights = dWeight.size(), swappedCols = swappedRows == 0 ? 0 : weights / 9 / swappedRows;
        for (int i = start; i < end; i++) {
            float sum = 0f;
            for (int first = 0; first < batch; first += SAMPLES) {
                // a block's sum starts from zero and adds its samples in order, as a block's
                // partial buffer once accumulated them (0 + a sample's partial is that partial exactly)
                float block = 0f;
                for (int s = first, last = Math.min(batch, first + SAMPLES); s < last; s++) block += partials[s * partialSize + i];
                sum += block;
            }
            if (i >= weights) dBias.data[dBias.offset + i - weights] = sum;
            else if (swappedRows == 0) dWeight.data[dWeight.offset + i] = sum;
            else dWeight.data[dWeight.offset + TransposedConvolution.swappedIndex(i, swappedRows, swappedCols)] = sum;
        }
    }
}
