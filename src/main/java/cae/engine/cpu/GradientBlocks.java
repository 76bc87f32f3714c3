package cae.engine.cpu;

import java.util.Arrays;

/**
 * A weighted layer's backward pass over a batch, with its weight and bias gradients reduced in a
 * fixed order so that the result does not depend on the thread count: one task per sample (so that
 * any thread count gets an even share of a batch) masks the sample's gradient by the ReLU and runs
 * the layer's per-sample body, which adds the sample's gradients into a partial buffer of its own;
 * then, in parallel over gradient elements, each block of {@link #SAMPLES} consecutive samples'
 * partials are summed in sample order and the blocks' sums in block order. A partial buffer holds
 * the weight gradient followed by the bias gradient.
 */
final class GradientBlocks implements WorkerPool.Task {
    /**
     * Samples per block of the fixed-order reduction (docs/SPEC.md §7): a block's samples are summed
     * in order, then the blocks in order. Changing it changes the last bits of every training run.
     */
    static final int SAMPLES = 5;
    /** Gradient elements per summing task. */
    private static final int CHUNK = 1024;

    /** One sample's share of a layer's backward pass, after the ReLU mask. */
    interface SampleBody {
        /**
         * Sample s's input gradient, where the layer wants one, and its weight and bias gradients
         * added into partials from {@code partial} (the weights, then the biases), with {@code worker}'s scratch.
         */
        void run(int s, int worker, float[] partials, int partial);
    }

    private final Samples samples = new Samples();
    private float[] partials = new float[0];
    /** Each worker's running sums for one chunk: the whole batch's, and the current block's. */
    private final float[][] sums, blocks;
    private int batch, partialSize, swappedRows;
    private CpuTensor dWeight, dBias;

    /** For a pool of {@code threads} workers. */
    GradientBlocks(int threads) {
        sums = new float[threads][CHUNK];
        blocks = new float[threads][CHUNK];
    }

    /**
     * The backward pass of a layer with output y (batch first) and gradient dy, which is masked in
     * place where {@code relu}: {@code body} per sample, then dWeight and dBias overwritten with the
     * batch's sums. With {@code swappedRows} > 0 the body's weight gradient is a transposed
     * convolution's w' (swappedRows, cols, 3, 3) and each sum goes to its place in w; see
     * {@link TransposedConvolution}.
     */
    void backward(WorkerPool pool, boolean vectors, CpuTensor y, CpuTensor dy, boolean relu, SampleBody body,
                  int swappedRows, CpuTensor dWeight, CpuTensor dBias) {
        int batch = dy.n(), partialSize = dWeight.size() + dBias.size();
        if (partials.length < batch * partialSize) partials = new float[batch * partialSize];
        Samples task = samples;
        task.vectors = vectors; task.y = relu ? y : null; task.dy = dy; task.body = body; task.partialSize = partialSize;
        pool.forEach(batch, task);
        task.y = null; task.dy = null; task.body = null;
        this.batch = batch; this.partialSize = partialSize; this.swappedRows = swappedRows;
        this.dWeight = dWeight; this.dBias = dBias;
        pool.forEach((partialSize + CHUNK - 1) / CHUNK, this);
    }

    private final class Samples implements WorkerPool.Task {
        boolean vectors; CpuTensor y, dy; SampleBody body; int partialSize;

        @Override public void run(int s, int worker) {
            int start = s * partialSize, length = dy.size() / dy.n();
            Arrays.fill(partials, start, start + partialSize, 0f);
            if (y != null) Relu.mask(vectors, y.data, y.offset + s * length, dy.data, dy.offset + s * length, length);
            body.run(s, worker, partials, start);
        }
    }

    /** Sums chunk {@code chunk} of the partials' elements in the fixed order. */
    @Override public void run(int chunk, int worker) {
        int start = chunk * CHUNK, end = Math.min(partialSize, start + CHUNK), n = end - start;
        int weights = dWeight.size(), swappedCols = swappedRows == 0 ? 0 : weights / 9 / swappedRows;
        float[] sum = sums[worker], block = blocks[worker];
        Arrays.fill(sum, 0, n, 0f);
        // element-wise over the chunk (loops the JIT vectorises); each element's order is the rule above
        for (int first = 0; first < batch; first += SAMPLES) {
            // a block's sum starts from zero and adds its samples in order, as a block's
            // partial buffer once accumulated them (0 + a sample's partial is that partial exactly)
            Arrays.fill(block, 0, n, 0f);
            for (int s = first, last = Math.min(batch, first + SAMPLES); s < last; s++) {
                int from = s * partialSize + start;
                for (int i = 0; i < n; i++) block[i] += partials[from + i];
            }
            for (int i = 0; i < n; i++) sum[i] += block[i];
        }
        for (int j = 0; j < n; j++) {
            int i = start + j;
            if (i >= weights) dBias.data[dBias.offset + i - weights] = sum[j];
            else if (swappedRows == 0) dWeight.data[dWeight.offset + i] = sum[j];
            else dWeight.data[dWeight.offset + TransposedConvolution.swappedIndex(i, swappedRows, swappedCols)] = sum[j];
        }
    }
}
