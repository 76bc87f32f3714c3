package cae.engine.cpu;

/** The output sigmoid, one sample per task, in the form that stays finite for any input. */
final class Sigmoid implements WorkerPool.Task {
    private final WorkerPool pool;
    private CpuTensor x, y;

    Sigmoid(WorkerPool pool) { this.pool = pool; }

    static float of(float x) { return of(x, (float) Math.exp(-Math.abs(x))); }

    /** The sigmoid of x from e = exp(-|x|), which the cross-entropy's loss term needs too. */
    static float of(float x, float e) { return x >= 0 ? 1f / (1f + e) : e / (1f + e); }

    void run(CpuTensor x, CpuTensor y) {
        this.x = x; this.y = y;
        pool.forEach(x.dim(0), this);
    }

    @Override public void run(int s, int worker) {
        int per = x.size() / x.dim(0);
        for (int i = s * per; i < (s + 1) * per; i++) y.data[y.offset + i] = of(x.data[x.offset + i]);
    }
}
