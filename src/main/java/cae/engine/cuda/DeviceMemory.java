package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

import java.util.IdentityHashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * Every device allocation of one engine: made outside the training step (tensors when the model is
 * built, scratch the first time a shape is seen), freed together on close. Running out of memory
 * says how much was asked for and how much is free.
 */
final class DeviceMemory implements AutoCloseable {
    private final Map<CUdeviceptr, Long> live = new IdentityHashMap<>();
    private final CUstream stream;
    private long liveBytes, peakBytes, allocations, frees;

    DeviceMemory(CUstream stream) { this.stream = stream; }

    CUdeviceptr allocate(long bytes, String what) {
        CUdeviceptr ptr = new CUdeviceptr();
        int status = cuMemAlloc(ptr, Math.max(bytes, 1));
        if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = new long[1], total = new long[1];
            cuMemGetInfo(free, total);
            throw new CudaException("out of GPU memory: " + what + " needs " + mib(bytes) + ", " + mib(free[0])
                    + " free of " + mib(total[0]) + " (try a smaller batch)");
        }
        Check.cu(status, "cuMemAlloc(" + bytes + " bytes for " + what + ")");
        live.put(ptr, bytes);
        liveBytes += bytes;
        peakBytes = Math.max(peakBytes, liveBytes);
        allocations++;
        return ptr;
    }

    void free(CUdeviceptr ptr) {
        Long bytes = live.remove(ptr);
        if (bytes == null) return;
        Check.cu(cuMemFree(ptr), "cuMemFree");
        liveBytes -= bytes;
        frees++;
    }

    /** Whether ptr is a buffer this holds (as allocate returned it, not a pointer into one). */
    boolean owns(CUdeviceptr ptr) { return live.containsKey(ptr); }

    /** How many buffers were allocated so far: a new number, the identity of the next allocation. */
    long allocations() { return allocations; }

    /** How many buffers were freed so far; a recorded CUDA graph may point at any of them. */
    long frees() { return frees; }

    /** The most bytes this engine held at once (its own buffers; not cuDNN's or cuBLAS's internal ones). */
    long peakBytes() { return peakBytes; }

    /** Sets the peak back to {@code peak} (or what is held now, if more): for buffers that were only borrowed. */
    void resetPeak(long peak) { peakBytes = Math.max(peak, liveBytes); }

    static String mib(long bytes) { return String.format("%.1f MiB", bytes / 1048576.0); }

    /**
     * A scratch buffer that grows to the largest size asked of it. It grows only when a new, larger
     * shape is first seen; the stream is drained first because queued work may still use the old one.
     */
    final class Scratch {
        private final String what;
        private CUdeviceptr ptr;
        private long bytes;

        Scratch(String what) { this.what = what; }

        CUdeviceptr atLeast(long needed) {
            if (needed > bytes || ptr == null) {
                if (ptr != null) {
                    Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
                    free(ptr);
                }
                ptr = allocate(needed, what);
                bytes = needed;
            }
            return ptr;
        }

        long bytes() { return bytes; }
    }

    @Override public void close() {
        for (CUdeviceptr ptr : live.keySet()) cuMemFree(ptr);
        live.clear();
        liveBytes = 0;
    }
}
