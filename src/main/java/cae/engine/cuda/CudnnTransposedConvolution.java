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
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * The transposed convolution through cuDNN, as the three passes of the forward convolution A (3x3, pad 1,
 * stride 2) from the large grid (y, Cout channels) to the small one (x, Cin channels), whose filter
 * K = Cin, C = Cout is exactly our (Cin, Cout, 3, 3) weight:
 * <ul>
 *   <li>y = A^T x: {@code cudnnConvolutionBackwardData} with x as A's output gradient;</li>
 *   <li>dx = A dy: {@code cudnnConvolutionForward} of dy;</li>
 *   <li>dW: {@code cudnnConvolutionBackwardFilter} with dy as A's input and x as its output gradient.</li>
 * </ul>
 * A maps OH = 2H - 1 or 2H to floor((OH + 2 - 3) / 2) + 1 = H, so every y size the engine allows has
 * the x size it was given. Algorithms are chosen once per shape and cached, as in {@link CudnnConvolution}.
 */
final class CudnnTransposedConvolution implements TransposedConvolution {
    private final cudnnHandle handle;
    private final boolean tf32;
    private final DeviceMemory.Scratch workspace;
    private final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
    private final Map<Shape, Plan> plans = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});

    private record Shape(int n, int cin, int cout, int h, int w, int oh, int ow) {}

    /** Descriptors (small = x's grid, large = y's) and algorithm choices for one shape. */
    private static final class Plan {
        final cudnnTensorDescriptor small = new cudnnTensorDescriptor(), large = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        // named by the cuDNN pass of A: backward data gives y, forward gives dx, backward filter gives dW
        int backwardData, forward, backwardFilter;
        long backwardDataBytes, forwardBytes, backwardFilterBytes;
    }

    CudnnTransposedConvolution(cudnnHandle handle, DeviceMemory memory, boolean tf32) {
        this.handle = handle;
        this.tf32 = tf32;
        this.workspace = memory.new Scratch("the cuDNN transposed convolution workspace");
        Check.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
        Check.cudnn(cudnnSetConvolution2dDescriptor(conv, 1, 1, 2, 2, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor(stride 2)");
        Check.cudnn(cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
    }

    private Plan plan(CudaTensor x, CudaTensor y) {
        Shape shape = new Shape(x.n(), x.c(), y.c(), x.h(), x.w(), y.h(), y.w());
        Plan p = plans.get(shape);
        if (p == null) {
            p = choose(shape);
            plans.put(shape, p);
        }
        return p;
    }

    private Plan choose(Shape s) {
        Plan p = new Plan();
        Check.cudnn(cudnnCreateTensorDescriptor(p.small), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateTensorDescriptor(p.large), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateFilterDescriptor(p.w), "cudnnCreateFilterDescriptor");
        String where = " for " + s;
        Check.cudnn(cudnnSetTensor4dDescriptor(p.small, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.cin, s.h, s.w), "cudnnSetTensor4dDescriptor(x)");
        Check.cudnn(cudnnSetTensor4dDescriptor(p.large, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.cout, s.oh, s.ow), "cudnnSetTensor4dDescriptor(y)");
        Check.cudnn(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.cin, s.cout, 3, 3), "cudnnSetFilter4dDescriptor");

        int[] dn = new int[1], dc = new int[1], dh = new int[1], dw = new int[1];
        Check.cudnn(cudnnGetConvolution2dForwardOutputDim(conv, p.large, p.w, dn, dc, dh, dw), "cudnnGetConvolution2dForwardOutputDim" + where);
        if (dn[0] != s.n || dc[0] != s.cin || dh[0] != s.h || dw[0] != s.w)
            throw new CudaException("cuDNN's stride-2 convolution maps " + s.oh + "x" + s.ow + " to " + dh[0] + "x" + dw[0]
                    + ", not to the transposed convolution's input " + s.h + "x" + s.w);

        int[] count = new int[1];
        long[] bytes = new long[1];

        cudnnConvolutionBwdDataAlgoPerf[] data = new cudnnConvolutionBwdDataAlgoPerf[8];
        for (int i = 0; i < data.length; i++) data[i] = new cudnnConvolutionBwdDataAlgoPerf();
        Check.cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.small, conv, p.large, data.length, count, data),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7" + where);
        int best = CudnnConvolution.pick(tf32, count[0], i -> data[i].status, i -> data[i].mathType, i -> data[i].determinism, i -> data[i].memory);
        if (best < 0) throw noAlgorithm("forward (cuDNN backward data)", s, CudnnConvolution.candidates(count[0], i -> data[i].algo, i -> data[i].status, i -> data[i].mathType, i -> data[i].memory));
        p.backwardData = data[best].algo;
        Check.cudnn(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, p.w, p.small, conv, p.large, p.backwardData, bytes),
                "cudnnGetConvolutionBackwardDataWorkspaceSize" + where);
        p.backwardDataBytes = bytes[0];

        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[8];
        for (int i = 0; i < fwd.length; i++) fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        Check.cudnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, p.large, p.w, conv, p.small, fwd.length, count, fwd),
                "cudnnGetConvolutionForwardAlgorithm_v7" + where);
        best = CudnnConvolution.pick(tf32, count[0], i -> fwd[i].status, i -> fwd[i].mathType, i -> fwd[i].determinism, i -> fwd[i].memory);
        if (best < 0) throw noAlgorithm("input gradient (cuDNN forward)", s, CudnnConvolution.candidates(count[0], i -> fwd[i].algo, i -> fwd[i].status, i -> fwd[i].mathType, i -> fwd[i].memory));
        p.forward = fwd[best].algo;
        Check.cudnn(cudnnGetConvolutionForwardWorkspaceSize(handle, p.large, p.w, conv, p.small, p.forward, bytes),
                "cudnnGetConvolutionForwardWorkspaceSize" + where);
        p.forwardBytes = bytes[0];

        cudnnConvolutionBwdFilterAlgoPerf[] filter = new cudnnConvolutionBwdFilterAlgoPerf[8];
        for (int i = 0; i < filter.length; i++) filter[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        Check.cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.large, p.small, conv, p.w, filter.length, count, filter),
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7" + where);
        best = CudnnConvolution.pick(tf32, count[0], i -> filter[i].status, i -> filter[i].mathType, i -> filter[i].determinism, i -> filter[i].memory);
        if (best < 0) throw noAlgorithm("weight gradient (cuDNN backward filter)", s, CudnnConvolution.candidates(count[0], i -> filter[i].algo, i -> filter[i].status, i -> filter[i].mathType, i -> filter[i].memory));
        p.backwardFilter = filter[best].algo;
        Check.cudnn(cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, p.large, p.small, conv, p.w, p.backwardFilter, bytes),
                "cudnnGetConvolutionBackwardFilterWorkspaceSize" + where);
        p.backwardFilterBytes = bytes[0];

        workspace.atLeast(Math.max(p.forwardBytes, Math.max(p.backwardDataBytes, p.backwardFilterBytes)));
        return p;
    }

    private CudaException noAlgorithm(String pass, Shape s, String offered) {
        return new CudaException("cuDNN offers no algorithm for the transposed convolution's " + pass + " for " + s
                + (tf32 ? "" : " in strict FP32 math") + offered);
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        Plan p = plan(x, y);
        Check.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, weight.ptr, p.small, x.ptr, conv, p.backwardData,
                workspace.atLeast(p.backwardDataBytes), workspace.bytes(), zero, p.large, y.ptr), "cudnnConvolutionBackwardData(transposed forward)");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        Plan p = plan(x, dy);
        if (dx != null)
            Check.cudnn(cudnnConvolutionForward(handle, one, p.large, dy.ptr, p.w, weight.ptr, conv, p.forward,
                    workspace.atLeast(p.forwardBytes), workspace.bytes(), zero, p.small, dx.ptr), "cudnnConvolutionForward(transposed dx)");
        Check.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.large, dy.ptr, p.small, x.ptr, conv, p.backwardFilter,
                workspace.atLeast(p.backwardFilterBytes), workspace.bytes(), zero, p.w, dWeight.ptr), "cudnnConvolutionBackwardFilter(transposed dW)");
    }

    @Override public String describe() {
        StringBuilder sb = new StringBuilder("transposed: cuDNN, ").append(tf32 ? "TF32 allowed" : "strict FP32 (FMA math)");
        plans.forEach((s, p) -> sb.append("; ").append(s.cin).append("->").append(s.cout).append(' ')
                .append(s.h).append('x').append(s.w).append("->").append(s.oh).append('x').append(s.ow)
                .append(": y by bwd data ").append(p.backwardData).append(", dx by fwd ").append(p.forward).append(", dW by bwd filter ").append(p.backwardFilter));
        return sb.toString();
    }

    @Override public void close() {
        for (Plan p : plans.values()) {
            cudnnDestroyTensorDescriptor(p.small);
            cudnnDestroyTensorDescriptor(p.large);
            cudnnDestroyFilterDescriptor(p.w);
        }
        plans.clear();
        cudnnDestroyConvolutionDescriptor(conv);
    }
}
