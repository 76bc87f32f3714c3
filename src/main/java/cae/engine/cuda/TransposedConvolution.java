package cae.engine.cuda;

/**
 * The 3x3 transposed convolution, stride 2, padding 1, without bias (the {@code transposed} decoder
 * variant; the engine adds bias and ReLU with its own kernels): x (N, Cin, H, W) to y (N, Cout, OH, OW)
 * with OH = 2H - 1 or 2H (and the same for widths), weight (Cin, Cout, 3, 3). It is the adjoint of the
 * stride-2 convolution from y's grid to x's with that weight read as OIHW (O = Cin, I = Cout), which is
 * how both routes compute it: cuDNN, or im2col + cuBLAS SGEMM.
 */
interface TransposedConvolution extends AutoCloseable {

    /** y = transposed_conv(x, weight), overwritten. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor y);

    /** dx (skipped when null) and dWeight, both overwritten, from dy (already masked by the ReLU). */
    void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight);

    /** One line: the route and, for cuDNN, the algorithms chosen so far. */
    String describe();

    @Override void close();
}
