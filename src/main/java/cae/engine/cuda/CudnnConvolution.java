package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcudnn.cudnnActivationDescriptor;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.HashMap;
import java.util.Map;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnActivationMode.CUDNN_ACTIVATION_RELU;
import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnNanPropagation.CUDNN_NOT_PROPAGATE_NAN;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * Convolution through cuDNN. For each shape (batch, channels in and out, height, width) the algorithms
 * are chosen once ({@link CudnnAlgorithms}: measured by cuDNN's Find, deterministic ones first) and
 * cached with their descriptors; the workspace is one buffer sized for the largest choice. Strict FP32
 * sets FMA math (no TF32 tensor cores); with tf32 on, tensor-op math is allowed.
 */
final class CudnnConvolution implements Convolution {
    private final cudnnHandle handle;
    private final boolean tf32;
    private final DeviceMemory.Scratch workspace;
    private final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
    /**
     * ReLU for cudnnConvolutionBiasActivationForward, with NaN not propagated: the setting that call is
     * known to take (ReLU of NaN is then 0 there, where our bias_relu_forward keeps NaN; only a run
     * that has already diverged sees the difference).
     */
    private final cudnnActivationDescriptor relu = new cudnnActivationDescriptor();
    private final Map<Shape, Plan> plans = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
    private final GemmConvolution gemm;
    private final CUstream stream;
    private final boolean graphs;

    private record Shape(int n, int cin, int cout, int h, int w) {}

    /** Descriptors and algorithm choices for one shape. */
    private static final class Plan {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor(), y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        /** (1, cout, 1, 1), made the first time the fused forward is asked for. */
        cudnnTensorDescriptor bias;
        /** Why cudnnConvolutionBiasActivationForward failed on this shape, or null. */
        String fusedBiasReluFailure;
        CudnnAlgorithms.Choice forward, backwardData, backwardFilter;
        /** Null until the first backward pass measures both; then whether im2col + cuBLAS computes dW. */
        Boolean weightGradientByGemm;
        String weightGradientTiming = "not measured";
    }

    /**
     * {@code gemm} (null without cuBLAS) is the other way to compute weight gradients: for each shape
     * both are timed on {@code stream} the first time, in a CUDA graph when the engine replays graphs
     * ({@code graphs}), and the faster is kept.
     */
    CudnnConvolution(cudnnHandle handle, DeviceMemory memory, boolean tf32, GemmConvolution gemm, CUstream stream, boolean graphs) {
        this.handle = handle;
        this.tf32 = tf32;
        this.gemm = gemm;
        this.stream = stream;
        this.graphs = graphs;
        this.workspace = memory.new Scratch("the cuDNN convolution workspace");
        Check.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
        Check.cudnn(cudnnSetConvolution2dDescriptor(conv, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor");
        Check.cudnn(cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
        Check.cudnn(cudnnCreateActivationDescriptor(relu), "cudnnCreateActivationDescriptor");
        Check.cudnn(cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0), "cudnnSetActivationDescriptor");
    }

    private Plan plan(CudaTensor x, CudaTensor y) {
        Shape shape = new Shape(x.n(), x.c(), y.c(), x.h(), x.w());
        Plan p = plans.get(shape);
        if (p == null) {
            p = choose(shape);
            plans.put(shape, p);
        }
        return p;
    }

    private Plan choose(Shape s) {
        Plan p = new Plan();
        Check.cudnn(cudnnCreateTensorDescriptor(p.x), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateTensorDescriptor(p.y), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateFilterDescriptor(p.w), "cudnnCreateFilterDescriptor");
        Check.cudnn(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.cin, s.h, s.w), "cudnnSetTensor4dDescriptor(x)");
        Check.cudnn(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.cout, s.h, s.w), "cudnnSetTensor4dDescriptor(y)");
        Check.cudnn(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.cout, s.cin, 3, 3), "cudnnSetFilter4dDescriptor");
        String what = "the convolution " + s;
        p.forward = CudnnAlgorithms.forward(handle, p.x, p.w, conv, p.y, tf32, what + " (forward)");
        p.backwardData = CudnnAlgorithms.backwardData(handle, p.w, p.y, conv, p.x, tf32, what + " (backward data)");
        p.backwardFilter = CudnnAlgorithms.backwardFilter(handle, p.x, p.y, conv, p.w, tf32, what + " (backward filter)");
        workspace.atLeast(Math.max(p.forward.workspaceBytes(), Math.max(p.backwardData.workspaceBytes(), p.backwardFilter.workspaceBytes())));
        return p;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        Plan p = plan(x, y);
        Check.cudnn(cudnnConvolutionForward(handle, one, p.x, x.ptr, p.w, weight.ptr, conv, p.forward.algo(),
                workspace.atLeast(p.forward.workspaceBytes()), workspace.bytes(), zero, p.y, y.ptr), "cudnnConvolutionForward");
    }

    /** True until cuDNN has refused the fused call for this shape. */
    @Override public boolean hasFusedBiasRelu(CudaTensor x, CudaTensor y) {
        Plan p = plans.get(new Shape(x.n(), x.c(), y.c(), x.h(), x.w()));
        return p == null || p.fusedBiasReluFailure == null;
    }

    /**
     * cudnnConvolutionBiasActivationForward with the shape's forward algorithm: y = ReLU(1 * conv(x) +
     * 0 * y + bias). "Not supported" (cuDNN may not offer the fused call with that algorithm) is kept
     * for {@link #describe} and the shape goes back to the two-step way for good; any other failure is
     * an error, as for every cuDNN call.
     */
    @Override public boolean forwardBiasRelu(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y) {
        Plan p = plan(x, y);
        if (p.fusedBiasReluFailure != null) return false;
        if (p.bias == null) {
            p.bias = new cudnnTensorDescriptor();
            Check.cudnn(cudnnCreateTensorDescriptor(p.bias), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnSetTensor4dDescriptor(p.bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, y.c(), 1, 1), "cudnnSetTensor4dDescriptor(bias)");
        }
        int status = cudnnConvolutionBiasActivationForward(handle, one, p.x, x.ptr, p.w, weight.ptr, conv, p.forward.algo(),
                workspace.atLeast(p.forward.workspaceBytes()), workspace.bytes(), zero, p.y, y.ptr, p.bias, bias.ptr, relu, p.y, y.ptr);
        if (status == 0) return true;
        if (!notSupported(status)) Check.cudnn(status, "cudnnConvolutionBiasActivationForward");
        p.fusedBiasReluFailure = cudnnGetErrorString(status) + " (" + status + ")";
        return false;
    }

    /** CUDNN_STATUS_NOT_SUPPORTED: 9 in cuDNN 8; 3000 and its sub-codes (3001, ...) in cuDNN 9. */
    static boolean notSupported(int status) {
        return status == 9 || (status >= 3000 && status < 4000);
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        Plan p = plan(x, dy);
        if (dx != null)
            Check.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, weight.ptr, p.y, dy.ptr, conv, p.backwardData.algo(),
                    workspace.atLeast(p.backwardData.workspaceBytes()), workspace.bytes(), zero, p.x, dx.ptr), "cudnnConvolutionBackwardData");
        if (dWeight == null) return;
        if (p.weightGradientByGemm == null) p.weightGradientByGemm = gemmIsFaster(p, x, dy, dWeight);
        if (p.weightGradientByGemm) gemm.weightGradient(x, dy, dWeight);
        else cudnnWeightGradient(p, x, dy, dWeight);
    }

    private void cudnnWeightGradient(Plan p, CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        Check.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.x, x.ptr, p.y, dy.ptr, conv, p.backwardFilter.algo(),
                workspace.atLeast(p.backwardFilter.workspaceBytes()), workspace.bytes(), zero, p.w, dWeight.ptr), "cudnnConvolutionBackwardFilter");
    }

    /**
     * Times cuDNN's chosen weight-gradient algorithm against im2col + cuBLAS on this shape's real
     * tensors (dWeight is overwritten by both, and again by the caller). Both are deterministic; the
     * weight gradient is where cuDNN's deterministic algorithms were slowest on an H200.
     */
    private boolean gemmIsFaster(Plan p, CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        if (gemm == null) {
            p.weightGradientTiming = "cuDNN (no cuBLAS to compare with)";
            return false;
        }
        String tooLarge = GemmConvolution.columnsProblem(x.n(), x.c(), x.h(), x.w());
        if (tooLarge != null) {
            p.weightGradientTiming = "cuDNN (im2col + cuBLAS not timed: " + tooLarge + ")";
            return false;
        }
        double cudnnMs = EventTimer.choiceMillis(stream, graphs, () -> cudnnWeightGradient(p, x, dy, dWeight));
        double gemmMs = EventTimer.choiceMillis(stream, graphs, () -> gemm.weightGradient(x, dy, dWeight));
        p.weightGradientTiming = String.format(java.util.Locale.ROOT, "cuDNN %.1f us, im2col + cuBLAS %.1f us", cudnnMs * 1000, gemmMs * 1000);
        return gemmMs < cudnnMs;
    }

    @Override public String describe() {
        StringBuilder sb = new StringBuilder("cuDNN, ").append(tf32 ? "TF32 allowed" : "strict FP32 (FMA math)");
        plans.forEach((s, p) -> sb.append("; batch ").append(s.n).append(' ').append(s.cin).append("->").append(s.cout).append(' ').append(s.h).append('x').append(s.w)
                .append(": fwd ").append(p.forward).append(", bwd data ").append(p.backwardData).append(", bwd filter ")
                .append(Boolean.TRUE.equals(p.weightGradientByGemm) ? "im2col + cuBLAS" : p.backwardFilter.toString())
                .append(" [").append(p.weightGradientTiming).append(']')
                .append(p.fusedBiasReluFailure == null ? "" : ", fused bias + ReLU forward failed: " + p.fusedBiasReluFailure));
        return sb.toString();
    }

    @Override public void close() {
        for (Plan p : plans.values()) {
            cudnnDestroyTensorDescriptor(p.x);
            cudnnDestroyTensorDescriptor(p.y);
            cudnnDestroyFilterDescriptor(p.w);
            if (p.bias != null) cudnnDestroyTensorDescriptor(p.bias);
        }
        plans.clear();
        cudnnDestroyConvolutionDescriptor(conv);
        cudnnDestroyActivationDescriptor(relu);
    }
}
