package cae.engine.cpu;

/** The mean sigmoid cross-entropy of the logits against the target, and its gradient (sigmoid(x) - z) / count. */
final class CrossEntropy extends MeanLoss {
    CrossEntropy(WorkerPool pool) { super(pool); }

    @Override double sum(int start, int end, float perElement) {
        double sum = 0;
        for (int i = start; i < end; i++) {
            float x = prediction.data[prediction.offset + i], z = target.data[target.offset + i];
            double e = Math.exp(-Math.abs(x));
            sum += Math.max(x, 0f) - x * z + Math.log1p(e);
            grad.data[grad.offset + i] = (Sigmoid.of(x, (float) e) - z) * perElement;
        }
        return sum;
    }
}
