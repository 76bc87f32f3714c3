package cae.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wraps an engine and adds up the wall time of each op (synchronizing after each, so the GPU's
 * asynchronous work is counted where it runs). For `bench --ops`: where a step's time goes.
 */
public final class TimedEngine implements Engine {
    private final Engine inner;
    private final Map<String, long[]> totals = new LinkedHashMap<>();

    public TimedEngine(Engine inner) { this.inner = inner; }

    private void timed(String op, Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        inner.synchronize();
        long[] t = totals.computeIfAbsent(op, k -> new long[2]);
        t[0] += System.nanoTime() - t0;
        t[1]++;
    }

    /** Op name (with the layer's shape) to {total nanoseconds, calls}. */
    public Map<String, long[]> totals() { return totals; }

    public void reset() { totals.clear(); }

    private static String shape(Tensor t) { return t.c() + "x" + t.h() + "x" + t.w(); }

    @Override public String describe() { return inner.describe(); }
    @Override public Tensor zeros(int... shape) { return inner.zeros(shape); }
    @Override public Tensor view(Tensor base, int offset, int... shape) { return inner.view(base, offset, shape); }
    @Override public void write(Tensor dst, float[] src) { inner.write(dst, src); }
    @Override public void read(Tensor src, float[] dst) { inner.read(src, dst); }
    @Override public void fill(Tensor dst, float value) { inner.fill(dst, value); }
    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) { return inner.upload(pixels, count, height, width); }
    @Override public void setOrder(int[] order) { inner.setOrder(order); }

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        timed("gather+noise", () -> inner.gather(images, from, clean, noisy, noiseStd, seed, step));
    }

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        timed("conv " + x.c() + "->" + y.c() + " @" + x.h() + "x" + x.w() + " forward", () -> inner.conv3x3(x, weight, bias, y, relu));
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias) {
        timed("conv " + x.c() + "->" + dy.c() + " @" + x.h() + "x" + x.w() + " backward",
                () -> inner.conv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias));
    }

    @Override public void conv3x3PoolBackward(Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                              Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        timed("maxpool " + shape(y) + " + conv " + x.c() + "->" + y.c() + " backward",
                () -> inner.conv3x3PoolBackward(x, weight, y, pooled, dPooled, relu, dy, dx, dWeight, dBias));
    }

    @Override public void conv3x3ResizeBackward(Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                                Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        timed("resize " + shape(dy) + "->" + dResized.h() + "x" + dResized.w() + " + conv " + x.c() + "->" + y.c() + " backward",
                () -> inner.conv3x3ResizeBackward(x, weight, y, dResized, relu, dy, dx, dWeight, dBias));
    }

    @Override public void maxPool(Tensor x, Tensor y) { timed("maxpool " + shape(x) + " forward", () -> inner.maxPool(x, y)); }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        timed("maxpool " + shape(x) + " backward", () -> inner.maxPoolBackward(x, y, dy, dx));
    }

    @Override public void resize(Tensor x, Tensor y) { timed("resize " + shape(x) + "->" + y.h() + "x" + y.w() + " forward", () -> inner.resize(x, y)); }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        timed("resize " + shape(dx) + "->" + dy.h() + "x" + dy.w() + " backward", () -> inner.resizeBackward(dy, dx));
    }

    @Override public void sigmoid(Tensor x, Tensor y) { timed("sigmoid", () -> inner.sigmoid(x, y)); }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        timed("loss forward+backward", () -> inner.sigmoidCrossEntropy(logits, target, dLogits, losses, slot));
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        timed("adam", () -> inner.adam(params, grads, m, v, lrT, beta1, beta2, epsilon));
    }

    @Override public void bilinearResize(Tensor x, Tensor y) { timed("bilinear " + shape(x) + "->" + y.h() + "x" + y.w() + " forward", () -> inner.bilinearResize(x, y)); }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        timed("bilinear " + shape(dx) + "->" + dy.h() + "x" + dy.w() + " backward", () -> inner.bilinearResizeBackward(dy, dx));
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        timed("tconv " + x.c() + "->" + y.c() + " @" + x.h() + "x" + x.w() + " forward", () -> inner.transposedConv3x3(x, weight, bias, y, relu));
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias) {
        timed("tconv " + x.c() + "->" + dy.c() + " @" + x.h() + "x" + x.w() + " backward",
                () -> inner.transposedConv3x3Backward(x, weight, y, dy, relu, dx, dWeight, dBias));
    }

    @Override public void maxUnpool(Tensor poolInput, Tensor pooled, Tensor values, Tensor out) {
        timed("unpool " + shape(pooled) + " forward", () -> inner.maxUnpool(poolInput, pooled, values, out));
    }

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        timed("unpool " + shape(pooled) + " backward", () -> inner.maxUnpoolBackward(poolInput, pooled, dOut, dValues));
    }

    @Override public void synchronize() { inner.synchronize(); }

    // step stays the default (the body runs here, op by op, each timed); these are passed on
    @Override public void profilerRange(boolean start) { inner.profilerRange(start); }

    @Override public String memoryUse() { return inner.memoryUse(); }

    @Override public String choices() { return inner.choices(); }


    @Override public void release(Tensor t) { inner.release(t); }
    @Override public void close() { inner.close(); }
}
