package cae.engine.cuda;

/**
 * The forward pass of a 3x3 convolution with several channels each side, bias and ReLU included,
 * computed by the project's kernel (kernels/direct_conv.cu) instead of cuDNN: one thread per pixel
 * for four output channels, the block's weights staged in shared memory. For the 7 x 7 and 14 x 14
 * layers (22-90 MFLOP each at batch 100) the libraries' tiles looked too large; whether it beats them
 * on a shape is timed (FusionChoices), not assumed. On an H200 it did at batch 1000 on the 7 x 7
 * layers and not at batch 100, where it is bound by latency (docs/gpu-performance.md).
 */
final class DirectConvolution {
    /** cae::kDirectGroup: output channels per thread and per blockIdx.y. */
    private static final int GROUP = 4;
    /** cae::kDirectMaxIn: the input channels the staged weights hold. */
    static final int MAX_IN = 128;

    private final Kernels kernels;

    DirectConvolution(Kernels kernels) { this.kernels = kernels; }

    /** Whether the kernel takes the convolution from x to y (the thin ones have their own, ThinConvolution). */
    static boolean fits(CudaTensor x, CudaTensor y) { return x.c() > 1 && y.c() > 1 && x.c() <= MAX_IN; }

    /** y = ReLU?(conv(x, weight) + bias), overwritten. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        kernels.launch("direct_conv_forward", Kernels.blocksFor((long) x.n() * x.h() * x.w()), (y.c() + GROUP - 1) / GROUP,
                Kernels.arg(x.ptr), Kernels.arg(weight.ptr), Kernels.arg(bias.ptr), Kernels.arg(y.ptr),
                Kernels.arg(x.n()), Kernels.arg(x.c()), Kernels.arg(y.c()), Kernels.arg(x.h()), Kernels.arg(x.w()), Kernels.arg(relu ? 1 : 0));
    }
}
