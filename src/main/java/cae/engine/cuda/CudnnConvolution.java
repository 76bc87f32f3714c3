package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcudnn.cudnnActivationDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnActivationMode.CUDNN_ACTIVATION_RELU;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnNanPropagation.CUDNN_NOT_PROPAGATE_NAN;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * Convolution through cuDNN: the forward pass is cuDNN's forward of the plan from x to y
 * ({@link CudnnPlans}), dx its backward data and dW its backward filter, or im2col + cuBLAS where that
 * timed faster for the shape.
 */
final class CudnnConvolution implements Convolution {
    private final CudnnPlans plans;
    /**
     * ReLU for cudnnConvolutionBiasActivationForward, with NaN not propagated: the setting that call is
     * known to take (ReLU of NaN is then 0 there, where our bias_relu_forward keeps NaN; only a run
     * that has already diverged sees the difference).
     */
    private final cudnnActivationDescriptor relu = new cudnnActivationDescriptor();
    /** What this route adds to a shape's plan, by plan. */
    private final Map<CudnnPlans.Plan, Extras> extras = new IdentityHashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
    private final GemmConvolution gemm;
    private final CUstream stream;
    private final boolean graphs;

    private static final class Extras {
        /** (1, cout, 1, 1), made the first time the fused forward is asked for. */
        cudnnTensorDescriptor bias;
        /** Why cudnnConvolutionBiasActivationForward failed on this shape, or null. */
        String fusedBiasReluFailure;
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
        this.gemm = gemm;
        this.stream = stream;
        this.graphs = graphs;
        this.plans = new CudnnPlans(handle, memory, tf32, 1, "convolution");
        Check.cudnn(cudnnCreateActivationDescriptor(relu), "cudnnCreateActivationDescriptor");
        Check.cudnn(cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0), "cudnnSetActivationDescriptor");
    }

    private CudnnPlans.Plan plan(CudaTensor x, CudaTensor y) {
        CudnnPlans.Plan p = plans.plan(x, y, "the convolution");
        extras.computeIfAbsent(p, k -> new Extras());
        return p;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        plans.forward(plan(x, y), x.ptr, weight.ptr, y.ptr, "cudnnConvolutionForward");
    }

    /** True until cuDNN has refused the fused call for this shape. */
    @Override public boolean hasFusedBiasRelu(CudaTensor x, CudaTensor y) {
        CudnnPlans.Plan p = plans.planned(x, y);
        return p == null || extras.get(p).fusedBiasReluFailure == null;
    }

    /**
     * cudnnConvolutionBiasActivationForward with the shape's forward algorithm: y = ReLU(1 * conv(x) +
     * 0 * y + bias). "Not supported" (cuDNN may not offer the fused call with that algorithm) is kept
     * for {@link #describe} and the shape goes back to the two-step way for good; any other failure is
     * an error, as for every cuDNN call.
     */
    @Override public boolean forwardBiasRelu(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y) {
        CudnnPlans.Plan p = plan(x, y);
        Extras e = extras.get(p);
        if (e.fusedBiasReluFailure != null) return false;
        if (e.bias == null) {
            e.bias = new cudnnTensorDescriptor();
            Check.cudnn(cudnnCreateTensorDescriptor(e.bias), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnSetTensor4dDescriptor(e.bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, y.c(), 1, 1), "cudnnSetTensor4dDescriptor(bias)");
        }
        int status = cudnnConvolutionBiasActivationForward(plans.handle(), one, p.in, x.ptr, p.filter, weight.ptr, plans.convolution(),
                p.forward.algo(), plans.workspace(p.forward.workspaceBytes()), plans.workspaceBytes(), zero, p.out, y.ptr, e.bias, bias.ptr,
                relu, p.out, y.ptr);
        if (status == 0) return true;
        if (!notSupported(status)) Check.cudnn(status, "cudnnConvolutionBiasActivationForward");
        e.fusedBiasReluFailure = cudnnGetErrorString(status) + " (" + status + ")";
        return false;
    }

    /** CUDNN_STATUS_NOT_SUPPORTED: 9 in cuDNN 8; 3000 and its sub-codes (3001, ...) in cuDNN 9. */
    static boolean notSupported(int status) {
        return status == 9 || (status >= 3000 && status < 4000);
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        CudnnPlans.Plan p = plan(x, dy);
        if (dx != null) plans.backwardData(p, weight.ptr, dy.ptr, dx.ptr, "cudnnConvolutionBackwardData");
        if (dWeight == null) return;
        Extras e = extras.get(p);
        if (e.weightGradientByGemm == null) e.weightGradientByGemm = gemmIsFaster(p, e, x, dy, dWeight);
        if (e.weightGradientByGemm) gemm.weightGradient(x, dy, dWeight);
        else plans.backwardFilter(p, x.ptr, dy.ptr, dWeight.ptr, "cudnnConvolutionBackwardFilter");
    }

    /**
     * Times cuDNN's chosen weight-gradient algorithm against im2col + cuBLAS on this shape's real
     * tensors (dWeight is overwritten by both, and again by the caller). Both are deterministic; the
     * weight gradient is where cuDNN's deterministic algorithms can be slowest.
     */
    private boolean gemmIsFaster(CudnnPlans.Plan p, Extras e, CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        if (gemm == null) {
            e.weightGradientTiming = "cuDNN (no cuBLAS to compare with)";
            return false;
        }
        String tooLarge = GemmWorkspace.columnsProblem(x.n(), x.c(), x.h(), x.w());
        if (tooLarge != null) {
            e.weightGradientTiming = "cuDNN (im2col + cuBLAS not timed: " + tooLarge + ")";
            return false;
        }
        double cudnnMs = EventTimer.choiceMillis(stream, graphs, () -> plans.backwardFilter(p, x.ptr, dy.ptr, dWeight.ptr, "cudnnConvolutionBackwardFilter"));
        double gemmMs = EventTimer.choiceMillis(stream, graphs, () -> gemm.weightGradient(x, dy, dWeight));
        e.weightGradientTiming = String.format(Locale.ROOT, "cuDNN %.1f us, im2col + cuBLAS %.1f us", cudnnMs * 1000, gemmMs * 1000);
        return gemmMs < cudnnMs;
    }

    @Override public String describe() {
        StringBuilder sb = new StringBuilder("cuDNN, ").append(plans.math());
        plans.forEach((s, p) -> {
            Extras e = extras.get(p);
            sb.append("; batch ").append(s.n()).append(' ').append(s.c()).append("->").append(s.oc()).append(' ').append(s.h()).append('x').append(s.w())
                    .append(": fwd ").append(p.forward).append(", bwd data ").append(p.backwardData).append(", bwd filter ")
                    .append(Boolean.TRUE.equals(e.weightGradientByGemm) ? "im2col + cuBLAS" : p.backwardFilter.toString())
                    .append(" [").append(e.weightGradientTiming).append(']')
                    .append(e.fusedBiasReluFailure == null ? "" : ", fused bias + ReLU forward failed: " + e.fusedBiasReluFailure);
        });
        return sb.toString();
    }

    @Override public void close() {
        for (Extras e : extras.values()) if (e.bias != null) cudnnDestroyTensorDescriptor(e.bias);
        extras.clear();
        plans.close();
        cudnnDestroyActivationDescriptor(relu);
    }
}
