package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;

import static jcuda.jcublas.JCublas2.cublasSgemmStridedBatched;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

/**
 * Convolution as im2col + cuBLAS SGEMM, for machines without cuDNN ({@code --conv gemm}). Per sample,
 * with K = Cin * 9 and P = H * W, the column matrix col (K x P, our im2col3x3 kernel) gives
 * y (Cout x P) = W (Cout x K) col; dcol = W^T dy, folded back by col2im3x3; and the sample's weight
 * gradient dy col^T, summed over the samples ({@link GemmWorkspace}). cuBLAS is column-major, so each
 * row-major product is issued as its transpose.
 */
final class GemmConvolution implements Convolution {
    private final GemmWorkspace gemm;
    private final Kernels kernels;

    GemmConvolution(cublasHandle handle, Kernels kernels, DeviceMemory memory, CUstream stream, boolean tf32) {
        this.gemm = new GemmWorkspace(handle, memory, stream, tf32, "convolution");
        this.kernels = kernels;
    }

    private CUdeviceptr im2col(CudaTensor x) {
        CUdeviceptr col = gemm.columns(x.n(), x.c(), x.h(), x.w());
        kernels.im2col3x3(x, col);
        return col;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        int n = x.n(), k = x.c() * 9, p = x.h() * x.w(), cout = y.c();
        CUdeviceptr col = im2col(x);
        // column-major: y_s^T (P x Cout) = col_s^T (P x K) * W^T (K x Cout)
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_N, CUBLAS_OP_N, p, cout, k,
                gemm.one, col, p, (long) k * p, weight.ptr, k, 0, gemm.zero, y.ptr, p, (long) cout * p, n), "cublasSgemmStridedBatched(forward)");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        int n = x.n(), k = x.c() * 9, p = x.h() * x.w(), cout = dy.c();
        if (dWeight == null && dx == null) return;
        CUdeviceptr col = dWeight != null ? weightGradient(x, dy, dWeight) : gemm.columns(n, x.c(), x.h(), x.w());
        if (dx == null) return;
        // column-major: dcol_s^T (P x K) = dy_s^T (P x Cout) * W (Cout x K); the columns are free again
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_N, CUBLAS_OP_T, p, k, cout,
                gemm.one, dy.ptr, p, (long) cout * p, weight.ptr, k, 0, gemm.zero, col, p, (long) k * p, n),
                "cublasSgemmStridedBatched(input gradient)");
        kernels.col2im3x3(col, dx);
    }

    /** dWeight from x and dy; returns x's columns (im2col), which backward reuses as scratch. */
    CUdeviceptr weightGradient(CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        int n = x.n(), k = x.c() * 9, p = x.h() * x.w(), cout = dy.c();
        CUdeviceptr col = im2col(x);
        // weight gradient of sample s, column-major: dW_s^T (K x Cout) = col_s (K x P) * dy_s^T (P x Cout)
        CUdeviceptr parts = gemm.perSample(n, cout * k);
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_T, CUBLAS_OP_N, k, cout, p,
                gemm.one, col, p, (long) k * p, dy.ptr, p, (long) cout * p, gemm.zero, parts, k, (long) cout * k, n),
                "cublasSgemmStridedBatched(weight gradient)");
        gemm.sumOverSamples(parts, cout * k, n, dWeight.ptr, "weight gradient sum");
        return col;
    }

    @Override public String describe() { return "im2col + cuBLAS SGEMM, " + gemm.math(); }

    @Override public void close() {}
}
