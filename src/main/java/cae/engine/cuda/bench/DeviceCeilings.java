package cae.engine.cuda.bench;

import cae.engine.Ceilings;
import cae.engine.cuda.Check;
import cae.engine.cuda.CudaEngine;
import cae.engine.cuda.DeviceLoan;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.jcublas.JCublas2.cublasSgemm;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;

/** The CUDA device's two ceilings for {@code bench --floor}, measured on it with the engine's stream and settings. */
public final class DeviceCeilings {
    private DeviceCeilings() {}

    /**
     * The copy ceiling: a 512 MiB device-to-device copy, counted as bytes read plus bytes written. The
     * matrix-product ceiling: a 4096^3 cuBLAS SGEMM on ones, strict FP32 or TF32 as the engine is set
     * (NaN when cuBLAS did not load). Each the median of 5 batches of 3 runs, timed with events after
     * one untimed run. Waits for the device; not inside a step.
     */
    public static Ceilings measure(CudaEngine engine) {
        try (DeviceLoan device = engine.lend("measuring the device's ceilings")) {
            long bytes = 512L << 20;
            CUdeviceptr source = device.allocate(bytes, "the copy ceiling's source");
            CUdeviceptr target = device.allocate(bytes, "the copy ceiling's target");
            Check.cu(cuMemsetD32Async(source, Float.floatToRawIntBits(1f), bytes / Float.BYTES, device.stream()), "cuMemsetD32Async");
            double copyMs = device.medianMillis(5, 3,
                    () -> Check.cu(cuMemcpyDtoDAsync(target, source, bytes, device.stream()), "cuMemcpyDtoDAsync"));
            double flopsPerSecond = Double.NaN;
            int n = 4096;  // A and B in the source buffer, C in the target: 64 MiB each
            if (device.cublas() != null) {
                CUdeviceptr a = source, b = source.withByteOffset((long) n * n * Float.BYTES);
                Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
                double gemmMs = device.medianMillis(5, 3, () -> Check.cublas(
                        cublasSgemm(device.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, one, a, n, b, n, zero, target, n), "cublasSgemm"));
                flopsPerSecond = 2.0 * n * n * n / (gemmMs / 1e3);
            }
            return new Ceilings(2.0 * bytes / (copyMs / 1e3), flopsPerSecond,
                    "512 MiB device-to-device copy; " + (device.cublas() == null ? "no cuBLAS, so no matrix product"
                            : "cuBLAS SGEMM " + n + "^3, " + (device.tf32() ? "TF32 tensor cores" : "strict FP32")) + "; measured with CUDA events");
        }
    }
}
