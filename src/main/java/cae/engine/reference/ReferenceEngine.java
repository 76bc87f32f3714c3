package cae.engine.reference;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Shapes;
import cae.engine.Tensor;

import java.util.Arrays;

/**
 * The readable engine: each op is the plain double-precision loop of {@link ReferenceOps}, one
 * thread, no scratch, no tricks. It is slow, and it is the specification the other engines are held
 * to op by op (EngineAgreementTest); it checks its calls with {@link Shapes} like every engine.
 * Values are kept in double and rounded to float only when read.
 */
public final class ReferenceEngine implements Engine {
    private int[] order = new int[0];
    private final int[] philoxWords = new int[4], crop = new int[4];

    private static final class Images extends ImageSet {
        final Pixels pixels;

        Images(Pixels pixels) {
            super(pixels);
            this.pixels = pixels;
        }
    }

    @Override public String describe() { return "reference engine, plain double-precision loops"; }

    private static ReferenceTensor ref(Tensor t) {
        if (t instanceof ReferenceTensor r) return r;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the reference engine");
    }

    /** The values of {@code t} in double, unrounded (the engine's own precision). */
    public double[] values(Tensor t) { return ref(t).values(); }

    /** Writes {@code values} into {@code t} unrounded, as {@link #write} does after rounding to float. */
    public void write(Tensor t, double[] values) {
        Shapes.copy("write", t, values.length);
        ref(t).set(values);
    }

    // ---- memory ----

    @Override public Tensor zeros(int... shape) {
        Shapes.zeros(shape);
        long n = 1;
        for (int d : shape) n *= d;
        return new ReferenceTensor(new double[(int) n], 0, shape);
    }

    @Override public Tensor view(Tensor base, int offset, int... shape) {
        Shapes.view(base, offset, shape);
        ReferenceTensor b = ref(base);
        return new ReferenceTensor(b.data, b.offset + offset, shape);
    }

    @Override public void write(Tensor dst, float[] src) {
        Shapes.copy("write", dst, src.length);
        ReferenceTensor d = ref(dst);
        for (int i = 0; i < src.length; i++) d.data[d.offset + i] = src[i];
    }

    @Override public void read(Tensor src, float[] dst) {
        Shapes.copy("read", src, dst.length);
        ReferenceTensor s = ref(src);
        for (int i = 0; i < dst.length; i++) dst[i] = (float) s.data[s.offset + i];
    }

    @Override public void fill(Tensor dst, float value) {
        ReferenceTensor d = ref(dst);
        Arrays.fill(d.data, d.offset, d.offset + d.size(), value);
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        Shapes.upload(pixels.length, count, height, width);
        return new Images(Pixels.of(pixels, count, 1, height, width));
    }

    @Override public ImageSet upload(Pixels pixels) { return new Images(pixels); }

    // ---- data ----

    @Override public void setOrder(int[] newOrder) { order = newOrder.clone(); }

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        gather(Sampling.whole(images, Noise.gaussian(noiseStd), seed), from, clean, noisy, step);
    }

    /** Each sample's crop (or whole image), flipped as drawn; its noisy version the paired image's or the noise's. */
    @Override public void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step) {
        Shapes.gather(sampling, from, order.length, clean, noisy);
        if (!(sampling.images() instanceof Images set) || sampling.paired() != null && !(sampling.paired() instanceof Images))
            throw new IllegalArgumentException("gather: the image set does not belong to the reference engine");
        Pixels paired = sampling.paired() == null ? null : ((Images) sampling.paired()).pixels;
        int channels = clean.c(), h = clean.h(), w = clean.w();
        double[] c = new double[clean.size()], z = noisy == null ? null : new double[clean.size()];
        for (int s = 0; s < clean.n(); s++) {
            int image = order[from + s];
            Sampling.crop(sampling.seed(), step, s, set.height(image), set.width(image), h, w, sampling.flips(), philoxWords, crop);
            if (!sampling.crop()) crop[0] = crop[1] = 0;
            for (int ch = 0; ch < channels; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        int i = ((s * channels + ch) * h + y) * w + x;
                        int sy = crop[0] + (crop[3] != 0 ? h - 1 - y : y), sx = crop[1] + (crop[2] != 0 ? w - 1 - x : x);
                        c[i] = set.pixels.get(image, ch, sy, sx) / 255.0;
                        if (z == null) continue;
                        z[i] = paired != null ? paired.get(image, ch, sy, sx) / 255.0
                                : sampling.noise().apply((float) c[i], sampling.seed(), step, i, philoxWords);
                    }
        }
        ref(clean).set(c);
        if (noisy != null) ref(noisy).set(z);
    }

    // ---- convolutions ----

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.conv("conv3x3", x, weight, bias, y);
        ref(y).set(ReferenceOps.conv3x3(values(x), values(weight), values(bias), x.n(), x.c(), y.c(), x.h(), x.w(), relu));
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convBackward("conv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        int n = x.n(), cin = x.c(), cout = dy.c(), h = x.h(), w = x.w();
        double[] g = relu ? ReferenceOps.reluMask(values(y), values(dy)) : values(dy);
        ref(dy).set(g);
        if (dx != null) ref(dx).set(ReferenceOps.conv3x3InputGradient(g, values(weight), n, cin, cout, h, w));
        ref(dWeight).set(ReferenceOps.conv3x3WeightGradient(values(x), g, n, cin, cout, h, w));
        ref(dBias).set(ReferenceOps.biasGradient(g, n, cout, h * w));
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.transposedConv("transposedConv3x3", x, weight, bias, y);
        ref(y).set(ReferenceOps.transposedConv3x3(values(x), values(weight), values(bias), x.n(), x.c(), y.c(),
                x.h(), x.w(), y.h(), y.w(), relu));
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.transposedConvBackward("transposedConv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        int n = x.n(), cin = x.c(), cout = dy.c(), h = x.h(), w = x.w(), oh = dy.h(), ow = dy.w();
        double[] g = relu ? ReferenceOps.reluMask(values(y), values(dy)) : values(dy);
        ref(dy).set(g);
        if (dx != null) ref(dx).set(ReferenceOps.transposedConv3x3InputGradient(g, values(weight), n, cin, cout, h, w, oh, ow));
        ref(dWeight).set(ReferenceOps.transposedConv3x3WeightGradient(values(x), g, n, cin, cout, h, w, oh, ow));
        ref(dBias).set(ReferenceOps.biasGradient(g, n, cout, oh * ow));
    }

    // ---- pooling and resizing ----

    @Override public void maxPool(Tensor x, Tensor y) {
        Shapes.pool("maxPool", x, y);
        ref(y).set(ReferenceOps.maxPool(values(x), x.n(), x.c(), x.h(), x.w()));
    }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Shapes.poolBackward("maxPoolBackward", x, y, dy, dx);
        ref(dx).set(ReferenceOps.maxUnpool(values(dy), values(x), x.n(), x.c(), x.h(), x.w()));
    }

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        Shapes.unpoolBackward("maxUnpoolBackward", poolInput, pooled, dOut, dValues);
        ref(dValues).set(ReferenceOps.maxUnpoolGradient(values(dOut), values(poolInput), poolInput.n(), poolInput.c(),
                poolInput.h(), poolInput.w()));
    }

    @Override public void resize(Tensor x, Tensor y) {
        Shapes.resize("resize", x, y);
        ref(y).set(ReferenceOps.resize(values(x), x.n(), x.c(), x.h(), x.w(), y.h(), y.w()));
    }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        Shapes.resize("resizeBackward", dx, dy);
        ref(dx).set(ReferenceOps.resizeGradient(values(dy), dx.n(), dx.c(), dx.h(), dx.w(), dy.h(), dy.w()));
    }

    @Override public void bilinearResize(Tensor x, Tensor y) {
        Shapes.bilinearResize("bilinearResize", x, y);
        ref(y).set(ReferenceOps.bilinearResize(values(x), x.n(), x.c(), x.h(), x.w(), y.h(), y.w()));
    }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        Shapes.bilinearResize("bilinearResizeBackward", dx, dy);
        ref(dx).set(ReferenceOps.bilinearResizeGradient(values(dy), dx.n(), dx.c(), dx.h(), dx.w(), dy.h(), dy.w()));
    }

    // ---- output, loss, optimizer ----

    @Override public void sigmoid(Tensor x, Tensor y) {
        Shapes.sigmoid(x, y);
        double[] v = values(x);
        for (int i = 0; i < v.length; i++) v[i] = ReferenceOps.sigmoid(v[i]);
        ref(y).set(v);
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("add", a, b, out);
        double[] x = values(a), y = values(b);
        for (int i = 0; i < x.length; i++) x[i] += y[i];
        ref(out).set(x);
    }

    @Override public void subtract(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("subtract", a, b, out);
        double[] x = values(a), y = values(b);
        for (int i = 0; i < x.length; i++) x[i] -= y[i];
        ref(out).set(x);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        Shapes.copy("copy", src, dst);
        ref(dst).set(values(src));
    }

    @Override public void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot) {
        Shapes.loss("meanSquaredError", prediction, target, dPrediction, losses, slot);
        double[] p = values(prediction), t = values(target), g = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += (p[i] - t[i]) * (p[i] - t[i]);
            g[i] = 2 * (p[i] - t[i]) / p.length;
        }
        ReferenceTensor out = ref(losses);
        out.data[out.offset + slot] = sum / p.length;
        ref(dPrediction).set(g);
    }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        Shapes.loss("sigmoidCrossEntropy", logits, target, dLogits, losses, slot);
        double[] x = values(logits), z = values(target);
        ReferenceTensor out = ref(losses);
        out.data[out.offset + slot] = ReferenceOps.sigmoidCrossEntropy(x, z);
        ref(dLogits).set(ReferenceOps.sigmoidCrossEntropyGradient(x, z));
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        Shapes.adam(params, grads, m, v);
        double[] p = values(params), md = values(m), vd = values(v);
        ReferenceOps.adam(p, values(grads), md, vd, lrT, beta1, beta2, epsilon);
        ref(params).set(p);
        ref(m).set(md);
        ref(v).set(vd);
    }

    @Override public void synchronize() {}

    @Override public void close() {}
}
