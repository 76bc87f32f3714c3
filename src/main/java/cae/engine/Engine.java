package cae.engine;

/**
 * What the model, the trainer and the optimizer need from a compute engine, and nothing more.
 *
 * <p>Every operation works on tensors this engine made. Operations run in call order; an engine may
 * run them asynchronously, so only {@link #read} is a point where results are known to be ready.
 * Semantics are those of docs/SPEC.md §2, written plainest in {@code cae.engine.reference.ReferenceEngine}.
 */
public interface Engine extends AutoCloseable {

    /** A one-line description: the engine, the device and the settings that change results or speed. */
    String describe();

    // ---- memory ----

    /** A new zero-filled tensor. */
    Tensor zeros(int... shape);

    /**
     * Gives back the memory of a tensor made by {@link #zeros} (not a view); it and its views must not be
     * used afterwards. A no-op where the garbage collector does this (the CPU engine). Not inside a step.
     */
    default void release(Tensor t) {}

    /** A tensor sharing {@code base}'s storage from element {@code offset}; used for parameters in one flat buffer. */
    Tensor view(Tensor base, int offset, int... shape);

    void write(Tensor dst, float[] src);

    void read(Tensor src, float[] dst);

    /** Sets every element to {@code value}; the engines' tests fill outputs with NaN through it, so that a cell an op leaves unwritten shows. */
    void fill(Tensor dst, float value);

    /** Grey images of one size, {@code count} x height x width bytes. */
    ImageSet upload(byte[] pixels, int count, int height, int width);

    /**
     * Images of any channels and sizes, copied to wherever the engine gathers from (the CPU engine
     * reads the host's buffers where they lie).
     */
    ImageSet upload(Pixels pixels);

    /**
     * Gives back the memory of an image set made by {@link #upload}; it must not be used afterwards. A
     * no-op where the garbage collector does this (the CPU engine). Not inside a step.
     */
    default void release(ImageSet images) {}

    // ---- data ----

    /**
     * Gathers images {@code order[from .. from+n)} into {@code clean} (pixels / 255) and writes
     * {@code noisy = clip(clean + noiseStd * N(0,1), 0, 1)}, the normals drawn by {@link Philox} from
     * (seed, step, element index) so a batch depends only on those. {@code order} must have been
     * given to {@link #setOrder} before. {@code noisy} may be null when {@code noiseStd} is 0.
     */
    void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step);

    /**
     * Gathers samples {@code order[from .. from+n)} of {@code sampling}'s images into {@code clean}
     * (pixels / 255, N x C x H x W): whole images, or crops of H x W at positions drawn by
     * {@link Sampling#crop} with its flips; and their noisy versions into {@code noisy}: the paired
     * images' same crops, or {@code clean} corrupted by the sampling's {@link Noise} with draws
     * counted over the batch's elements. {@code noisy} may be null when there is neither.
     */
    void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step);

    /** Sets the image order used by {@link #gather} (the epoch's shuffle). */
    void setOrder(int[] order);

    // ---- layers ----

    /** y = conv3x3_same(x, weight) + bias, then ReLU when {@code relu}. weight is OIHW (Cout, Cin, 3, 3). */
    void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu);

    /**
     * Gradients of {@link #conv3x3}. With {@code relu}, {@code y} is the layer's output and the
     * gradient is masked where y == 0; {@code dy} may be overwritten. {@code dx} may be null (first
     * layer). {@code dWeight} and {@code dBias} are overwritten, not accumulated.
     */
    void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                         Tensor dx, Tensor dWeight, Tensor dBias);

    /**
     * The backward of conv3x3 then maxPool (the encoder's stages), from the pooled gradient: exactly
     * maxPoolBackward(y, pooled, dPooled, dy) then conv3x3Backward(x, weight, y, dy, relu, dx, dWeight,
     * dBias), which is what this default does. An engine may fuse the routing, the ReLU mask and the
     * bias gradient. {@code dy} is scratch for the convolution output's gradient: what it holds
     * afterwards is not specified (a fused engine may never write it).
     */
    default void conv3x3PoolBackward(Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                     Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convPoolBackward("conv3x3PoolBackward", x, weight, y, pooled, dPooled, relu, dy, dx, dWeight, dBias);
        maxPoolBackward(y, pooled, dPooled, dy);
        conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias);
    }

    /**
     * The backward of conv3x3 then a nearest resize (the recipe's decoder stages), from the resized
     * gradient: exactly resizeBackward(dResized, dy) then conv3x3Backward(x, weight, y, dy, relu, dx,
     * dWeight, dBias), which is what this default does. An engine may fuse the resize backward, the ReLU
     * mask and the bias gradient; {@code dy} then holds the masked gradient, as it does here.
     */
    default void conv3x3ResizeBackward(Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                       Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convResizeBackward("conv3x3ResizeBackward", x, weight, y, dResized, relu, dy, dx, dWeight, dBias);
        resizeBackward(dResized, dy);
        conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias);
    }

    /**
     * The nearest decoder's up stage: y = conv3x3(the nearest resize of x to up's size, weight) + bias,
     * then ReLU when {@code relu}; exactly resize(x, up) then conv3x3(up, weight, bias, y, relu), which is
     * what this default does. {@code up} is scratch of the resized shape: what it holds afterwards is
     * not specified (an engine may compute y from x without it).
     */
    default void resizeConv3x3(Tensor x, Tensor up, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.resizeConv("resizeConv3x3", x, up, weight, bias, y);
        resize(x, up);
        conv3x3(up, weight, bias, y, relu);
    }

    /**
     * The backward of {@link #resizeConv3x3} from the gradient dy of its output: exactly
     * conv3x3Backward(up, weight, y, dy, relu, dUp, dWeight, dBias) then resizeBackward(dUp, dx), which
     * is what this default does, with {@code up} as resizeConv3x3 left it. dy is masked in place as
     * conv3x3Backward masks it; dUp is scratch whose contents afterwards are not specified.
     */
    default void resizeConv3x3Backward(Tensor x, Tensor up, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                       Tensor dUp, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.resizeConvBackward("resizeConv3x3Backward", x, up, weight, y, dy, relu, dUp, dx, dWeight, dBias);
        conv3x3Backward(up, weight, y, dy, relu, dUp, dWeight, dBias);
        resizeBackward(dUp, dx);
    }

    /** 2x2 stride-2 max-pool with TensorFlow SAME padding; y is ceil(H/2) x ceil(W/2). */
    void maxPool(Tensor x, Tensor y);

    /** Routes each dy to its window's first arg-max in x (row-major window order); dx is overwritten. */
    void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** Nearest resize (TF1, align_corners = half_pixel_centers = false) from x's H x W to y's. */
    void resize(Tensor x, Tensor y);

    /** Sums each dy cell into its source cell of dx; dx is overwritten. */
    void resizeBackward(Tensor dy, Tensor dx);

    void sigmoid(Tensor x, Tensor y);

    /** out = a + b, element by element (the skip connections); out may be a or b. */
    void add(Tensor a, Tensor b, Tensor out);

    /** out = a - b, element by element (the residual output: noisy input minus predicted noise); out may be a or b. */
    void subtract(Tensor a, Tensor b, Tensor out);

    /** dst = src (a skip connection's gradient kept before the ReLU mask overwrites it; the linear output). */
    void copy(Tensor src, Tensor dst);

    // ---- decoder variants; the recipe uses resize and conv3x3 only ----

    /**
     * Bilinear resize, TensorFlow 1 rule (align_corners = half_pixel_centers = false), per axis:
     * src = dst * in / out, i0 = floor(src), i1 = min(i0 + 1, in - 1), t = src - i0,
     * value = (1 - t) x[i0] + t x[i1]; rows then columns, so y = sum of four weighted cells.
     */
    void bilinearResize(Tensor x, Tensor y);

    /** Gradient of {@link #bilinearResize}: each dy cell spreads over its four source cells with the same weights; dx is overwritten. */
    void bilinearResizeBackward(Tensor dy, Tensor dx);

    /**
     * 3x3 transposed convolution, stride 2, padding 1 (PyTorch ConvTranspose2d(k=3, s=2, p=1) with the
     * output size given by y, which must be 2 H - 1 or 2 H per axis):
     * y[co][2 iy + ky - 1][2 ix + kx - 1] += x[ci][iy][ix] * weight[ci][co][ky][kx], plus bias, then ReLU
     * when {@code relu}. weight is (Cin, Cout, 3, 3), PyTorch's ConvTranspose2d layout.
     */
    void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu);

    /** Gradients of {@link #transposedConv3x3}, with the same contract as {@link #conv3x3Backward}. */
    void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                   Tensor dx, Tensor dWeight, Tensor dBias);

    /**
     * Max-unpooling (SegNet): puts {@code values} (pooled's shape) back where the encoder's pool of
     * {@code poolInput} found its maxima, zero elsewhere, into {@code out} (poolInput's shape). That is
     * exactly the max-pool's backward with the values as its gradient, which is how every engine runs it.
     */
    default void maxUnpool(Tensor poolInput, Tensor pooled, Tensor values, Tensor out) {
        maxPoolBackward(poolInput, pooled, values, out);
    }

    /** Gradient of max-unpooling: dValues[window] = dOut[the window's first arg-max cell in poolInput]; dValues is overwritten. */
    void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues);

    /**
     * The mean sigmoid cross-entropy of {@code logits} against {@code target} over all elements,
     * written to {@code losses[slot]}, and its gradient (sigmoid(x) - z) / count into {@code dLogits}.
     * The sum is taken in a fixed order, so the result does not depend on thread count.
     */
    void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot);

    /**
     * The mean squared error of {@code prediction} against {@code target} over all elements, written
     * to {@code losses[slot]}, and its gradient 2 (prediction - target) / count into
     * {@code dPrediction}; the sum in a fixed order, as for {@link #sigmoidCrossEntropy}.
     */
    void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot);

    // ---- optimizer ----

    /**
     * One Adam update over flat buffers, TensorFlow 1 form: m = b1 m + (1 - b1) g;
     * v = b2 v + (1 - b2) g^2; p -= lrT * m / (sqrt(v) + eps), with lrT computed by the caller.
     */
    void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon);

    /** Waits until all issued work is done. */
    void synchronize();

    // ---- whole steps, profiling ----

    /**
     * Runs {@code body}, one step's worth of this engine's ops. An engine may record the body on an early
     * call and replay the recording later (the CUDA engine's graphs), so on every call the body must
     * issue the same ops on the same tensors with the same settings; only gather's offset and step,
     * the loss slot and Adam's rate may change. Inside, nothing may wait for results or allocate (read,
     * write, setOrder, upload, zeros, synchronize); the CUDA engine refuses them there.
     */
    default void step(Runnable body) { body.run(); }

    /** Starts or stops the range a profiler records (cuProfilerStart/Stop on the CUDA engine); a no-op elsewhere. */
    default void profilerRange(boolean start) {}

    /** Peak device memory, in words, or null when the engine has no device memory of its own (the CPU). */
    default String memoryUse() { return null; }

    /**
     * Starts a new peak: {@link #memoryUse} then reports the most held at once from here on (what is
     * held now, at least), so that one configuration's peak can be told from another's.
     */
    default void resetPeakMemory() {}

    /** What the engine chose while running (algorithms per shape and how they were timed), or null. */
    default String choices() { return null; }

    @Override void close();
}
