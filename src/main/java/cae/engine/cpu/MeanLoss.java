package cae.engine.cpu;

/**
 * A loss averaged over every element and its gradient, one sample per task: each sample's sum in
 * double goes to its own slot and the slots are added in sample order, so the result does not depend
 * on the thread count. Subclasses say what one sample sums and writes.
 */
abstract class MeanLoss implements WorkerPool.Task {
    private final WorkerPool pool;
    private double[] sampleSums = new double[0];
    CpuTensor prediction, target, grad;

    MeanLoss(WorkerPool pool) { this.pool = pool; }

    /** The mean loss, written to losses[slot], with each element's gradient written into grad. */
    final void run(CpuTensor prediction, CpuTensor target, CpuTensor grad, CpuTensor losses, int slot) {
        int samples = prediction.dim(0);
        if (sampleSums.length < samples) sampleSums = new double[samples];
        this.prediction = prediction; this.target = target; this.grad = grad;
        pool.forEach(samples, this);
        double sum = 0;
        for (int s = 0; s < samples; s++) sum += sampleSums[s];
        losses.data[losses.offset + slot] = (float) (sum / prediction.size());
    }

    @Override public final void run(int s, int worker) {
        int per = prediction.size() / prediction.dim(0);
        sampleSums[s] = sum(s * per, (s + 1) * per, 1f / prediction.size());
    }

    /** The loss summed over elements [start, end), writing their gradients; {@code perElement} is 1 / the element count. */
    abstract double sum(int start, int end, float perElement);
}
