package cae.engine.cpu;

/** One Adam update over flat buffers (TensorFlow 1 form), in chunks of elements. */
final class AdamUpdate implements WorkerPool.Task {
    private static final int CHUNK = 4096;
    private final WorkerPool pool;
    private CpuTensor p, g, m, v;
    private float lrT, beta1, beta2, epsilon;

    AdamUpdate(WorkerPool pool) { this.pool = pool; }

    void run(CpuTensor params, CpuTensor grads, CpuTensor m, CpuTensor v, float lrT, float beta1, float beta2, float epsilon) {
        this.p = params; this.g = grads; this.m = m; this.v = v;
        this.lrT = lrT; this.beta1 = beta1; this.beta2 = beta2; this.epsilon = epsilon;
        pool.forEach((params.size() + CHUNK - 1) / CHUNK, this);
    }

    @Override public void run(int chunk, int worker) {
        int start = chunk * CHUNK, end = Math.min(p.size(), start + CHUNK);
        float[] pd = p.data, gd = g.data, md = m.data, vd = v.data;
        int po = p.offset, go = g.offset, mo = m.offset, vo = v.offset;
        for (int i = start; i < end; i++) {
            float grad = gd[go + i];
            float mi = beta1 * md[mo + i] + (1f - beta1) * grad;
            float vi = beta2 * vd[vo + i] + (1f - beta2) * grad * grad;
            md[mo + i] = mi;
            vd[vo + i] = vi;
            pd[po + i] -= lrT * mi / ((float) Math.sqrt(vi) + epsilon);
        }
    }
}
