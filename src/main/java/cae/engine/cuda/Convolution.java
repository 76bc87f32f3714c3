package cae.engine.cuda;

/**
 * One route of a 3x3 convolution without bias (NCHW activations): the stride-1 SAME convolution with
 * OIHW weights, or the stride-2 transposed one with (Cin, Cout, 3, 3) weights (Engine.transposedConv3x3).
 * The engine adds the bias and ReLU with its own kernels. Each has two routes: cuDNN
 * ({@link CudnnPlans} holds what the cuDNN pair shares), or im2col + cuBLAS SGEMM ({@link GemmWorkspace}).
 */
interface Convolution extends AutoCloseable {

    /** y = conv(x, weight), overwritten. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor y);

    /** dx = the input gradient and dWeight = the weight gradient, both overwritten; dx may be null (not wanted), and dWeight too for the stride-1 convolution. */
    void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight);

    /** Whether {@link #forwardBiasRelu} can be tried for this shape: the library has the fused call and has not refused it here. */
    default boolean hasFusedBiasRelu(CudaTensor x, CudaTensor y) { return false; }

    /**
     * y = ReLU(conv(x, weight) + bias) in one library call, overwritten. False, with nothing done,
     * where this route or this shape has no such call (the caller then does it in two steps).
     */
    default boolean forwardBiasRelu(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y) { return false; }

    /** One line: the route and, for cuDNN, the algorithms chosen so far. */
    String describe();

    @Override void close();
}
