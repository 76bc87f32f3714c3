package cae.engine.cpu;

/** out = a + b or a - b, element by element, in chunks. */
final class Elementwise implements WorkerPool.Task {
    private static final int CHUNK = 16384;
    private final WorkerPool pool;
    private CpuTensor a, b, out;
    private boolean subtract;

    Elementwise(WorkerPool pool) { this.pool = pool; }

    void run(CpuTensor a, CpuTensor b, CpuTensor out, boolean subtract) {
        this.a = a; this.b = b; this.out = out; this.subtract = subtract;
        pool.forEach((a.size() + CHUNK - 1) / CHUNK, this);
    }

    @Override public void run(int chunk, int worker) {
        int start = chunk * CHUNK, end = Math.min(a.size(), start + CHUNK);
        float[] ad = a.data, bd = b.data, od = out.data;
        int ao = a.offset, bo = b.offset, oo = out.offset;
        if (subtract) for (int i = start; i < end; i++) od[oo + i] = ad[ao + i] - bd[bo + i];
        else for (int i = start; i < end; i++) od[oo + i] = ad[ao + i] + bd[bo + i];
    }
}
