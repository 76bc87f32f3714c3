package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.cublasHandle;

import static jcuda.jcublas.JCublas2.cublasSgemmStridedBatched;
import static jcuda.jcublas.JCublas2.cublasSgemv;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

/**
 * Convolution as im2col + cuBLAS SGEMM, for machines without cuDNN ({@code --conv gemm}). Per sample,
 * with K = Cin * 9 and P = H * W, the column matrix col (K x P, our im2col3x3 kernel) gives
 * y (Cout x P) = W (Cout x K) col; dcol = W^T dy, folded back by col2im3x3; and the sample's weight
 * gradient dy col^T. The per-sample weight gradients are summed by one GEMV with a ones vector, in
 * a fixed order. cuBLAS is column-major, so each row-major product is issued as its transpose.
 */
final class GemmConvolution implements Convolution {
    private final cublasHandle handle;
    private final Kernels kernels;
    private final DeviceMemory.Scratch columns, partials, ones;
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
    private final boolean tf32;
    private int onesFilled;

    GemmConvolution(cublasHandle handle, Kernels kernels, DeviceMemory memory, boolean tf32) {
        this.handle = handle;
        this.kernels = kernels;
        this.tf32 = tf32;
        columns = memory.new Scratch("the im2col columns");
        partials = memory.new Scratch("the per-sample weight gradients");
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
        return String.format(java.util.Locale.ROOT, "batch %d of %dx%d: the im2col columns of a %d-channel layer would hold %,d values, "
                + "more than the %,d our kernels index; use a smaller --batch, or cuDNN (--conv cudnn)", n, h, w, channels, values, Integer.MAX_VALUE);
    }

    /** Throws, naming the shape, where {@link #columnsProblem} has one. */
    static void requireColumnsFit(int n, int channels, int h, int w) {
        String problem = columnsProblem(n, channels, h, w);
        if (problem != null) throw new CudaException(problem);
    }

    /** The column buffer for x's shape, refused where it would be too large for our kernels. */
    private CUdeviceptr columnsFor(int n, int cin, int h, int w) {
        requireColumnsFit(n, cin, h, w);
        return columns.atLeast((long) n * cin * 9 * h * w * Float.BYTES);
    }

    private CUdeviceptr im2col(CudaTensor x) {
        int n = x.n(), cin = x.c(), h = x.h(), w = x.w();
        CUdeviceptr col = columnsFor(n, cin, h, w);
        kernels.launch("im2col3x3", Kernels.blocksFor((long) n * cin * 9 * h * w),
                Kernels.arg(x.ptr), Kernels.arg(col), Kernels.arg(n), Kernels.arg(cin), Kernels.arg(h), Kernels.arg(w));
        return col;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        int n = x.n(), k = x.c() * 9, p = x.h() * x.w(), cout = y.c();
        CUdeviceptr col = im2col(x);
        // column-major: y_s^T (P x Cout) = col_s^T (P x K) * W^T (K x Cout)
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_N, p, cout, k,
                one, col, p, (long) k * p, weight.ptr, k, 0, zero, y.ptr, p, (long) cout * p, n), "cublasSgemmStridedBatched(forward)");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        int n = x.n(), cin = x.c(), k = cin * 9, h = x.h(), w = x.w(), p = h * w, cout = dy.c();
        if (dWeight == null && dx == null) return;
        CUdeviceptr col = dWeight != null ? weightGradient(x, dy, dWeight) : columnsFor(n, cin, h, w);
        if (dx == null) return;
        // column-major: dcol_s^T (P x K) = dy_s^T (P x Cout) * W (Cout x K); the columns are free again
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_T, p, k, cout,
                one, dy.ptr, p, (long) cout * p, weight.ptr, k, 0, zero, col, p, (long) k * p, n),
                "cublasSgemmStridedBatched(input gradient)");
        kernels.launch("col2im3x3", Kernels.blocksFor((long) n * cin * p),
                Kernels.arg(col), Kernels.arg(dx.ptr), Kernels.arg(n), Kernels.arg(cin), Kernels.arg(h), Kernels.arg(w));
    }

    /** dWeight from x and dy; returns x's columns (im2col), which backward reuses as scratch. */
    CUdeviceptr weightGradient(CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        int n = x.n(), k = x.c() * 9, p = x.h() * x.w(), cout = dy.c();
        CUdeviceptr col = im2col(x);
        // weight gradient of sample s, column-major: dW_s^T (K x Cout) = col_s (K x P) * dy_s^T (P x Cout)
        CUdeviceptr parts = partials.atLeast((long) n * cout * k * Float.BYTES);
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_T, CUBLAS_OP_N, k, cout, p,
                one, col, p, (long) k * p, dy.ptr, p, (long) cout * p, zero, parts, k, (long) cout * k, n),
                "cublasSgemmStridedBatched(weight gradient)");
        Check.cublas(cublasSgemv(handle, CUBLAS_OP_N, cout * k, n, one, parts, cout * k, ones(n), 1, zero, dWeight.ptr, 1),
                "cublasSgemv(weight gradient sum)");
        return col;
    }

    private CUdeviceptr ones(int n) {
        CUdeviceptr v = ones.atLeast((long) n * Float.BYTES);
        if (onesFilled < n) {
            Check.cu(jcuda.driver.JCudaDriver.cuMemsetD32Async(v, Float.floatToRawIntBits(1f), n, kernels.stream()),
                    "cuMemsetD32Async(ones)");
            onesFilled = n;
        }
        return v;
    }

    @Override public String describe() {
        return "im2col + cuBLAS SGEMM, " + (tf32 ? "TF32 allowed" : "strict FP32");
    }

    @Override public void close() {}
}
