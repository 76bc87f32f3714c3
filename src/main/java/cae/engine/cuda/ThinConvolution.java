package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * The 3x3 convolutions with one input channel (conv1) or one output channel (the logits), computed by
 * the project's kernels (kernels/thin_conv.cu) instead of cuDNN or cuBLAS: bias and ReLU in the
 * forward pass, and the ReLU mask, weight and bias gradients in one pass over dy in the backward.
 * These layers do about 45 MFLOP each at batch 100, too little per output for the libraries' tiles.
 */
final class ThinConvolution {
    private final Kernels kernels;
    private final DeviceMemory.Scratch partials;

    ThinConvolution(Kernels kernels, DeviceMemory memory) {
        this.kernels = kernels;
        this.partials = memory.new Scratch("the thin convolutions' partial sums");
    }

    /** Whether the convolution from x to y has one input or one output channel. */
    static boolean fits(CudaTensor x, CudaTensor y) { return x.c() == 1 || y.c() == 1; }

    /** y = ReLU?(conv(x, weight) + bias), overwritten; one thread per pixel. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        if (x.c() == 1) kernels.thinConvIn1Forward(x, weight, bias, y, relu);
        else kernels.thinConvOut1Forward(x, weight, bias, y, relu);
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
        int c = oneIn ? dy.c() : x.c(), chunks = Kernels.biasChunks(x.n(), x.h() * x.w());
        CUdeviceptr sums = partials.atLeast((long) c * KernelConstants.THIN_SUMS * chunks * Float.BYTES);
        kernels.thinConvWeightGradPartials(x, relu || dPooled != null ? y : null, dy, dPooled, sums, relu, dx != null);
        kernels.thinConvWeightGradReduce(sums, chunks, dWeight, dBias);
        if (dx == null) return;
        if (oneIn) kernels.thinConvIn1BackwardData(dy, weight, dx);
        else kernels.thinConvOut1BackwardData(dy, weight, dx);
    }
}
