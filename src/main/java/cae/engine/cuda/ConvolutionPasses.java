package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

import java.util.function.Consumer;

/**
 * How each pass of a convolution layer runs on the GPU: the library's route ({@link Convolution}: cuDNN,
 * or im2col + cuBLAS) with our kernels for bias, ReLU and the bias gradient, or, per {@link Fusion}, our
 * fused kernels (thin and direct convolutions, the weight gradient with im2col folded in, the max-pool
 * and resize backwards folded into the next kernel). {@link FusionChoices} picks between the two ways;
 * both compute the same thing.
 */
final class ConvolutionPasses implements AutoCloseable {
    private final Convolution convolution, transposed;
    private final Kernels kernels;
    private final ThinConvolution thin;
    private final DirectConvolution direct;
    private final DirectWeightGradient directWeightGradient;
    private final FusionChoices fusions;
    private final DeviceMemory.Scratch biasPartials;

    ConvolutionPasses(Convolution convolution, Convolution transposed, Kernels kernels, DeviceMemory memory, FusionChoices fusions) {
        this.convolution = convolution;
        this.transposed = transposed;
        this.kernels = kernels;
        this.fusions = fusions;
        this.thin = new ThinConvolution(kernels, memory);
        this.direct = new DirectConvolution(kernels);
        this.directWeightGradient = new DirectWeightGradient(kernels, memory);
        this.biasPartials = memory.new Scratch("the bias gradient partial sums");
    }

    /** The routes with the algorithms chosen so far, and each fusion's choice. */
    String describe() { return convolution.describe() + "; " + transposed.describe() + "; " + fusions.describe(); }

    /** A convolution's case name: batch x in -> out channels, height x width, and whether ReLU follows. */
    private static String shape(CudaTensor x, CudaTensor y, boolean relu) {
        return x.n() + "x" + x.c() + "->" + y.c() + " " + x.h() + "x" + x.w() + (relu ? " relu" : "");
    }

    /** Engine.conv3x3. */
    void forward(CudaTensor xt, CudaTensor wt, CudaTensor bt, CudaTensor yt, boolean relu) {
        Runnable library = () -> {
            convolution.forward(xt, wt, yt);
            kernels.biasReluForward(yt, bt, relu);
        };
        if (ThinConvolution.fits(xt, yt)) {
            fusions.run("thin conv forward " + shape(xt, yt, relu), library, () -> thin.forward(xt, wt, bt, yt, relu), yt);
            return;
        }
        Runnable libraryBest = relu && convolution.hasFusedBiasRelu(xt, yt)
                ? () -> fusions.run("cuDNN conv + bias + ReLU forward " + shape(xt, yt, relu), library, () -> {
                    if (!convolution.forwardBiasRelu(xt, wt, bt, yt)) library.run();
                }, yt)
                : library;
        if (!DirectConvolution.fits(xt, yt)) {
            libraryBest.run();
            return;
        }
        String what = "direct conv forward " + shape(xt, yt, relu);
        // the library's own choice is settled first, so that the timing below replays it and times no choice
        if (libraryBest != library && fusions.needsTiming(what)) libraryBest.run();
        fusions.run(what, libraryBest, () -> direct.forward(xt, wt, bt, yt, relu), yt);
    }

    /** Engine.conv3x3Backward (yt is null without relu). */
    void backward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor dyt, boolean relu, CudaTensor dxt, CudaTensor dwt, CudaTensor dbt) {
        Runnable library = () -> libraryBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
        if (ThinConvolution.fits(xt, dyt))
            fusions.run("thin conv backward" + (dxt == null ? " without dx " : " ") + shape(xt, dyt, relu), library,
                    () -> thin.backward(xt, wt, yt, dyt, null, relu, dxt, dwt, dbt), dxt, dwt, dbt);
        else library.run();
    }

    /**
     * Engine.conv3x3PoolBackward. With fusion, the max-pool backward is folded into the next kernel: into
     * the one-channel layers' gradient pass (thin_conv_weight_grad_partials), and for the others into the
     * ReLU mask and bias gradient (maxpool_relu_backward_bias_partials, then bias_grad_reduce) before the
     * library's convolution backward.
     */
    void poolBackward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor dpt, boolean relu, CudaTensor dyt, CudaTensor dxt,
                      CudaTensor dwt, CudaTensor dbt) {
        if (ThinConvolution.fits(xt, dyt)) {
            fusions.run("thin conv + max-pool backward" + (dxt == null ? " without dx " : " ") + shape(xt, dyt, relu),
                    () -> {
                        kernels.maxPoolBackward(yt, dpt, dyt);
                        libraryBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
                    },
                    () -> thin.backward(xt, wt, yt, dyt, dpt, relu, dxt, dwt, dbt), dxt, dwt, dbt);
        } else if (relu) {
            fusions.run("max-pool backward + ReLU mask + bias gradient " + dyt.n() + "x" + dyt.c() + " " + dyt.h() + "x" + dyt.w(),
                    () -> {
                        kernels.maxPoolBackward(yt, dpt, dyt);
                        maskReluAndSumBias(yt, dyt, dbt, true);
                    },
                    () -> sumBias(dyt, dbt, partials -> kernels.maxPoolReluBackwardBiasPartials(yt, dpt, dyt, partials)), dyt, dbt);
            convolutionGradients(xt, wt, dyt, dxt, dwt);
        } else {
            kernels.maxPoolBackward(yt, dpt, dyt);
            libraryBackward(xt, wt, null, dyt, false, dxt, dwt, dbt);
        }
    }

    /**
     * Engine.conv3x3ResizeBackward (yt is null without relu). With fusion, the nearest resize's backward
     * is folded into the ReLU mask and bias gradient (resize_nearest_relu_backward_bias_partials, then
     * bias_grad_reduce) before the convolution's gradients. The decoder's layers have more than one
     * channel each side, so the thin convolutions never meet it there.
     */
    void resizeBackward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor drt, boolean relu, CudaTensor dyt, CudaTensor dxt,
                        CudaTensor dwt, CudaTensor dbt) {
        if (relu && !ThinConvolution.fits(xt, dyt)) {
            fusions.run("resize backward + ReLU mask + bias gradient " + dyt.n() + "x" + dyt.c() + " " + dyt.h() + "x" + dyt.w()
                            + "<-" + drt.h() + "x" + drt.w(),
                    () -> {
                        kernels.resizeNearestBackward(drt, dyt);
                        maskReluAndSumBias(yt, dyt, dbt, true);
                    },
                    () -> sumBias(dyt, dbt, partials -> kernels.resizeNearestReluBackwardBiasPartials(yt, drt, dyt, partials)), dyt, dbt);
            convolutionGradients(xt, wt, dyt, dxt, dwt);
        } else {
            kernels.resizeNearestBackward(drt, dyt);
            backward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
        }
    }

    /** Engine.transposedConv3x3. */
    void transposedForward(CudaTensor xt, CudaTensor wt, CudaTensor bt, CudaTensor yt, boolean relu) {
        transposed.forward(xt, wt, yt);
        kernels.biasReluForward(yt, bt, relu);
    }

    /** Engine.transposedConv3x3Backward (yt is null without relu). */
    void transposedBackward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor dyt, boolean relu, CudaTensor dxt, CudaTensor dwt,
                            CudaTensor dbt) {
        maskReluAndSumBias(yt, dyt, dbt, relu);
        transposed.backward(xt, wt, dyt, dxt, dwt);
    }

    /** The ReLU mask and bias gradient (our kernels), then the library's data and weight gradients. */
    private void libraryBackward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor dyt, boolean relu,
                                 CudaTensor dxt, CudaTensor dwt, CudaTensor dbt) {
        maskReluAndSumBias(yt, dyt, dbt, relu);
        convolutionGradients(xt, wt, dyt, dxt, dwt);
    }

    /** dx (may be null) and dWeight from the masked dy: the library's, or with fusion the weight gradient by our kernel, im2col folded in. */
    private void convolutionGradients(CudaTensor xt, CudaTensor wt, CudaTensor dyt, CudaTensor dxt, CudaTensor dwt) {
        Runnable library = () -> convolution.backward(xt, wt, dyt, dxt, dwt);
        if (DirectWeightGradient.fits(xt, dyt))
            fusions.run("im2col folded into the weight gradient " + shape(xt, dyt, false), library, () -> {
                if (dxt != null) convolution.backward(xt, wt, dyt, dxt, null);
                directWeightGradient.compute(xt, dyt, dwt);
            }, dxt, dwt);
        else library.run();
    }

    /**
     * The start of both convolutions' backward passes: dy = 0 where y <= 0 (in place), and the bias
     * gradient, summed per chunk of each channel by one block each, then per channel (a fixed order).
     */
    private void maskReluAndSumBias(CudaTensor yt, CudaTensor dyt, CudaTensor dbt, boolean relu) {
        sumBias(dyt, dbt, partials -> kernels.reluBackwardBiasPartials(yt, dyt, partials, relu));
    }

    /**
     * {@code pass}, one of the kernels that leave the masked dy and its per-chunk, per-channel bias sums
     * in the partials it is given, then bias_grad_reduce into dBias.
     */
    private void sumBias(CudaTensor dyt, CudaTensor dbt, Consumer<CUdeviceptr> pass) {
        int chunks = Kernels.biasChunks(dyt.n(), dyt.h() * dyt.w());
        CUdeviceptr partials = biasPartials.atLeast((long) chunks * dyt.c() * Float.BYTES);
        pass.accept(partials);
        kernels.biasGradReduce(partials, chunks, dbt);
    }

    @Override public void close() {
        convolution.close();
        transposed.close();
    }
}
