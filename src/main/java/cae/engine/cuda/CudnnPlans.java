package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * What the two cuDNN routes (the convolution and the transposed convolution) share: one cuDNN
 * convolution A (3x3, padding 1, a stride, NCHW, float), its three passes, and per shape a plan: the
 * descriptors of A's input, output and filter, and the algorithm of each pass, chosen once
 * ({@link CudnnAlgorithms}: measured by cuDNN's Find, deterministic ones first) and cached. The
 * workspace is one buffer grown to the largest choice. Strict FP32 sets FMA math (no TF32 tensor
 * cores); with tf32 on, tensor-op math is allowed.
 */
final class CudnnPlans implements AutoCloseable {
    private final cudnnHandle handle;
    private final boolean tf32;
    private final DeviceMemory.Scratch workspace;
    private final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
    private final Map<Shape, Plan> plans = new LinkedHashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});

    /** A's input (n, c, h, w) and output (n, oc, oh, ow); the filter is (oc, c, 3, 3). */
    record Shape(int n, int c, int h, int w, int oc, int oh, int ow) {
        static Shape of(CudaTensor in, CudaTensor out) { return new Shape(in.n(), in.c(), in.h(), in.w(), out.c(), out.h(), out.w()); }
    }

    /** The descriptors of one shape and the algorithm of each of A's passes. */
    static final class Plan {
        final cudnnTensorDescriptor in = new cudnnTensorDescriptor(), out = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor filter = new cudnnFilterDescriptor();
        CudnnAlgorithms.Choice forward, backwardData, backwardFilter;
    }

    CudnnPlans(cudnnHandle handle, DeviceMemory memory, boolean tf32, int stride, String what) {
        this.handle = handle;
        this.tf32 = tf32;
        this.workspace = memory.new Scratch("the cuDNN " + what + " workspace");
        Check.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
        Check.cudnn(cudnnSetConvolution2dDescriptor(conv, 1, 1, stride, stride, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor(stride " + stride + ")");
        Check.cudnn(cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
    }

    boolean tf32() { return tf32; }

    cudnnHandle handle() { return handle; }

    cudnnConvolutionDescriptor convolution() { return conv; }

    /** The plan of A from {@code in} to {@code out}, made the first time; {@code what} names the layer in errors. */
    Plan plan(CudaTensor in, CudaTensor out, String what) {
        Shape s = Shape.of(in, out);
        Plan p = plans.get(s);
        if (p == null) {
            p = make(s, what + " " + s);
            plans.put(s, p);
        }
        return p;
    }

    /** The plan of this shape, or null when none was made yet. */
    Plan planned(CudaTensor in, CudaTensor out) { return plans.get(Shape.of(in, out)); }

    private Plan make(Shape s, String what) {
        Plan p = new Plan();
        Check.cudnn(cudnnCreateTensorDescriptor(p.in), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateTensorDescriptor(p.out), "cudnnCreateTensorDescriptor");
        Check.cudnn(cudnnCreateFilterDescriptor(p.filter), "cudnnCreateFilterDescriptor");
        Check.cudnn(cudnnSetTensor4dDescriptor(p.in, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.c, s.h, s.w), "cudnnSetTensor4dDescriptor(input)");
        Check.cudnn(cudnnSetTensor4dDescriptor(p.out, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.oc, s.oh, s.ow), "cudnnSetTensor4dDescriptor(output)");
        Check.cudnn(cudnnSetFilter4dDescriptor(p.filter, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.oc, s.c, 3, 3), "cudnnSetFilter4dDescriptor");

        int[] dn = new int[1], dc = new int[1], dh = new int[1], dw = new int[1];
        Check.cudnn(cudnnGetConvolution2dForwardOutputDim(conv, p.in, p.filter, dn, dc, dh, dw), "cudnnGetConvolution2dForwardOutputDim for " + what);
        if (dn[0] != s.n || dc[0] != s.oc || dh[0] != s.oh || dw[0] != s.ow)
            throw new CudaException("cuDNN's convolution maps " + s.h + "x" + s.w + " to " + dh[0] + "x" + dw[0] + ", not to " + s.oh + "x" + s.ow
                    + " as " + what + " needs");

        p.forward = CudnnAlgorithms.forward(handle, p.in, p.filter, conv, p.out, tf32, what + " (cuDNN forward)");
        p.backwardData = CudnnAlgorithms.backwardData(handle, p.filter, p.out, conv, p.in, tf32, what + " (cuDNN backward data)");
        p.backwardFilter = CudnnAlgorithms.backwardFilter(handle, p.in, p.out, conv, p.filter, tf32, what + " (cuDNN backward filter)");
        workspace.atLeast(Math.max(p.forward.workspaceBytes(), Math.max(p.backwardData.workspaceBytes(), p.backwardFilter.workspaceBytes())));
        return p;
    }

    /** out = A(in), overwritten. */
    void forward(Plan p, Pointer in, Pointer filter, Pointer out, String call) {
        Check.cudnn(cudnnConvolutionForward(handle, one, p.in, in, p.filter, filter, conv, p.forward.algo(),
                workspace.atLeast(p.forward.workspaceBytes()), workspace.bytes(), zero, p.out, out), call);
    }

    /** dIn = A's adjoint applied to dOut, overwritten. */
    void backwardData(Plan p, Pointer filter, Pointer dOut, Pointer dIn, String call) {
        Check.cudnn(cudnnConvolutionBackwardData(handle, one, p.filter, filter, p.out, dOut, conv, p.backwardData.algo(),
                workspace.atLeast(p.backwardData.workspaceBytes()), workspace.bytes(), zero, p.in, dIn), call);
    }

    /** dFilter = A's filter gradient from its input and its output's gradient, overwritten. */
    void backwardFilter(Plan p, Pointer in, Pointer dOut, Pointer dFilter, String call) {
        Check.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.in, in, p.out, dOut, conv, p.backwardFilter.algo(),
                workspace.atLeast(p.backwardFilter.workspaceBytes()), workspace.bytes(), zero, p.filter, dFilter), call);
    }

    /** The workspace, at least {@code bytes} (for another cuDNN call with a plan's algorithm). */
    Pointer workspace(long bytes) { return workspace.atLeast(bytes); }

    long workspaceBytes() { return workspace.bytes(); }

    /** "TF32 allowed" or "strict FP32 (FMA math)". */
    String math() { return tf32 ? "TF32 allowed" : "strict FP32 (FMA math)"; }

    /** Each plan made so far, in the order they were made. */
    void forEach(BiConsumer<Shape, Plan> action) { plans.forEach(action); }

    @Override public void close() {
        for (Plan p : plans.values()) {
            cudnnDestroyTensorDescriptor(p.in);
            cudnnDestroyTensorDescriptor(p.out);
            cudnnDestroyFilterDescriptor(p.filter);
        }
        plans.clear();
        cudnnDestroyConvolutionDescriptor(conv);
    }
}
