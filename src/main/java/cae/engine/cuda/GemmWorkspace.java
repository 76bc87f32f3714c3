package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;

import java.util.Locale;

import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.jcublas.JCublas2.cublasSgemv;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;

/**
 * What the two im2col + cuBLAS routes (the convolution and the transposed convolution) share: the
 * cuBLAS handle, the column buffer (refused where our kernels' int indexing could not address it), the
 * per-sample weight gradients, and their sum over the samples by one GEMV with a vector of ones, in a
 * fixed order.
 */
final class GemmWorkspace {
    final cublasHandle handle;
    final boolean tf32;
    final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
    private final CUstream stream;
    private final DeviceMemory.Scratch columns, perSample, ones;
    private int onesFilled;

    /** {@code what} names the route's buffers in out-of-memory messages. */
    GemmWorkspace(cublasHandle handle, DeviceMemory memory, CUstream stream, boolean tf32, String what) {
        this.handle = handle;
        this.tf32 = tf32;
        this.stream = stream;
        columns = memory.new Scratch("the " + what + "'s im2col columns");
        perSample = memory.new Scratch("the " + what + "'s per-sample weight gradients");
        ones = memory.new Scratch("a vector of ones");
    }

    /**
     * Why n samples' im2col columns (rows of {@code channels} x 9 taps, each h x w positions) cannot be
     * one array for our kernels, which index it with an int; null when they can. The columns are nine
     * times the activations, so a batch whose activations fit can still be too large here.
     */
    static String columnsProblem(int n, int channels, int h, int w) {
        long values = (long) n * channels * 9 * h * w;
        if (values <= Integer.MAX_VALUE) return null;
        return String.format(Locale.ROOT, "batch %d of %dx%d: the im2col columns of a %d-channel layer would hold %,d values, "
                + "more than the %,d our kernels index; use a smaller --batch, or cuDNN (--conv cudnn)", n, h, w, channels, values, Integer.MAX_VALUE);
    }

    /** Throws, naming the shape, where {@link #columnsProblem} has one. */
    static void requireColumnsFit(int n, int channels, int h, int w) {
        String problem = columnsProblem(n, channels, h, w);
        if (problem != null) throw new CudaException(problem);
    }

    /** The column buffer for n samples of {@code channels} x 9 rows of h x w, refused where it would be too large for our kernels. */
    CUdeviceptr columns(int n, int channels, int h, int w) {
        requireColumnsFit(n, channels, h, w);
        return columns.atLeast((long) n * channels * 9 * h * w * Float.BYTES);
    }

    /** Room for n per-sample weight gradients of {@code length} floats each. */
    CUdeviceptr perSample(int n, int length) { return perSample.atLeast((long) n * length * Float.BYTES); }

    /** out (length floats, overwritten) = the sum of the n per-sample gradients in {@code parts}, one GEMV with ones. */
    void sumOverSamples(CUdeviceptr parts, int length, int n, CUdeviceptr out, String what) {
        Check.cublas(cublasSgemv(handle, CUBLAS_OP_N, length, n, one, parts, length, ones(n), 1, zero, out, 1), "cublasSgemv(" + what + ")");
    }

    private CUdeviceptr ones(int n) {
        CUdeviceptr v = ones.atLeast((long) n * Float.BYTES);
        if (onesFilled < n) {
            Check.cu(cuMemsetD32Async(v, Float.floatToRawIntBits(1f), n, stream), "cuMemsetD32Async(ones)");
            onesFilled = n;
        }
        return v;
    }

    /** "TF32 allowed" or "strict FP32". */
    String math() { return tf32 ? "TF32 allowed" : "strict FP32"; }
}
