package cae.engine.cpu;

/** The mean squared error of a prediction against the target, and its gradient 2 (p - t) / count. */
final class SquaredError extends MeanLoss {
    SquaredError(WorkerPool pool) { super(pool); }

    @Override double sum(int start, int end, float perElement) {
        float scale = 2f * perElement;
        double sum = 0;
        for (int i = start; i < end; i++) {
            float d = prediction.data[prediction.offset + i] - target.data[target.offset + i];
            sum += (double) d * d;
            grad.data[grad.offset + i] = d * scale;
        }
        return sum;
    }
}
