package cae.engine;

import java.util.Arrays;

/**
 * The shape rules of the ops (docs/SPEC.md §2), each written once, and the argument checks every
 * engine runs before an op touches memory. The engines, the model's {@code Architecture} and the tests
 * call these; the CUDA kernels write the same rules in C++ (kernels/shapes.cuh), and the kernel tests
 * hold the two together.
 *
 * <p>Every check throws {@link IllegalArgumentException} with a message that starts with the op's
 * name, so every engine refuses the same bad call with the same words. Messages are built only when
 * a check fails: these run on every op of every step.
 */
public final class Shapes {
    private Shapes() {}

    // ---- the rules ----

    /** A side after a 2x2 stride-2 max-pool with TensorFlow's SAME padding: ceil(in / 2). */
    public static int pooled(int in) { return (in + 1) / 2; }

    /**
     * TensorFlow SAME padding before the first window of a 2x2 stride-2 pool over {@code in} cells:
     * the total is max((out - 1) * 2 + 2 - in, 0) and the extra cell, if any, goes at the end. For a
     * 2x2 stride-2 window the total is at most 1, so this is always 0; it is written out so that the
     * rule reads as TensorFlow states it.
     */
    public static int poolPadBefore(int in) {
        int out = pooled(in);
        return Math.max((out - 1) * 2 + 2 - in, 0) / 2;
    }

    /** A side at each level of the encoder: n, then after each of {@code pools} pools. */
    public static int[] levels(int n, int pools) {
        int[] sides = new int[pools + 1];
        sides[0] = n;
        for (int i = 1; i <= pools; i++) sides[i] = pooled(sides[i - 1]);
        return sides;
    }

    /**
     * The nearest-resize source of output cell {@code dst} along an axis of {@code in} cells resized
     * to {@code out} (TensorFlow 1, align_corners = half_pixel_centers = false; PyTorch's
     * 'nearest'): min(floor(dst * in / out), in - 1).
     */
    public static int nearestSource(int dst, int in, int out) {
        return Math.min((int) ((long) dst * in / out), in - 1);
    }

    /**
     * The first output cell whose nearest source is {@code source}: ceil(source * out / in). The
     * outputs of a source are [first(source), min(first(source + 1), out)), none where a downscale
     * skips it; the backward pass gathers over that range.
     */
    public static int nearestFirstTarget(int source, int in, int out) {
        return (int) (((long) source * out + in - 1) / in);
    }

    /** Bilinear (TF1 rule): the lower source cell of output cell {@code dst}, floor(dst * in / out). */
    public static int bilinearLow(int dst, int in, int out) { return (int) ((long) dst * in / out); }

    /** Bilinear (TF1 rule): the upper source cell, min(low + 1, in - 1). */
    public static int bilinearHigh(int dst, int in, int out) { return Math.min(bilinearLow(dst, in, out) + 1, in - 1); }

    /**
     * Bilinear (TF1 rule): the weight of the upper source cell, dst * in / out - low, is this remainder
     * over {@code out}: (dst * in mod out) / out, one rounding in the engine's precision, so no weight
     * is off where dst * in / out is whole.
     */
    public static long bilinearRemainder(int dst, int in, int out) { return (long) dst * in % out; }

    /** A stride-2, padding-1, 3x3 transposed convolution from {@code in} cells may give 2 in - 1 or 2 in cells. */
    public static boolean transposedOutput(int in, int out) { return out == 2 * in - 1 || out == 2 * in; }

    // ---- the checks ----

    private static IllegalArgumentException refuse(String op, String problem) {
        return new IllegalArgumentException(op + ": " + problem);
    }

    /** How a tensor reads in messages: its shape, whichever engine holds it. */
    private static String shape(Tensor t) { return Arrays.toString(t.shape()); }

    private static void present(String op, String argument, Tensor t) {
        if (t == null) throw refuse(op, argument + " is missing (null)");
    }

    /** {@code t} holds exactly {@code size} elements. */
    public static void size(String op, String argument, Tensor t, long size) {
        present(op, argument, t);
        if (t.size() != size) throw new IllegalArgumentException(op + " " + argument + ": expected " + size + " elements, got " + shape(t));
    }

    private static void rank4(String op, String argument, Tensor t) {
        present(op, argument, t);
        if (t.rank() != 4) throw refuse(op, argument + " must be N x C x H x W, not " + shape(t));
    }

    /** A new tensor's shape: no negative dimension, and fewer than 2^31 elements (the engines index with an int). */
    public static void zeros(int... shape) {
        long elements = 1;
        for (int d : shape) {
            if (d < 0) throw refuse("zeros", "negative dimension in " + Arrays.toString(shape));
            elements *= d;
            if (elements > Integer.MAX_VALUE) throw refuse("zeros", "more than 2^31 - 1 elements in " + Arrays.toString(shape));
        }
    }

    /** A view of {@code base} from element {@code offset} with {@code shape} lies inside it. */
    public static void view(Tensor base, int offset, int... shape) {
        present("view", "base", base);
        zeros(shape);
        long size = 1;
        for (int d : shape) size *= d;
        if (offset < 0 || offset + size > base.size())
            throw refuse("view", "[" + offset + ", " + (offset + size) + ") outside " + shape(base));
    }

    /** A host array of {@code length} for {@code read} or {@code write} of {@code t}. */
    public static void copy(String op, Tensor t, int length) {
        present(op, "tensor", t);
        if (t.size() != length) throw refuse(op, "the tensor " + shape(t) + " holds " + t.size() + " elements, the host array " + length);
    }

    /** A copy between two tensors of one size. */
    public static void copy(String op, Tensor src, Tensor dst) {
        present(op, "src", src);
        size(op, "dst", dst, src.size());
    }

    public static void upload(int pixels, int count, int height, int width) {
        if (count < 0 || height < 0 || width < 0 || (long) count * height * width != pixels)
            throw refuse("upload", pixels + " pixels for " + count + " images of " + height + "x" + width);
    }

    /**
     * A batch of {@code clean.n()} samples from position {@code from} of an order of {@code orderLength}:
     * the images' channels, and the batch's size equal to every image's, or, with crops, no larger
     * than the smallest image.
     */
    public static void gather(Sampling sampling, int from, int orderLength, Tensor clean, Tensor noisy) {
        String op = "gather";
        if (sampling == null) throw refuse(op, "the sampling is missing (null)");
        ImageSet images = sampling.images();
        rank4(op, "clean", clean);
        int n = clean.n();
        if (from < 0 || (long) from + n > orderLength)
            throw refuse(op, "batch [" + from + ", " + ((long) from + n) + ") outside an order of " + orderLength);
        if (clean.c() != images.channels())
            throw refuse(op, "a batch of " + clean.c() + " channels " + shape(clean) + " from images of " + images.channels());
        if (sampling.crop()) {
            if (clean.h() > images.minHeight() || clean.w() > images.minWidth())
                throw refuse(op, "crops of " + clean.h() + "x" + clean.w() + " from images as small as "
                        + images.minHeight() + "x" + images.minWidth());
        } else if (!images.sameSize() || clean.h() != images.height() || clean.w() != images.width()) {
            size(op, "clean", clean, (long) n * images.channels() * images.height() * images.width());
        }
        if (noisy != null) size(op, "noisy", noisy, clean.size());
        if (sampling.paired() != null && noisy == null) throw refuse(op, "real noisy images need a noisy tensor to go to");
    }

    /** As {@link #gather(Sampling, int, int, Tensor, Tensor)} for whole images. */
    public static void gather(ImageSet images, int from, int orderLength, Tensor clean, Tensor noisy) {
        if (images == null) throw refuse("gather", "images is missing (null)");
        gather(Sampling.whole(images, Noise.NONE, 0), from, orderLength, clean, noisy);
    }

    /** y = conv3x3(x): same batch and size; weight (Cout, Cin, 3, 3), bias (Cout). */
    public static void conv(String op, Tensor x, Tensor weight, Tensor bias, Tensor y) {
        rank4(op, "input", x);
        rank4(op, "output", y);
        if (x.n() != y.n() || x.h() != y.h() || x.w() != y.w())
            throw refuse(op, "input " + shape(x) + " and output " + shape(y) + " do not match");
        size(op, "weight", weight, (long) y.c() * x.c() * 9);
        size(op, "bias", bias, y.c());
    }

    /** The gradients of a convolution: dy has y's shape; with ReLU, y (the layer's output) is needed. */
    public static void convBackward(String op, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        conv(op, x, weight, dBias, dy);
        gradients(op, x, weight, y, dy, relu, dx, dWeight);
    }

    private static void gradients(String op, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight) {
        if (dx != null) size(op, "dx", dx, x.size());
        if (relu) {
            if (y == null) throw refuse(op, "relu needs the layer's output y");
            size(op, "y", y, dy.size());
        }
        size(op, "dWeight", dWeight, weight.size());
    }

    /** The backward of a convolution then a max-pool (the encoder's stages), from the pooled gradient. */
    public static void convPoolBackward(String op, Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                        Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        pool(op, y, pooled);
        size(op, "dPooled", dPooled, pooled.size());
        convBackward(op, x, weight, y, dy, relu, dx, dWeight, dBias);
    }

    /** The backward of a convolution then a nearest resize (the decoder's stages), from the resized gradient. */
    public static void convResizeBackward(String op, Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                          Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        resize(op, dy, dResized);
        convBackward(op, x, weight, y, dy, relu, dx, dWeight, dBias);
    }

    /** y = conv3x3(the nearest resize of x to up's size), up having y's size (the nearest decoder's up stages). */
    public static void resizeConv(String op, Tensor x, Tensor up, Tensor weight, Tensor bias, Tensor y) {
        resize(op, x, up);
        conv(op, up, weight, bias, y);
    }

    /** The gradients of {@link #resizeConv}: dy has y's shape, dUp up's, dx x's. */
    public static void resizeConvBackward(String op, Tensor x, Tensor up, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dUp, Tensor dx, Tensor dWeight, Tensor dBias) {
        resize(op, x, up);
        convBackward(op, up, weight, y, dy, relu, dUp, dWeight, dBias);
        present(op, "dUp", dUp);
        present(op, "dx", dx);
        size(op, "dx", dx, x.size());
    }

    /** y = transposedConv3x3(x): each output side 2 x input - 1 or 2 x input; weight (Cin, Cout, 3, 3). */
    public static void transposedConv(String op, Tensor x, Tensor weight, Tensor bias, Tensor y) {
        rank4(op, "input", x);
        rank4(op, "output", y);
        if (x.n() != y.n() || !transposedOutput(x.h(), y.h()) || !transposedOutput(x.w(), y.w()))
            throw refuse(op, "input " + shape(x) + " cannot give output " + shape(y)
                    + " (each output side must be 2 x input - 1 or 2 x input)");
        size(op, "weight", weight, (long) x.c() * y.c() * 9);
        size(op, "bias", bias, y.c());
    }

    public static void transposedConvBackward(String op, Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                              Tensor dx, Tensor dWeight, Tensor dBias) {
        transposedConv(op, x, weight, dBias, dy);
        gradients(op, x, weight, y, dy, relu, dx, dWeight);
    }

    /** y = maxPool(x): same batch and channels, each side ceil(side / 2). */
    public static void pool(String op, Tensor x, Tensor y) {
        rank4(op, "input", x);
        rank4(op, "output", y);
        if (x.n() != y.n() || x.c() != y.c() || y.h() != pooled(x.h()) || y.w() != pooled(x.w()))
            throw refuse(op, shape(x) + " cannot pool to " + shape(y));
    }

    /** The max-pool's gradient: dy has y's size, dx has x's. */
    public static void poolBackward(String op, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        pool(op, x, y);
        size(op, "dy", dy, y.size());
        size(op, "dx", dx, x.size());
    }

    /** The max-unpool's gradient: dOut has the pool input's size, dValues the pooled one's. */
    public static void unpoolBackward(String op, Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        pool(op, poolInput, pooled);
        size(op, "dOut", dOut, poolInput.size());
        size(op, "dValues", dValues, pooled.size());
    }

    /** A resize between {@code small} and {@code large} (either way): same batch and channels. */
    public static void resize(String op, Tensor small, Tensor large) {
        rank4(op, "input", small);
        rank4(op, "output", large);
        if (small.n() != large.n() || small.c() != large.c())
            throw refuse(op, shape(small) + " and " + shape(large) + " do not match");
    }

    /** A bilinear resize also needs a cell to interpolate from. */
    public static void bilinearResize(String op, Tensor small, Tensor large) {
        resize(op, small, large);
        if (small.h() == 0 || small.w() == 0) throw refuse(op, "nothing to interpolate from in " + shape(small));
    }

    public static void sigmoid(Tensor x, Tensor y) {
        present("sigmoid", "x", x);
        if (x.rank() == 0) throw refuse("sigmoid", "x needs a batch dimension, not " + shape(x));
        size("sigmoid", "y", y, x.size());
    }

    /**
     * A loss over {@code prediction} (logits or an image) against {@code target}, its gradient into
     * {@code gradient}, and its value into {@code losses[slot]}.
     */
    public static void loss(String op, Tensor prediction, Tensor target, Tensor gradient, Tensor losses, int slot) {
        present(op, "prediction", prediction);
        if (prediction.rank() == 0) throw refuse(op, "prediction needs a batch dimension, not " + shape(prediction));
        size(op, "target", target, prediction.size());
        size(op, "gradient", gradient, prediction.size());
        present(op, "losses", losses);
        if (slot < 0 || slot >= losses.size()) throw refuse(op, "loss slot " + slot + " outside " + shape(losses));
    }

    /** An element-wise op of two tensors into a third: all the same size. */
    public static void elementwise(String op, Tensor a, Tensor b, Tensor out) {
        present(op, "a", a);
        size(op, "b", b, a.size());
        size(op, "out", out, a.size());
    }

    public static void adam(Tensor params, Tensor grads, Tensor m, Tensor v) {
        present("adam", "params", params);
        size("adam", "grads", grads, params.size());
        size("adam", "m", m, params.size());
        size("adam", "v", v, params.size());
    }
}
