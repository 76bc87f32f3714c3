package cae.engine;

/**
 * An engine that passes every call on to another, each op (the layers, the loss, Adam, the gather)
 * through {@link #op} with a name that says what it is and at which shape. A decorator overrides
 * {@link #op} to wrap each op (timing it, naming it on a profiler's timeline) and may override the
 * other calls; tensors and image sets are the inner engine's, passed through unchanged.
 */
public abstract class ForwardingEngine implements Engine {
    protected final Engine inner;

    protected ForwardingEngine(Engine inner) { this.inner = inner; }

    /** The engine under every decorator: what {@code engine} runs on. */
    public static Engine innermost(Engine engine) {
        while (engine instanceof ForwardingEngine f) engine = f.inner;
        return engine;
    }

    /** Runs one op; {@code name} is the op with its shapes, e.g. "conv 1->32 @28x28 forward". */
    protected void op(String name, Runnable body) { body.run(); }

    private static String shape(Tensor t) { return t.c() + "x" + t.h() + "x" + t.w(); }

    @Override public String describe() { return inner.describe(); }
    @Override public Tensor zeros(int... shape) { return inner.zeros(shape); }
    @Override public void release(Tensor t) { inner.release(t); }
    @Override public Tensor view(Tensor base, int offset, int... shape) { return inner.view(base, offset, shape); }
    @Override public void write(Tensor dst, float[] src) { inner.write(dst, src); }
    @Override public void read(Tensor src, float[] dst) { inner.read(src, dst); }
    @Override public void fill(Tensor dst, float value) { inner.fill(dst, value); }
    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) { return inner.upload(pixels, count, height, width); }
    @Override public ImageSet upload(Pixels pixels) { return inner.upload(pixels); }
    @Override public void release(ImageSet images) { inner.release(images); }
    @Override public void setOrder(int[] order) { inner.setOrder(order); }

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        op("gather+noise", () -> inner.gather(images, from, clean, noisy, noiseStd, seed, step));
    }

    @Override public void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step) {
        op("gather+noise", () -> inner.gather(sampling, from, clean, noisy, step));
    }

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        op("conv " + x.c() + "->" + y.c() + " @" + x.h() + "x" + x.w() + " forward", () -> inner.conv3x3(x, weight, bias, y, relu));
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias) {
        op("conv " + x.c() + "->" + dy.c() + " @" + x.h() + "x" + x.w() + " backward",
                () -> inner.conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias));
    }

    @Override public void conv3x3PoolBackward(Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                              Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        op("maxpool " + shape(y) + " + conv " + x.c() + "->" + y.c() + " backward",
                () -> inner.conv3x3PoolBackward(x, weight, y, pooled, dPooled, relu, dy, dx, dWeight, dBias));
    }

    @Override public void conv3x3ResizeBackward(Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                                Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        op("resize " + shape(dy) + "->" + dResized.h() + "x" + dResized.w() + " + conv " + x.c() + "->" + y.c() + " backward",
                () -> inner.conv3x3ResizeBackward(x, weight, y, dResized, relu, dy, dx, dWeight, dBias));
    }

    @Override public void resizeConv3x3(Tensor x, Tensor up, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        op("resize " + shape(x) + "->" + y.h() + "x" + y.w() + " + conv " + x.c() + "->" + y.c() + " forward",
                () -> inner.resizeConv3x3(x, up, weight, bias, y, relu));
    }

    @Override public void resizeConv3x3Backward(Tensor x, Tensor up, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                Tensor dUp, Tensor dx, Tensor dWeight, Tensor dBias) {
        op("resize " + shape(x) + "->" + y.h() + "x" + y.w() + " + conv " + x.c() + "->" + y.c() + " backward",
                () -> inner.resizeConv3x3Backward(x, up, weight, y, dy, relu, dUp, dx, dWeight, dBias));
    }

    @Override public void maxPool(Tensor x, Tensor y) { op("maxpool " + shape(x) + " forward", () -> inner.maxPool(x, y)); }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        op("maxpool " + shape(x) + " backward", () -> inner.maxPoolBackward(x, y, dy, dx));
    }

    @Override public void resize(Tensor x, Tensor y) { op("resize " + shape(x) + "->" + y.h() + "x" + y.w() + " forward", () -> inner.resize(x, y)); }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        op("resize " + shape(dx) + "->" + dy.h() + "x" + dy.w() + " backward", () -> inner.resizeBackward(dy, dx));
    }

    @Override public void sigmoid(Tensor x, Tensor y) { op("sigmoid", () -> inner.sigmoid(x, y)); }

    @Override public void add(Tensor a, Tensor b, Tensor out) { op("add " + a.size(), () -> inner.add(a, b, out)); }

    @Override public void subtract(Tensor a, Tensor b, Tensor out) { op("subtract " + a.size(), () -> inner.subtract(a, b, out)); }

    @Override public void copy(Tensor src, Tensor dst) { op("copy " + src.size(), () -> inner.copy(src, dst)); }

    @Override public void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot) {
        op("mse loss forward+backward", () -> inner.meanSquaredError(prediction, target, dPrediction, losses, slot));
    }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        op("loss forward+backward", () -> inner.sigmoidCrossEntropy(logits, target, dLogits, losses, slot));
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        op("adam", () -> inner.adam(params, grads, m, v, lrT, beta1, beta2, epsilon));
    }

    @Override public void bilinearResize(Tensor x, Tensor y) { op("bilinear " + shape(x) + "->" + y.h() + "x" + y.w() + " forward", () -> inner.bilinearResize(x, y)); }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        op("bilinear " + shape(dx) + "->" + dy.h() + "x" + dy.w() + " backward", () -> inner.bilinearResizeBackward(dy, dx));
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        op("tconv " + x.c() + "->" + y.c() + " @" + x.h() + "x" + x.w() + " forward", () -> inner.transposedConv3x3(x, weight, bias, y, relu));
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias) {
        op("tconv " + x.c() + "->" + dy.c() + " @" + x.h() + "x" + x.w() + " backward",
                () -> inner.transposedConv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias));
    }

    @Override public void maxUnpool(Tensor poolInput, Tensor pooled, Tensor values, Tensor out) {
        op("unpool " + shape(pooled) + " forward", () -> inner.maxUnpool(poolInput, pooled, values, out));
    }

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        op("unpool " + shape(pooled) + " backward", () -> inner.maxUnpoolBackward(poolInput, pooled, dOut, dValues));
    }

    @Override public void synchronize() { inner.synchronize(); }
    @Override public void step(Runnable body) { inner.step(body); }
    @Override public void profilerRange(boolean start) { inner.profilerRange(start); }
    @Override public String memoryUse() { return inner.memoryUse(); }
    @Override public void resetPeakMemory() { inner.resetPeakMemory(); }
    @Override public String choices() { return inner.choices(); }
    @Override public void close() { inner.close(); }
}
