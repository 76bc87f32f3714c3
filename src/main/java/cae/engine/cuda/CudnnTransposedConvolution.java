package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
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
        CudnnAlgorithms.Choice backwardData, forward, backwardFilter;
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

        String what = "the transposed convolution " + s;
        p.backwardData = CudnnAlgorithms.backwardData(handle, p.w, p.small, conv, p.large, tf32, what + " (forward, as cuDNN backward data)");
        p.forward = CudnnAlgorithms.forward(handle, p.large, p.w, conv, p.small, tf32, what + " (input gradient, as cuDNN forward)");
        p.backwardFilter = CudnnAlgorithms.backwardFilter(handle, p.large, p.small, conv, p.w, tf32, what + " (weight gradient, as cuDNN backward filter)");
        workspace.atLeast(Math.max(p.forward.workspaceBytes(), Math.max(p.backwardData.workspaceBytes(), p.backwardFilter.workspaceBytes())));
        return p;
    }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        Plan p = plan(x, y);
        Check.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, weight.ptr, p.small, x.ptr, conv, p.backwardData.algo(),
                workspace.atLeast(p.backwardData.workspaceBytes()), workspace.bytes(), zero, p.large, y.ptr), "cudnnConvolutionBackwardData(transposed forward)");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        Plan p = plan(x, dy);
        if (dx != null)
            Check.cudnn(cudnnConvolutionForward(handle, one, p.large, dy.ptr, p.w, weight.ptr, conv, p.forward.algo(),
                    workspace.atLeast(p.forward.workspaceBytes()), workspace.bytes(), zero, p.small, dx.ptr), "cudnnConvolutionForward(transposed dx)");
        Check.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.large, dy.ptr, p.small, x.ptr, conv, p.backwardFilter.algo(),
                workspace.atLeast(p.backwardFilter.workspaceBytes()), workspace.bytes(), zero, p.w, dWeight.ptr), "cudnnConvolutionBackwardFilter(transposed dW)");
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
