package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.HashMap;
import java.util.Map;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnDeterminism.CUDNN_DETERMINISTIC;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * Convolution through cuDNN. For each shape (batch, channels in and out, height, width) the algorithms
 * are chosen once from cuDNN's heuristics ({@code cudnnGet...Algorithm_v7}) and cached with their
 * descriptors; the workspace is one buffer sized for the largest choice. Strict FP32 allows only FMA
 * math (no TF32 tensor cores); with tf32 on, tensor-op math is allowed. Deterministic algorithms are
 * preferred so that two runs from one seed give the same weights.
 */
final class CudnnConvolution implements Convolution {
    /** Algorithms needing more workspace than this are passed over. */
    private static final long WORKSPACE_LIMIT = 512L << 20;

    private final cudnnHandle handle;
    private final boolean tf32;
    private final DeviceMemory.Scratch workspace;
    private final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
    private final Map<Shape, Plan> plans = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});

    private record Shape(int n, int cin, int cout, int h, int w) {}

    /** Descriptors and algorithm choices for one shape. */
    private static final class Plan {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor(), y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        int forward, backwardData, backwardFilter;
        long forwardBytes, backwardDataBytes, backwardFilterBytes;
    }

    CudnnConvolution(cudnnHandle handle, DeviceMemory memory, boolean tf32) {
        this.handle = handle;
        this.tf32 = tf32;
        this.workspace = memory.new Scratch("the cuDNN convolution workspace");
        Check.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
        Check.cudnn(cudnnSetConvolution2dDescriptor(conv, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor");
        Check.cudnn(cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
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
        int[] count = new int[1];
        String where = " for " + s;

        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[8];
        for (int i = 0; i < fwd.length; i++) fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        Check.cudnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x, p.w, conv, p.y, fwd.length, count, fwd),
                "cudnnGetConvolutionForwardAlgorithm_v7" + where);
        int best = pick(tf32, count[0], i -> fwd[i].status, i -> fwd[i].mathType, i -> fwd[i].determinism, i -> fwd[i].memory);
        if (best < 0) throw noAlgorithm("forward", s, candidates(count[0], i -> fwd[i].algo, i -> fwd[i].status, i -> fwd[i].mathType, i -> fwd[i].memory));
        p.forward = fwd[best].algo;
        long[] bytes = new long[1];
        Check.cudnn(cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, conv, p.y, p.forward, bytes),
                "cudnnGetConvolutionForwardWorkspaceSize" + where);
        p.forwardBytes = bytes[0];

        cudnnConvolutionBwdDataAlgoPerf[] data = new cudnnConvolutionBwdDataAlgoPerf[8];
        for (int i = 0; i < data.length; i++) data[i] = new cudnnConvolutionBwdDataAlgoPerf();
        Check.cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.y, conv, p.x, data.length, count, data),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7" + where);
        best = pick(tf32, count[0], i -> data[i].status, i -> data[i].mathType, i -> data[i].determinism, i -> data[i].memory);
        if (best < 0) throw noAlgorithm("backward data", s, candidates(count[0], i -> data[i].algo, i -> data[i].status, i -> data[i].mathType, i -> data[i].memory));
        p.backwardData = data[best].algo;
        Check.cudnn(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, p.w, p.y, conv, p.x, p.backwardData, bytes),
                "cudnnGetConvolutionBackwardDataWorkspaceSize" + where);
        p.backwardDataBytes = bytes[0];

        cudnnConvolutionBwdFilterAlgoPerf[] filter = new cudnnConvolutionBwdFilterAlgoPerf[8];
        for (int i = 0; i < filter.length; i++) filter[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        Check.cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.x, p.y, conv, p.w, filter.length, count, filter),
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7" + where);
        best = pick(tf32, count[0], i -> filter[i].status, i -> filter[i].mathType, i -> filter[i].determinism, i -> filter[i].memory);
        if (best < 0) throw noAlgorithm("backward filter", s, candidates(count[0], i -> filter[i].algo, i -> filter[i].status, i -> filter[i].mathType, i -> filter[i].memory));
        p.backwardFilter = filter[best].algo;
        Check.cudnn(cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, p.x, p.y, conv, p.w, p.backwardFilter, bytes),
                "cudnnGetConvolutionBackwardFilterWorkspaceSize" + where);
        p.backwardFilterBytes = bytes[0];

        workspace.atLeast(Math.max(p.forwardBytes, Math.max(p.backwardDataBytes, p.backwardFilterBytes)));
        return p;
    }

    private CudaException noAlgorithm(String direction, Shape s, String offered) {
        return new CudaException("cuDNN offers no " + direction + " convolution algorithm for " + s
                + (tf32 ? "" : " in strict FP32 math") + offered);
    }

    /**
     * The heuristics' ranking, filtered: a successful entry within the workspace limit, deterministic
     * entries first, otherwise the ranking's order. In strict FP32 entries that report tensor-op math
     * are passed over while others remain; the descriptor's FMA math type is what keeps the chosen
     * algorithm off tensor cores (cuDNN 9 reports FP32 algorithms as DEFAULT math, not FMA). Shared
     * with {@link CudnnTransposedConvolution}.
     */
    static int pick(boolean tf32, int count, java.util.function.IntUnaryOperator status, java.util.function.IntUnaryOperator math,
                     java.util.function.IntUnaryOperator determinism, java.util.function.IntToLongFunction memory) {
        int deterministic = -1, any = -1, deterministicTensorOp = -1, anyTensorOp = -1;
        for (int i = 0; i < count; i++) {
            if (status.applyAsInt(i) != 0 || memory.applyAsLong(i) > WORKSPACE_LIMIT) continue;
            boolean passOver = !tf32 && usesTensorCores(math.applyAsInt(i));
            boolean isDeterministic = determinism.applyAsInt(i) == CUDNN_DETERMINISTIC;
            if (passOver) {
                if (isDeterministic && deterministicTensorOp < 0) deterministicTensorOp = i;
                if (anyTensorOp < 0) anyTensorOp = i;
            } else {
                if (isDeterministic && deterministic < 0) deterministic = i;
                if (any < 0) any = i;
            }
        }
        if (deterministic >= 0) return deterministic;
        if (any >= 0) return any;
        return deterministicTensorOp >= 0 ? deterministicTensorOp : anyTensorOp;
    }

    static boolean usesTensorCores(int mathType) {
        return mathType == CUDNN_TENSOR_OP_MATH || mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    }

    /** The heuristics' entries, for an error saying why none was taken. */
    static String candidates(int count, java.util.function.IntUnaryOperator algo, java.util.function.IntUnaryOperator status,
                             java.util.function.IntUnaryOperator math, java.util.function.IntToLongFunction memory) {
        StringBuilder b = new StringBuilder(" (cuDNN offered");
        if (count == 0) b.append(" nothing");
        for (int i = 0; i < count; i++)
            b.append(i == 0 ? " " : ", ").append("algo ").append(algo.applyAsInt(i)).append(" status ").append(status.applyAsInt(i))
                    .append(" math ").append(math.applyAsInt(i)).append(" workspace ").append(DeviceMemory.mib(memory.applyAsLong(i)));
        return b.append(')').toString();
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        Plan p = plan(x, y);
        Check.cudnn(cudnnConvolutionForward(handle, one, p.x, x.ptr, p.w, weight.ptr, conv, p.forward,
                workspace.atLeast(p.forwardBytes), workspace.bytes(), zero, p.y, y.ptr), "cudnnConvolutionForward");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        Plan p = plan(x, dy);
        if (dx != null)
            Check.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, weight.ptr, p.y, dy.ptr, conv, p.backwardData,
                    workspace.atLeast(p.backwardDataBytes), workspace.bytes(), zero, p.x, dx.ptr), "cudnnConvolutionBackwardData");
        Check.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.x, x.ptr, p.y, dy.ptr, conv, p.backwardFilter,
                workspace.atLeast(p.backwardFilterBytes), workspace.bytes(), zero, p.w, dWeight.ptr), "cudnnConvolutionBackwardFilter");
    }

    @Override public String describe() {
        StringBuilder sb = new StringBuilder("cuDNN, ").append(tf32 ? "TF32 allowed" : "strict FP32 (FMA math)");
        plans.forEach((s, p) -> sb.append("; ").append(s.cin).append("->").append(s.cout).append(' ').append(s.h).append('x').append(s.w)
                .append(": fwd ").append(p.forward).append(", bwd data ").append(p.backwardData).append(", bwd filter ").append(p.backwardFilter));
        return sb.toString();
    }

    @Override public void close() {
        for (Plan p : plans.values()) {
            cudnnDestroyTensorDescriptor(p.x);
            cudnnDestroyTensorDescriptor(p.y);
            cudnnDestroyFilterDescriptor(p.w);
        }
        plans.clear();
        cudnnDestroyConvolutionDescriptor(conv);
    }
}
