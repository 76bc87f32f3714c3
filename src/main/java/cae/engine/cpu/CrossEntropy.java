package cae.engine.cpu;

/**
 * The mean sigmoid cross-entropy and its gradient, one sample per task: each sample's loss is summed
 * in double into its own slot, and the slots are added in sample order, so the result does not
 * depend on the thread count.
 */
final class CrossEntropy implements WorkerPool.Task {
    private final WorkerPool pool;
    private double[] sampleLosses = new double[0];
    private CpuTensor logits, target, grad;
    private float scale;

    CrossEntropy(WorkerPool pool) { this.pool = pool; }

    /** The mean loss, written to losses[slot]; the gradient (sigmoid(x) - z) / count into grad. */
    void run(CpuTensor logits, CpuTensor target, CpuTensor grad, CpuTensor losses, int slot) {
        int samples = logits.dim(0);
        if (sampleLosses.length < samples) sampleLosses = new double[samples];
        this.logits = logits; this.target = target; this.grad = grad;
        scale = 1f / logits.size();
        pool.forEach(samples, this);
        double sum = 0;
        for (int s = 0; s < samples; s++) sum += sampleLosses[s];
        losses.data[losses.offset + slot] = (float) (sum / logits.size());
    }

    @Override public void run(int s, int worker) {
        int per = logits.size() / logits.dim(0);
        double sum = 0;
        for (int i = s * per; i < (s + 1) * per; i++) {
            float x = logits.data[logits.offset + i], z = target.data[target.offset + i];
            sum += Math.max(x, 0f) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
            grad.data[grad.offset + i] = (Sigmoid.of(x) - z) * scale;
        }
        sampleLosses[s] = sum;
    }
}
