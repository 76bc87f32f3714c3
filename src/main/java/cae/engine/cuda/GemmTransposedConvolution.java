package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.cublasHandle;

import static jcuda.jcublas.JCublas2.cublasSgemmStridedBatched;
import static jcuda.jcublas.JCublas2.cublasSgemv;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

/**
 * The transposed convolution as im2col + cuBLAS SGEMM ({@code --conv gemm}): the mirror image of
 * {@link GemmConvolution}. With the weight read as a Cin x K matrix W (K = Cout * 9, which is the
 * (Cin, Cout, 3, 3) layout as it lies in memory) and, per sample, P = H * W columns over x's grid, the
 * stride-2 column matrix of a y-sized tensor (im2col3x3_s2) gives:
 * col = W^T x, folded into y by col2im3x3_s2; dcol = im2col3x3_s2(dy), then dx = W dcol and the sample's
 * weight gradient x dcol^T, summed over samples by one GEMV in a fixed order. cuBLAS is column-major,
 * so each row-major product is issued as its transpose.
 */
final class GemmTransposedConvolution implements TransposedConvolution {
    private final cublasHandle handle;
    private final Kernels kernels;
    private final DeviceMemory.Scratch columns, partials, ones;
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
    private final boolean tf32;
    private int onesFilled;

    GemmTransposedConvolution(cublasHandle handle, Kernels kernels, DeviceMemory memory, boolean tf32) {
        this.handle = handle;
        this.kernels = kernels;
        this.tf32 = tf32;
        columns = memory.new Scratch("the stride-2 im2col columns");
        partials = memory.new Scratch("the per-sample transposed-convolution weight gradients");
        ones = memory.new Scratch("a vector of ones");
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        int n = x.n(), cin = x.c(), h = x.h(), w = x.w(), p = h * w, cout = y.c(), k = cout * 9;
        GemmConvolution.requireColumnsFit(n, cout, h, w);
        CUdeviceptr col = columns.atLeast((long) n * k * p * Float.BYTES);
        // column-major: col_s^T (P x K) = x_s^T (P x Cin) * W (Cin x K)
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_T, p, k, cin,
                one, x.ptr, p, (long) cin * p, weight.ptr, k, 0, zero, col, p, (long) k * p, n),
                "cublasSgemmStridedBatched(transposed forward)");
        kernels.launch("col2im3x3_s2", Kernels.blocksFor((long) n * cout * y.h() * y.w()),
                Kernels.arg(col), Kernels.arg(y.ptr), Kernels.arg(n), Kernels.arg(cout),
                Kernels.arg(h), Kernels.arg(w), Kernels.arg(y.h()), Kernels.arg(y.w()));
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        int n = x.n(), cin = x.c(), h = x.h(), w = x.w(), p = h * w, cout = dy.c(), k = cout * 9;
        GemmConvolution.requireColumnsFit(n, cout, h, w);
        CUdeviceptr dcol = columns.atLeast((long) n * k * p * Float.BYTES);
        kernels.launch("im2col3x3_s2", Kernels.blocksFor((long) n * k * p),
                Kernels.arg(dy.ptr), Kernels.arg(dcol), Kernels.arg(n), Kernels.arg(cout),
                Kernels.arg(h), Kernels.arg(w), Kernels.arg(dy.h()), Kernels.arg(dy.w()));
        // weight gradient of sample s, column-major: dW_s^T (K x Cin) = dcol_s (K x P) * x_s^T (P x Cin)
        CUdeviceptr parts = partials.atLeast((long) n * cin * k * Float.BYTES);
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_T, CUBLAS_OP_N, k, cin, p,
                one, dcol, p, (long) k * p, x.ptr, p, (long) cin * p, zero, parts, k, (long) cin * k, n),
                "cublasSgemmStridedBatched(transposed weight gradient)");
        Check.cublas(cublasSgemv(handle, CUBLAS_OP_N, cin * k, n, one, parts, cin * k, ones(n), 1, zero, dWeight.ptr, 1),
                "cublasSgemv(transposed weight gradient sum)");
        if (dx == null) return;
        // column-major: dx_s^T (P x Cin) = dcol_s^T (P x K) * W^T (K x Cin)
        Check.cublas(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_N, p, cin, k,
                one, dcol, p, (long) k * p, weight.ptr, k, 0, zero, dx.ptr, p, (long) cin * p, n),
                "cublasSgemmStridedBatched(transposed input gradient)");
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
        return "transposed: stride-2 im2col + cuBLAS SGEMM, " + (tf32 ? "TF32 allowed" : "strict FP32");
    }

    @Override public void close() {}
}
