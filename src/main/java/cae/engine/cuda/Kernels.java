package cae.engine.cuda;

import cae.engine.Noise;
import cae.engine.Sampling;
import jcuda.driver.CUdeviceptr;

import java.util.List;

/**
 * Every kernel of kernels/*.cu, one typed method each: the only place that knows a kernel's name, the
 * order of its parameters and its grid. The sizes come from the tensors, so a caller cannot pass them
 * out of order. The engine launches through the GPU's {@link KernelModule}; the kernel tests call these
 * same methods with the CPU emulation as launcher and compare with the CPU engine, and the emulation
 * refuses an argument whose kind or element type is not the C++ parameter's.
 *
 * <p>Tensors are NCHW; "partials" are scratch buffers the caller sizes (see each method).
 */
final class Kernels {
    /** Every kernel's name, as the fatbin and the emulation hold it. */
    static final List<String> NAMES = List.of(
            "resize_nearest_forward", "resize_nearest_backward", "resize_nearest_relu_backward_bias_partials",
            "maxpool_same_forward", "maxpool_same_backward", "maxpool_relu_backward_bias_partials", "maxpool_same_gather",
            "bias_relu_forward", "relu_backward_bias_partials", "bias_grad_reduce", "sigmoid_forward",
            "sigmoid_xent_forward_backward", "squared_error_forward_backward", "loss_reduce", "adam_update", "gather_noise",
            "step_scalars_set", "elementwise_add", "elementwise_subtract",
            "im2col3x3", "col2im3x3", "im2col3x3_s2", "col2im3x3_s2",
            "resize_bilinear_forward", "resize_bilinear_backward",
            "thin_conv_in1_forward", "thin_conv_out1_forward", "thin_conv_in1_backward_data", "thin_conv_out1_backward_data",
            "thin_conv_weight_grad_partials", "thin_conv_weight_grad_reduce",
            "conv3x3_weight_grad_partials", "conv3x3_weight_grad_reduce", "direct_conv_forward");

    private static final int MAX_BLOCKS = 1 << 16;

    private final KernelLauncher launcher;

    Kernels(KernelLauncher launcher) { this.launcher = launcher; }

    /** One block per {@link KernelConstants#THREADS} of {@code total}, at least 1 and at most 65,536. */
    static int blocksFor(long total) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (total + KernelConstants.THREADS - 1) / KernelConstants.THREADS));
    }

    /** Chunks of a channel's n x hw cells, each summed by one block (cae::bias_grad_chunks). */
    static int biasChunks(int n, int hw) { return (n * hw + KernelConstants.BIAS_CHUNK - 1) / KernelConstants.BIAS_CHUNK; }

    /** Blocks of the loss's first kernel for {@code count} elements, and so its partial sums: a grid that depends only on count. */
    static int lossBlocks(int count) { return blocksFor(count); }

    /**
     * Blocks of the direct weight gradient: every run of {@code samplesPerBlock} samples times every run
     * of {@code tilesPerBlock} row tiles (cae::wgrad_range takes them in that order).
     */
    static int weightGradBlocks(int n, int h, int samplesPerBlock, int tilesPerBlock) {
        int rowTiles = (h + KernelConstants.WGRAD_TILE_ROWS - 1) / KernelConstants.WGRAD_TILE_ROWS;
        return (n + samplesPerBlock - 1) / samplesPerBlock * ((rowTiles + tilesPerBlock - 1) / tilesPerBlock);
    }

    private int stride(long total) { return launcher.gridStrideBlocks(total); }

    private void launch(String name, int blocksX, int blocksY, KernelArgs args) { launcher.launch(name, blocksX, blocksY, args); }

    private static KernelArgs args() { return new KernelArgs(); }

    // ---- resize.cu ----

    /** y = x resized (nearest) to y's height and width. */
    void resizeNearestForward(CudaTensor x, CudaTensor y) {
        launch("resize_nearest_forward", stride(y.size()), 1,
                args().tensor(x).tensor(y).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()).i32(y.h()).i32(y.w()));
    }

    /** dx (overwritten) = each source cell's sum of the resized gradient dy. */
    void resizeNearestBackward(CudaTensor dy, CudaTensor dx) {
        launch("resize_nearest_backward", stride(dx.size()), 1,
                args().tensor(dy).tensor(dx).i32(dx.n()).i32(dx.c()).i32(dx.h()).i32(dx.w()).i32(dy.h()).i32(dy.w()));
    }

    /**
     * dy (y's shape, overwritten) = the resized gradient summed back to each cell and masked where the
     * ReLU output y <= 0, and its per-chunk bias sums into {@code partials} (c x {@link #biasChunks} floats),
     * which {@link #biasGradReduce} finishes.
     */
    void resizeNearestReluBackwardBiasPartials(CudaTensor y, CudaTensor dResized, CudaTensor dy, CUdeviceptr partials) {
        launch("resize_nearest_relu_backward_bias_partials", biasChunks(dy.n(), dy.h() * dy.w()), dy.c(),
                args().tensor(y).tensor(dResized).tensor(dy).pointer(partials).i32(dy.n()).i32(dy.c()).i32(dy.h()).i32(dy.w())
                        .i32(dResized.h()).i32(dResized.w()));
    }

    // ---- maxpool.cu ----

    /** y = the 2x2 SAME max-pool of x. */
    void maxPoolForward(CudaTensor x, CudaTensor y) {
        launch("maxpool_same_forward", stride(y.size()), 1, args().tensor(x).tensor(y).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()));
    }

    /** dx (x's shape, overwritten) = each window's dy at its first arg-max in x, 0 elsewhere (also max-unpooling). */
    void maxPoolBackward(CudaTensor x, CudaTensor dy, CudaTensor dx) {
        launch("maxpool_same_backward", stride(x.size()), 1,
                args().tensor(x).tensor(dy).tensor(dx).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()));
    }

    /**
     * dy (y's shape, overwritten) = the pooled gradient routed to each window's first arg-max in the ReLU
     * output y and masked where y <= 0, and its per-chunk bias sums into {@code partials} (c x
     * {@link #biasChunks} floats), which {@link #biasGradReduce} finishes.
     */
    void maxPoolReluBackwardBiasPartials(CudaTensor y, CudaTensor dPooled, CudaTensor dy, CUdeviceptr partials) {
        launch("maxpool_relu_backward_bias_partials", biasChunks(dy.n(), dy.h() * dy.w()), dy.c(),
                args().tensor(y).tensor(dPooled).tensor(dy).pointer(partials).i32(dy.n()).i32(dy.c()).i32(dy.h()).i32(dy.w()));
    }

    // ---- unpool.cu ----

    /** dValues (pooled shape, overwritten) = dOut at each window's first arg-max in the pool's input x. */
    void maxPoolGather(CudaTensor x, CudaTensor dOut, CudaTensor dValues) {
        launch("maxpool_same_gather", stride(dValues.size()), 1,
                args().tensor(x).tensor(dOut).tensor(dValues).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()));
    }

    // ---- activation.cu ----

    /** y += bias per channel, in place, then ReLU when {@code relu}. */
    void biasReluForward(CudaTensor y, CudaTensor bias, boolean relu) {
        launch("bias_relu_forward", stride(y.size()), 1,
                args().tensor(y).tensor(bias).i32(y.n()).i32(y.c()).i32(y.h() * y.w()).flag(relu));
    }

    /**
     * dy = 0 where y <= 0, in place, when {@code relu} (y may be null otherwise), and dy's per-chunk
     * bias sums into {@code partials} (c x {@link #biasChunks} floats), which {@link #biasGradReduce} finishes.
     */
    void reluBackwardBiasPartials(CudaTensor y, CudaTensor dy, CUdeviceptr partials, boolean relu) {
        launch("relu_backward_bias_partials", biasChunks(dy.n(), dy.h() * dy.w()), dy.c(),
                args().tensorOrNull(y).tensor(dy).pointer(partials).i32(dy.n()).i32(dy.c()).i32(dy.h() * dy.w()).flag(relu));
    }

    /** dBias[ch] (overwritten) = the sum of channel ch's {@code chunks} partial sums, in order. */
    void biasGradReduce(CUdeviceptr partials, int chunks, CudaTensor dBias) {
        launch("bias_grad_reduce", dBias.size(), 1, args().pointer(partials).i32(chunks).tensor(dBias));
    }

    /** y = sigmoid(x). */
    void sigmoidForward(CudaTensor x, CudaTensor y) {
        launch("sigmoid_forward", stride(x.size()), 1, args().tensor(x).tensor(y).i32(x.size()));
    }

    // ---- loss.cu ----

    /**
     * grad = (sigmoid(logits) - target) / count, and each block's loss sum into {@code partials}
     * ({@link #lossBlocks} floats), which {@link #lossReduce} finishes.
     */
    void sigmoidXentForwardBackward(CudaTensor logits, CudaTensor target, CudaTensor grad, CUdeviceptr partials) {
        int count = logits.size();
        launch("sigmoid_xent_forward_backward", lossBlocks(count), 1,
                args().tensor(logits).tensor(target).tensor(grad).pointer(partials).i32(count));
    }

    /**
     * grad = 2 (prediction - target) / count, and each block's sum of squared errors into {@code partials}
     * ({@link #lossBlocks} floats), which {@link #lossReduce} finishes.
     */
    void squaredErrorForwardBackward(CudaTensor prediction, CudaTensor target, CudaTensor grad, CUdeviceptr partials) {
        int count = prediction.size();
        launch("squared_error_forward_backward", lossBlocks(count), 1,
                args().tensor(prediction).tensor(target).tensor(grad).pointer(partials).i32(count));
    }

    /** losses[slot] = the sum of the {@code partialCount} partial sums / count, the slot read from the step scalars at {@code slot}. */
    void lossReduce(CUdeviceptr partials, int partialCount, CudaTensor losses, int count, CUdeviceptr slot) {
        launch("loss_reduce", 1, 1, args().pointer(partials).i32(partialCount).tensor(losses).i32(count).pointer(slot));
    }

    // ---- adam.cu ----

    /** One Adam update of p, m and v in place from g; the rate lr_t is read from the step scalars at {@code rate}. */
    void adamUpdate(CudaTensor p, CudaTensor g, CudaTensor m, CudaTensor v, float beta1, float beta2, float epsilon, CUdeviceptr rate) {
        launch("adam_update", stride(p.size()), 1, args().tensor(p).tensor(g).tensor(m).tensor(v).i32(p.size())
                .f32(beta1).f32(beta2).f32(epsilon).pointer(rate));
    }

    // ---- noise.cu ----

    /**
     * clean (n x c x h x w) = samples order[from .. from + n) of the sampling's images / 255: whole
     * images, or crops of h x w with flips as {@link Sampling#crop} draws them; and, unless noisy is
     * null, noisy = the paired images' same crops, or clean corrupted by the sampling's noise. from and
     * the step are read from the step scalars at {@code fromAndStep}.
     */
    void gatherNoise(Sampling sampling, CUdeviceptr order, CudaTensor clean, CudaTensor noisy, CUdeviceptr fromAndStep) {
        CudaImageSet images = (CudaImageSet) sampling.images(), paired = (CudaImageSet) sampling.paired();
        launch("gather_noise", stride(clean.size()), 1, args().pointer(images.pixels).pointer(images.offsets).pointer(images.sizes)
                .pointer(paired == null ? null : paired.pixels).pointer(paired == null ? null : paired.offsets).pointer(order)
                .i32(clean.n()).i32(clean.c()).i32(clean.h()).i32(clean.w()).flag(sampling.crop()).flag(sampling.flips())
                .tensor(clean).tensorOrNull(noisy).i32(noiseKind(sampling.noise().kind())).f32(sampling.noise().strength())
                .i64(sampling.seed()).pointer(fromAndStep));
    }

    /** A noise model as gather_noise takes it (cae::kNoise*). */
    static int noiseKind(Noise.Kind kind) {
        return switch (kind) {
            case NONE -> KernelConstants.NOISE_NONE;
            case GAUSSIAN -> KernelConstants.NOISE_GAUSSIAN;
            case SALT_PEPPER -> KernelConstants.NOISE_SALT_PEPPER;
            case MASK -> KernelConstants.NOISE_MASK;
        };
    }

    // ---- step.cu ----

    /** dst[0 .. count) = words[0 .. count), words holding {@link KernelConstants#STEP_WORDS}. */
    void stepScalarsSet(CUdeviceptr dst, int count, long[] words) {
        if (words.length != KernelConstants.STEP_WORDS) throw new IllegalArgumentException("step_scalars_set takes " + KernelConstants.STEP_WORDS + " words");
        launch("step_scalars_set", 1, 1, args().pointer(dst).i32(count).words(words));
    }

    // ---- elementwise.cu ----

    /** out = a + b; out may be a or b. */
    void elementwiseAdd(CudaTensor a, CudaTensor b, CudaTensor out) {
        launch("elementwise_add", stride(out.size()), 1, args().tensor(a).tensor(b).tensor(out).i32(out.size()));
    }

    /** out = a - b; out may be a or b. */
    void elementwiseSubtract(CudaTensor a, CudaTensor b, CudaTensor out) {
        launch("elementwise_subtract", stride(out.size()), 1, args().tensor(a).tensor(b).tensor(out).i32(out.size()));
    }

    // ---- im2col.cu ----

    /** col (n x cin * 9 x h * w) = the 3x3 SAME windows of x. */
    void im2col3x3(CudaTensor x, CUdeviceptr col) {
        launch("im2col3x3", stride((long) x.size() * 9), 1, args().tensor(x).pointer(col).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()));
    }

    /** dx (overwritten) = col folded back, each cell the sum of the column entries that read it. */
    void col2im3x3(CUdeviceptr col, CudaTensor dx) {
        launch("col2im3x3", stride(dx.size()), 1, args().pointer(col).tensor(dx).i32(dx.n()).i32(dx.c()).i32(dx.h()).i32(dx.w()));
    }

    // ---- im2col_s2.cu ----

    /** col (n x c * 9 x small's h * w) = the stride-2 windows of big (n x c x oh x ow), small's grid being ceil(oh / 2) x ceil(ow / 2). */
    void im2col3x3Stride2(CudaTensor big, CudaTensor small, CUdeviceptr col) {
        launch("im2col3x3_s2", stride((long) big.n() * big.c() * 9 * small.h() * small.w()), 1,
                args().tensor(big).pointer(col).i32(big.n()).i32(big.c()).i32(small.h()).i32(small.w()).i32(big.h()).i32(big.w()));
    }

    /** big (overwritten) = col (n x big's c * 9 x small's h * w) folded back over the stride-2 windows. */
    void col2im3x3Stride2(CUdeviceptr col, CudaTensor small, CudaTensor big) {
        launch("col2im3x3_s2", stride(big.size()), 1,
                args().pointer(col).tensor(big).i32(big.n()).i32(big.c()).i32(small.h()).i32(small.w()).i32(big.h()).i32(big.w()));
    }

    // ---- bilinear.cu ----

    /** y = x resized (bilinear, TF1 rule) to y's height and width. */
    void resizeBilinearForward(CudaTensor x, CudaTensor y) {
        launch("resize_bilinear_forward", stride(y.size()), 1,
                args().tensor(x).tensor(y).i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()).i32(y.h()).i32(y.w()));
    }

    /** dx (overwritten) = each source cell's weighted sum of the dy cells that read it. */
    void resizeBilinearBackward(CudaTensor dy, CudaTensor dx) {
        launch("resize_bilinear_backward", stride(dx.size()), 1,
                args().tensor(dy).tensor(dx).i32(dx.n()).i32(dx.c()).i32(dx.h()).i32(dx.w()).i32(dy.h()).i32(dy.w()));
    }

    // ---- thin_conv.cu: c is the wide side's channels ----

    /** y (n x c x h x w) = ReLU?(conv(x (n x 1 x h x w), weight) + bias), overwritten. */
    void thinConvIn1Forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        launch("thin_conv_in1_forward", stride((long) x.n() * x.h() * x.w()), 1, args().tensor(x).tensor(weight).tensor(bias).tensor(y)
                .i32(x.n()).i32(y.c()).i32(x.h()).i32(x.w()).flag(relu));
    }

    /** y (n x 1 x h x w) = ReLU?(conv(x (n x c x h x w), weight) + bias), overwritten. */
    void thinConvOut1Forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        launch("thin_conv_out1_forward", stride((long) x.n() * x.h() * x.w()), 1, args().tensor(x).tensor(weight).tensor(bias).tensor(y)
                .i32(x.n()).i32(x.c()).i32(x.h()).i32(x.w()).flag(relu));
    }

    /** dx (n x 1 x h x w, overwritten) from the masked dy (n x c x h x w). */
    void thinConvIn1BackwardData(CudaTensor dy, CudaTensor weight, CudaTensor dx) {
        launch("thin_conv_in1_backward_data", stride((long) dx.n() * dx.h() * dx.w()), 1, args().tensor(dy).tensor(weight).tensor(dx)
                .i32(dx.n()).i32(dy.c()).i32(dx.h()).i32(dx.w()));
    }

    /** dx (n x c x h x w, overwritten) from the masked dy (n x 1 x h x w). */
    void thinConvOut1BackwardData(CudaTensor dy, CudaTensor weight, CudaTensor dx) {
        launch("thin_conv_out1_backward_data", stride((long) dx.n() * dx.h() * dx.w()), 1, args().tensor(dy).tensor(weight).tensor(dx)
                .i32(dx.n()).i32(dx.c()).i32(dx.h()).i32(dx.w()));
    }

    /**
     * The thin layer x -> dy's weight and bias gradient sums, per chunk and wide channel, into
     * {@code partials} (c x {@link KernelConstants#THIN_SUMS} x {@link #biasChunks} floats), which
     * {@link #thinConvWeightGradReduce} finishes. dy is masked where y <= 0 when {@code relu} (y may be
     * null otherwise, unless dPooled is given); with dPooled (may be null), dy's values are routed from
     * it by y's arg-max instead of read; with {@code store} the masked dy is written back.
     */
    void thinConvWeightGradPartials(CudaTensor x, CudaTensor y, CudaTensor dy, CudaTensor dPooled, CUdeviceptr partials,
                                    boolean relu, boolean store) {
        boolean oneIn = x.c() == 1;
        int n = x.n(), c = oneIn ? dy.c() : x.c(), h = x.h(), w = x.w();
        launch("thin_conv_weight_grad_partials", biasChunks(n, h * w), c, args().tensor(x).tensorOrNull(y).tensor(dy)
                .tensorOrNull(dPooled).pointer(partials).i32(n).i32(c).i32(h).i32(w).flag(oneIn).flag(relu).flag(store));
    }

    /**
     * dWeight (c x 9) and dBias, overwritten, from the {@code chunks} partial sums of each row: dBias has
     * one value per wide channel for one input channel, one in all for one output channel (with c = 1
     * the two are the same).
     */
    void thinConvWeightGradReduce(CUdeviceptr partials, int chunks, CudaTensor dWeight, CudaTensor dBias) {
        int c = dWeight.size() / 9;
        launch("thin_conv_weight_grad_reduce", c * KernelConstants.THIN_SUMS, 1,
                args().pointer(partials).i32(chunks).tensor(dWeight).tensor(dBias).flag(dBias.size() == c));
    }

    // ---- conv_wgrad.cu ----

    /**
     * dWeight's partial sums of the convolution x -> dy, one row of cout x cin x 9 per block of
     * {@code samplesPerBlock} samples and {@code tilesPerBlock} row tiles, into {@code partials}
     * ({@link #weightGradBlocks} rows); {@link #conv3x3WeightGradReduce} adds the rows.
     */
    void conv3x3WeightGradPartials(CudaTensor x, CudaTensor dy, CUdeviceptr partials, int samplesPerBlock, int tilesPerBlock) {
        launch("conv3x3_weight_grad_partials", weightGradBlocks(x.n(), x.h(), samplesPerBlock, tilesPerBlock), 1,
                args().tensor(x).tensor(dy).pointer(partials).i32(x.n()).i32(x.c()).i32(dy.c()).i32(x.h()).i32(x.w())
                        .i32(samplesPerBlock).i32(tilesPerBlock));
    }

    /** dWeight (overwritten) = the sum of the {@code rows} rows of partial sums, in row order. */
    void conv3x3WeightGradReduce(CUdeviceptr partials, int rows, CudaTensor dWeight) {
        launch("conv3x3_weight_grad_reduce", stride(dWeight.size()), 1, args().pointer(partials).i32(rows).tensor(dWeight).i32(dWeight.size()));
    }

    // ---- direct_conv.cu ----

    /** y = ReLU?(conv(x, weight) + bias), overwritten; x has at most {@link KernelConstants#DIRECT_MAX_IN} channels. */
    void directConvForward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        int groups = (y.c() + KernelConstants.DIRECT_GROUP - 1) / KernelConstants.DIRECT_GROUP;
        launch("direct_conv_forward", stride((long) x.n() * x.h() * x.w()), groups, args().tensor(x).tensor(weight).tensor(bias).tensor(y)
                .i32(x.n()).i32(x.c()).i32(y.c()).i32(x.h()).i32(x.w()).flag(relu));
    }
}
