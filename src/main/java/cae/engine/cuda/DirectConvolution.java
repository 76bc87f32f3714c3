package cae.engine.cuda;

/**
 * The forward pass of a 3x3 convolution with several channels each side, bias and ReLU included,
 * computed by the project's kernel (kernels/direct_conv.cu) instead of cuDNN: one thread per pixel
 * for four output channels, the block's weights staged in shared memory. For the 7 x 7 and 14 x 14
 * layers (22-90 MFLOP each at batch 100) the libraries' tiles looked too large; whether it beats them
 * on a shape is timed (FusionChoices), not assumed (docs/gpu-performance.md has the figures).
 */
final class DirectConvolution {
    private final Kernels kernels;

    DirectConvolution(Kernels kernels) { this.kernels = kernels; }

    /** Whether the kernel takes the convolution from x to y (the thin ones have their own, ThinConvolution). */
    static boolean fits(CudaTensor x, CudaTensor y) { return x.c() > 1 && y.c() > 1 && x.c() <= KernelConstants.DIRECT_MAX_IN; }

    /** y = ReLU?(conv(x, weight) + bias), overwritten. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        kernels.directConvForward(x, weight, bias, y, relu);
    }
}
