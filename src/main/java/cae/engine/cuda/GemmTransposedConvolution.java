package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;

import static jcuda.jcublas.JCublas2.cublasSgemmStridedBatched;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

/**
 * The transposed convolution as im2col + cuBLAS SGEMM ({@code --conv gemm}): the mirror image of
 * {@link GemmConvolution}. With the weight read as a Cin x K matrix W (K = Cout * 9, which is the
 * (Cin, Cout, 3, 3) layout as it lies in memory) and, per sample, P = H * W columns over x's grid, the
 * stride-2 column matrix of a y-sized tensor (im2col3x3_s2) gives:
 * col = W^T x, folded into y by col2im3x3_s2; dcol = im2col3x3_s2(dy), then dx = W dcol and the sample's
 * weight gradient x dcol^T, summed over the samples ({@link GemmWorkspace}). cuBLAS is column-major,
 * so each row-major product is issued as its transpose.
 */
final class GemmTransposedConvolution implements Convolution {
    private final GemmWorkspace gemm;
    private final Kernels kernels;

    GemmTransposedConvolution(cublasHandle handle, Kernels kernels, DeviceMemory memory, CUstream stream, boolean tf32) {
        this.gemm = new GemmWorkspace(handle, memory, stream, tf32, "transposed convolution");
        this.kernels = kernels;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        int n = x.n(), cin = x.c(), p = x.h() * x.w(), cout = y.c(), k = cout * 9;
        CUdeviceptr col = gemm.columns(n, cout, x.h(), x.w());
        // column-major: col_s^T (P x K) = x_s^T (P x Cin) * W (Cin x K)
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_N, CUBLAS_OP_T, p, k, cin,
                gemm.one, x.ptr, p, (long) cin * p, weight.ptr, k, 0, gemm.zero, col, p, (long) k * p, n),
                "cublasSgemmStridedBatched(transposed forward)");
        kernels.col2im3x3Stride2(col, x, y);
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        int n = x.n(), cin = x.c(), p = x.h() * x.w(), cout = dy.c(), k = cout * 9;
        CUdeviceptr dcol = gemm.columns(n, cout, x.h(), x.w());
        kernels.im2col3x3Stride2(dy, x, dcol);
        // weight gradient of sample s, column-major: dW_s^T (K x Cin) = dcol_s (K x P) * x_s^T (P x Cin)
        CUdeviceptr parts = gemm.perSample(n, cin * k);
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_T, CUBLAS_OP_N, k, cin, p,
                gemm.one, dcol, p, (long) k * p, x.ptr, p, (long) cin * p, gemm.zero, parts, k, (long) cin * k, n),
                "cublasSgemmStridedBatched(transposed weight gradient)");
        gemm.sumOverSamples(parts, cin * k, n, dWeight.ptr, "transposed weight gradient sum");
        if (dx == null) return;
        // column-major: dx_s^T (P x Cin) = dcol_s^T (P x K) * W^T (K x Cin)
        Check.cublas(cublasSgemmStridedBatched(gemm.handle, CUBLAS_OP_N, CUBLAS_OP_N, p, cin, k,
                gemm.one, dcol, p, (long) k * p, weight.ptr, k, 0, gemm.zero, dx.ptr, p, (long) cin * p, n),
                "cublasSgemmStridedBatched(transposed input gradient)");
    }

    @Override public String describe() { return "transposed: stride-2 im2col + cuBLAS SGEMM, " + gemm.math(); }

    @Override public void close() {}
}
