package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.cudnnHandle;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine's device lent to a measurement outside a training step (the bench's ceilings and layout
 * probe, package cae.engine.cuda.bench): its stream and library handles, buffers, and its way of timing
 * work. The buffers are freed when the loan is closed, and left out of the engine's peak memory;
 * freeing them drops any recorded step graph, which is captured again on the next step.
 */
public final class DeviceLoan implements AutoCloseable {
    private final DeviceMemory memory;
    private final CUstream stream;
    private final cudnnHandle cudnn;
    private final cublasHandle cublas;
    private final boolean tf32, graphs;
    private final long peak;
    private final List<CUdeviceptr> buffers = new ArrayList<>();

    DeviceLoan(DeviceMemory memory, CUstream stream, cudnnHandle cudnn, cublasHandle cublas, boolean tf32, boolean graphs) {
        this.memory = memory;
        this.stream = stream;
        this.cudnn = cudnn;
        this.cublas = cublas;
        this.tf32 = tf32;
        this.graphs = graphs;
        this.peak = memory.peakBytes();
    }

    public CUstream stream() { return stream; }

    /** cuDNN's handle, or null where the engine runs without cuDNN (--conv gemm). */
    public cudnnHandle cudnn() { return cudnn; }

    /** cuBLAS's handle, or null where cuBLAS did not load. */
    public cublasHandle cublas() { return cublas; }

    /** Whether the engine lets cuDNN and cuBLAS use TF32 tensor cores. */
    public boolean tf32() { return tf32; }

    /** A device buffer of {@code bytes}, freed when the loan closes. */
    public CUdeviceptr allocate(long bytes, String what) {
        CUdeviceptr ptr = memory.allocate(bytes, what);
        buffers.add(ptr);
        return ptr;
    }

    /** Frees a buffer of {@link #allocate} before the loan closes. */
    public void free(CUdeviceptr ptr) {
        if (buffers.remove(ptr)) memory.free(ptr);
    }

    /** Milliseconds per run of {@code work} queued on the stream: the median of {@code batches} batches of {@code runs} runs, after one untimed run. */
    public double medianMillis(int batches, int runs, Runnable work) { return EventTimer.medianMillis(stream, batches, runs, work); }

    /** Milliseconds per run of {@code work}, timed as the engine times its own choices (in a CUDA graph where it replays graphs). */
    public double choiceMillis(Runnable work) { return EventTimer.choiceMillis(stream, graphs, work); }

    @Override public void close() {
        for (CUdeviceptr ptr : buffers) memory.free(ptr);
        buffers.clear();
        memory.resetPeak(peak);
    }
}
