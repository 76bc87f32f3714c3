package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * The 3x3 convolutions with one input channel (conv1) or one output channel (the logits), computed by
 * the project's kernels (kernels/thin_conv.cu) instead of cuDNN or cuBLAS: bias and ReLU in the
 * forward pass, and the ReLU mask, weight and bias gradients in one pass over dy in the backward.
 * These layers do about 45 MFLOP each at batch 100, too little per output for the libraries' tiles.
 */
final class ThinConvolution {
    /** cae::kThinSums: the 9 taps and the bias, summed per (chunk, channel). */
    private static final int SUMS = 10;

    private final Kernels kernels;
    private final DeviceMemory.Scratch partials;

    ThinConvolution(Kernels kernels, DeviceMemory memory) {
        this.kernels = kernels;
        this.partials = memory.new Scratch("the thin convolutions' partial sums");
    }

    /** Whether the convolution from x to y has one input or one output channel. */
    static boolean fits(CudaTensor x, CudaTensor y) { return x.c() == 1 || y.c() == 1; }

    /** y = ReLU?(conv(x, weight) + bias), overwritten; one thread per pixel (kernels/thin_conv.cu). */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        boolean oneIn = x.c() == 1;
        int c = oneIn ? y.c() : x.c();
        kernels.launch(oneIn ? "thin_conv_in1_forward" : "thin_conv_out1_forward", Kernels.blocksFor((long) x.n() * x.h() * x.w()),
                Kernels.arg(x.ptr), Kernels.arg(weight.ptr), Kernels.arg(bias.ptr), Kernels.arg(y.ptr),
                Kernels.arg(x.n()), Kernels.arg(c), Kernels.arg(x.h()), Kernels.arg(x.w()), Kernels.arg(relu ? 1 : 0));
    }

    /**
     * The whole backward pass, with the contract of Engine.conv3x3Backward: dy masked where y <= 0 when
     * relu (written back only when dx is wanted), dWeight and dBias overwritten, dx (may be null) too.
     * With {@code dPooled} (not null) the layer's output y was max-pooled and dy's values are that
     * gradient routed to each window's first arg-max in y (Engine.conv3x3PoolBackward), computed in the
     * same pass; dy is then only written when dx is wanted.
     */
    void backward(CudaTensor x, CudaTensor weight, CudaTensor y, CudaTensor dy, CudaTensor dPooled, boolean relu,
                  CudaTensor dx, CudaTensor dWeight, CudaTensor dBias) {
        boolean oneIn = x.c() == 1;
        int n = x.n(), c = oneIn ? dy.c() : x.c(), h = x.h(), w = x.w();
        int chunks = Kernels.biasChunks(n, h * w);
        CUdeviceptr sums = partials.atLeast((long) c * SUMS * chunks * Float.BYTES);
        kernels.launch("thin_conv_weight_grad_partials", chunks, c,
                Kernels.arg(x.ptr), relu || dPooled != null ? Kernels.arg(y.ptr) : Kernels.nullArg(), Kernels.arg(dy.ptr),
                dPooled != null ? Kernels.arg(dPooled.ptr) : Kernels.nullArg(), Kernels.arg(sums),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(h), Kernels.arg(w),
                Kernels.arg(oneIn ? 1 : 0), Kernels.arg(relu ? 1 : 0), Kernels.arg(dx != null ? 1 : 0));
        kernels.launch("thin_conv_weight_grad_reduce", c * SUMS,
                Kernels.arg(sums), Kernels.arg(chunks), Kernels.arg(dWeight.ptr), Kernels.arg(dBias.ptr), Kernels.arg(oneIn ? 1 : 0));
        if (dx == null) return;
        kernels.launch(oneIn ? "thin_conv_in1_backward_data" : "thin_conv_out1_backward_data", Kernels.blocksFor((long) n * h * w),
                Kernels.arg(dy.ptr), Kernels.arg(weight.ptr), Kernels.arg(dx.ptr),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(h), Kernels.arg(w));
    }
}
