package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Philox;
import cae.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The pure-Java engine: the reference semantics of every op, multi-threaded over the batch. Every
 * reduction across samples is split into fixed blocks summed in a fixed order, so results are
 * bitwise the same for every thread count. Steady-state steps allocate nothing: loop bodies are
 * preallocated objects and scratch is grown once per shape.
 */
public final class CpuEngine implements Engine {
    /**
     * Samples per weight-gradient block: the unit of the fixed-order reduction. A batch of 100
     * makes 20 blocks, an even share for 2 or 4 threads (blocks of 4 left one thread 13 of 25).
     */
    static final int GRADIENT_BLOCK = 5;

    private final WorkerPool pool;
    private final Conv3x3Kernels[] conv;
    private final TransposedConvolution[] transposed;
    private final float[][] bilinearRows;
    private final int[][] philoxWords;
    private float[] gradientPartials = new float[0];
    private double[] lossPartials = new double[0];
    private int[] order = new int[0];

    public CpuEngine(int threads) {
        pool = new WorkerPool(threads);
        conv = new Conv3x3Kernels[threads];
        philoxWords = new int[threads][4];
        transposed = new TransposedConvolution[threads];
        bilinearRows = new float[threads][0];
        for (int i = 0; i < threads; i++) {
            conv[i] = new Conv3x3Kernels();
            transposed[i] = new TransposedConvolution();
        }
    }

    public int threads() { return pool.threads(); }

    @Override public String describe() {
        return "cpu engine, " + pool.threads() + " thread" + (pool.threads() == 1 ? "" : "s") + ", pure Java";
    }

    private static CpuTensor cpu(Tensor t) {
        if (t instanceof CpuTensor) return (CpuTensor) t;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the CPU engine");
    }

    private static void requireSize(Tensor t, int size, String what) {
        if (t.size() != size) throw new IllegalArgumentException(what + ": expected " + size + " elements, got " + t);
    }

    /** As above, naming the op and its argument; the message is only built on failure (this runs on every step). */
    private static void requireSize(Tensor t, int size, String op, String argument) {
        if (t.size() != size) requireSize(t, size, op + " " + argument);
    }

    // ---- memory ----

    @Override public Tensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new CpuTensor(new float[Math.toIntExact(n)], 0, shape);
    }

    @Override public Tensor view(Tensor base, int offset, int... shape) {
        CpuTensor b = cpu(base);
        CpuTensor v = new CpuTensor(b.data, b.offset + offset, shape);
        if (offset + v.size() > b.size()) throw new IllegalArgumentException("view outside " + base);
        return v;
    }

    @Override public void write(Tensor dst, float[] src) {
        CpuTensor d = cpu(dst);
        requireSize(d, src.length, "write");
        System.arraycopy(src, 0, d.data, d.offset, src.length);
    }

    @Override public void read(Tensor src, float[] dst) {
        CpuTensor s = cpu(src);
        requireSize(s, dst.length, "read");
        System.arraycopy(s.data, s.offset, dst, 0, dst.length);
    }

    @Override public void fill(Tensor dst, float value) {
        CpuTensor d = cpu(dst);
        Arrays.fill(d.data, d.offset, d.offset + d.size(), value);
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        return new CpuImageSet(pixels, count, height, width);
    }

    // ---- data ----

    @Override public void setOrder(int[] newOrder) {
        if (order.length != newOrder.length) order = new int[newOrder.length];
        System.arraycopy(newOrder, 0, order, 0, newOrder.length);
    }

    private final class Gather implements WorkerPool.Task {
        CpuImageSet images; int from; CpuTensor clean, noisy; float noiseStd; long seed, step;

        @Override public void run(int s, int worker) {
            int plane = images.height() * images.width();
            int src = order[from + s] * plane, dst = s * plane;
            float[] c = clean.data;
            int co = clean.offset + dst;
            for (int p = 0; p < plane; p++) c[co + p] = (images.pixels[src + p] & 0xFF) / 255f;
            if (noisy == null) return;
            int[] words = philoxWords[worker];
            float[] n = noisy.data;
            int no = noisy.offset + dst;
            for (int p = 0; p < plane; p++) {
                float z = Philox.normal(seed, step, dst + p, words);
                n[no + p] = Math.min(Math.max(c[co + p] + noiseStd * z, 0f), 1f);
            }
        }
    }
    private final Gather gather = new Gather();

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        CpuImageSet set = (CpuImageSet) images;
        int n = clean.n();
        if (from < 0 || from + n > order.length)
            throw new IllegalArgumentException("gather: batch [" + from + ", " + (from + n) + ") outside an order of " + order.length);
        requireSize(clean, n * set.height() * set.width(), "gather clean");
        if (noisy != null) requireSize(noisy, clean.size(), "gather noisy");
        gather.images = set; gather.from = from; gather.clean = cpu(clean);
        gather.noisy = noisy == null ? null : cpu(noisy);
        gather.noiseStd = noiseStd; gather.seed = seed; gather.step = step;
        pool.forEach(n, gather);
    }

    // ---- convolution ----

    private final class ConvForward implements WorkerPool.Task {
        CpuTensor x, weight, bias, y; boolean relu;

        @Override public void run(int s, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = y.c();
            conv[worker].forward(x.data, x.offset + s * cin * h * w, cin, h, w,
                    weight.data, weight.offset, bias.data, bias.offset, cout,
                    y.data, y.offset + s * cout * h * w, relu);
        }
    }
    private final ConvForward convForward = new ConvForward();

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        checkConv("conv3x3", x, weight, bias, y);
        convForward.x = cpu(x); convForward.weight = cpu(weight); convForward.bias = cpu(bias);
        convForward.y = cpu(y); convForward.relu = relu;
        pool.forEach(x.n(), convForward);
    }

    private static void checkConv(String op, Tensor x, Tensor weight, Tensor bias, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n() || x.h() != y.h() || x.w() != y.w())
            throw new IllegalArgumentException(op + ": input " + x + " and output " + y + " do not match");
        requireSize(weight, y.c() * x.c() * 9, op, "weight");
        requireSize(bias, y.c(), op, "bias");
    }

    /** Per block of samples: ReLU mask, dx, and that block's partial weight and bias gradients. */
    private final class ConvBackward implements WorkerPool.Task {
        CpuTensor x, weight, y, dy, dx; boolean relu; int batch, partialSize;

        @Override public void run(int block, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = dy.c(), plane = h * w;
            int partial = block * partialSize;
            Arrays.fill(gradientPartials, partial, partial + partialSize, 0f);
            int end = Math.min(batch, (block + 1) * GRADIENT_BLOCK);
            for (int s = block * GRADIENT_BLOCK; s < end; s++) {
                int dyo = dy.offset + s * cout * plane;
                if (relu) reluMask(y.data, y.offset + s * cout * plane, dy.data, dyo, cout * plane);
                if (dx != null)
                    conv[worker].backwardData(dy.data, dyo, cout, h, w, weight.data, weight.offset, cin,
                            dx.data, dx.offset + s * cin * plane);
                conv[worker].backwardFilter(x.data, x.offset + s * cin * plane, cin, h, w, dy.data, dyo, cout,
                        gradientPartials, partial, gradientPartials, partial + cout * cin * 9);
            }
        }
    }
    private final ConvBackward convBackward = new ConvBackward();

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** dy = 0 where y <= 0 (the ReLU's gradient), as a vector blend: a branch per element costs more than the convolutions. */
    static void reluMask(float[] y, int yo, float[] dy, int dyo, int length) {
        int i = 0;
        for (int upper = SPECIES.loopBound(length); i < upper; i += SPECIES.length()) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, yo + i);
            FloatVector.fromArray(SPECIES, dy, dyo + i).blend(0f, yv.compare(VectorOperators.LE, 0f)).intoArray(dy, dyo + i);
        }
        for (; i < length; i++) if (y[yo + i] <= 0f) dy[dyo + i] = 0f;
    }

    /**
     * Sums the blocks' partial gradients in block order, in parallel over gradient elements. With
     * {@code swappedRows} > 0 the partial kernel is a transposed convolution's w' (swappedRows, cols,
     * 3, 3) and each sum goes to its place in w; see {@link TransposedConvolution}.
     */
    private final class SumPartials implements WorkerPool.Task {
        static final int CHUNK = 1024;
        int blocks, partialSize, swappedRows; CpuTensor dWeight, dBias;

        @Override public void run(int chunk, int worker) {
            int start = chunk * CHUNK, end = Math.min(partialSize, start + CHUNK);
            int weights = dWeight.size(), swappedCols = swappedRows == 0 ? 0 : weights / 9 / swappedRows;
            for (int i = start; i < end; i++) {
                float sum = 0f;
                for (int b = 0; b < blocks; b++) sum += gradientPartials[b * partialSize + i];
                if (i >= weights) dBias.data[dBias.offset + i - weights] = sum;
                else if (swappedRows == 0) dWeight.data[dWeight.offset + i] = sum;
                else dWeight.data[dWeight.offset + TransposedConvolution.swappedIndex(i, swappedRows, swappedCols)] = sum;
            }
        }
    }
    private final SumPartials sumPartials = new SumPartials();

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dx, Tensor dWeight, Tensor dBias) {
        checkConv("conv3x3Backward", x, weight, dBias, dy);
        if (dx != null) requireSize(dx, x.size(), "conv3x3Backward dx");
        if (relu) requireSize(y, dy.size(), "conv3x3Backward y");
        requireSize(dWeight, weight.size(), "conv3x3Backward dWeight");
        int batch = x.n(), blocks = (batch + GRADIENT_BLOCK - 1) / GRADIENT_BLOCK;
        int partialSize = weight.size() + dBias.size();
        if (gradientPartials.length < blocks * partialSize) gradientPartials = new float[blocks * partialSize];

        ConvBackward b = convBackward;
        b.x = cpu(x); b.weight = cpu(weight); b.y = relu ? cpu(y) : null; b.dy = cpu(dy);
        b.dx = dx == null ? null : cpu(dx); b.relu = relu; b.batch = batch; b.partialSize = partialSize;
        pool.forEach(blocks, b);

        sumPartials(blocks, partialSize, 0, dWeight, dBias);
    }

    private void sumPartials(int blocks, int partialSize, int swappedRows, Tensor dWeight, Tensor dBias) {
        sumPartials.blocks = blocks; sumPartials.partialSize = partialSize; sumPartials.swappedRows = swappedRows;
        sumPartials.dWeight = cpu(dWeight); sumPartials.dBias = cpu(dBias);
        pool.forEach((partialSize + SumPartials.CHUNK - 1) / SumPartials.CHUNK, sumPartials);
    }

    // ---- pooling and resizing ----

    private final MaxPooling maxPool = new MaxPooling();

    private static void checkPool(String op, Tensor x, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n() || x.c() != y.c()
                || y.h() != (x.h() + 1) / 2 || y.w() != (x.w() + 1) / 2)
            throw new IllegalArgumentException(op + ": " + x + " cannot pool to " + y);
    }

    @Override public void maxPool(Tensor x, Tensor y) {
        checkPool("maxPool", x, y);
        maxPool.x = cpu(x); maxPool.y = cpu(y); maxPool.dy = null; maxPool.dx = null; maxPool.backward = false;
        pool.forEach(x.n(), maxPool);
    }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        checkPool("maxPoolBackward", x, y);
        requireSize(dy, y.size(), "maxPoolBackward dy");
        requireSize(dx, x.size(), "maxPoolBackward dx");
        maxPool.x = cpu(x); maxPool.y = cpu(y); maxPool.dy = cpu(dy); maxPool.dx = cpu(dx); maxPool.backward = true;
        pool.forEach(x.n(), maxPool);
    }

    private final NearestResize resize = new NearestResize();

    private static void checkResize(String op, Tensor small, Tensor large) {
        if (small.rank() != 4 || large.rank() != 4 || small.n() != large.n() || small.c() != large.c())
            throw new IllegalArgumentException(op + ": " + small + " and " + large + " do not match");
    }

    @Override public void resize(Tensor x, Tensor y) {
        checkResize("resize", x, y);
        resize.small = cpu(x); resize.large = cpu(y); resize.backward = false;
        pool.forEach(x.n(), resize);
    }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        checkResize("resizeBackward", dx, dy);
        resize.small = cpu(dx); resize.large = cpu(dy); resize.backward = true;
        pool.forEach(dx.n(), resize);
    }

    // ---- output and loss ----

    private final class Sigmoid implements WorkerPool.Task {
        CpuTensor x, y;

        @Override public void run(int s, int worker) {
            int per = x.size() / x.dim(0);
            for (int i = s * per; i < (s + 1) * per; i++) y.data[y.offset + i] = sigmoid(x.data[x.offset + i]);
        }
    }
    private final Sigmoid sigmoidTask = new Sigmoid();

    static float sigmoid(float x) {
        return x >= 0 ? 1f / (1f + (float) Math.exp(-x)) : (float) Math.exp(x) / (1f + (float) Math.exp(x));
    }

    @Override public void sigmoid(Tensor x, Tensor y) {
        requireSize(y, x.size(), "sigmoid");
        sigmoidTask.x = cpu(x); sigmoidTask.y = cpu(y);
        pool.forEach(x.dim(0), sigmoidTask);
    }

    private final class CrossEntropy implements WorkerPool.Task {
        CpuTensor logits, target, grad; float scale;

        @Override public void run(int s, int worker) {
            int per = logits.size() / logits.dim(0);
            double sum = 0;
            for (int i = s * per; i < (s + 1) * per; i++) {
                float x = logits.data[logits.offset + i], z = target.data[target.offset + i];
                sum += Math.max(x, 0f) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
                grad.data[grad.offset + i] = (sigmoid(x) - z) * scale;
            }
            lossPartials[s] = sum;
        }
    }
    private final CrossEntropy crossEntropy = new CrossEntropy();

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        requireSize(target, logits.size(), "sigmoidCrossEntropy target");
        requireSize(dLogits, logits.size(), "sigmoidCrossEntropy dLogits");
        if (slot < 0 || slot >= losses.size())
            throw new IllegalArgumentException("sigmoidCrossEntropy: slot " + slot + " outside " + losses);
        int samples = logits.dim(0);
        if (lossPartials.length < samples) lossPartials = new double[samples];
        crossEntropy.logits = cpu(logits); crossEntropy.target = cpu(target); crossEntropy.grad = cpu(dLogits);
        crossEntropy.scale = 1f / logits.size();
        pool.forEach(samples, crossEntropy);
        double sum = 0;
        for (int s = 0; s < samples; s++) sum += lossPartials[s];
        CpuTensor out = cpu(losses);
        out.data[out.offset + slot] = (float) (sum / logits.size());
    }

    // ---- optimizer ----

    private final class Adam implements WorkerPool.Task {
        static final int CHUNK = 4096;
        CpuTensor p, g, m, v; float lrT, beta1, beta2, epsilon;

        @Override public void run(int chunk, int worker) {
            int start = chunk * CHUNK, end = Math.min(p.size(), start + CHUNK);
            float[] pd = p.data, gd = g.data, md = m.data, vd = v.data;
            int po = p.offset, go = g.offset, mo = m.offset, vo = v.offset;
            for (int i = start; i < end; i++) {
                float grad = gd[go + i];
                float mi = beta1 * md[mo + i] + (1f - beta1) * grad;
                float vi = beta2 * vd[vo + i] + (1f - beta2) * grad * grad;
                md[mo + i] = mi;
                vd[vo + i] = vi;
                pd[po + i] -= lrT * mi / ((float) Math.sqrt(vi) + epsilon);
            }
        }
    }
    private final Adam adamTask = new Adam();

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        requireSize(grads, params.size(), "adam grads");
        requireSize(m, params.size(), "adam m");
        requireSize(v, params.size(), "adam v");
        Adam a = adamTask;
        a.p = cpu(params); a.g = cpu(grads); a.m = cpu(m); a.v = cpu(v);
        a.lrT = lrT; a.beta1 = beta1; a.beta2 = beta2; a.epsilon = epsilon;
        pool.forEach((params.size() + Adam.CHUNK - 1) / Adam.CHUNK, a);
    }

    // ---- decoder variants (issue 5) ----

    /**
     * One axis of a bilinear resize, TF1 rule (align_corners = half_pixel_centers = false):
     * src = dst * in / out, low = floor(src), high = min(low + 1, in - 1), t = src - low. The
     * floor is taken in integers and t = (dst * in mod out) / out is one rounding, so no source cell
     * is off by one where dst * in / out is a whole number.
     */
    private static final class BilinearAxis {
        int[] low = new int[0], high = new int[0];
        float[] t = new float[0];

        void set(int in, int out) {
            if (low.length < out) { low = new int[out]; high = new int[out]; t = new float[out]; }
            for (int d = 0; d < out; d++) {
                long scaled = (long) d * in;
                low[d] = (int) (scaled / out);
                high[d] = Math.min(low[d] + 1, in - 1);
                t[d] = (float) (scaled % out) / out;
            }
        }
    }
    private final BilinearAxis bilinearRowAxis = new BilinearAxis(), bilinearColumnAxis = new BilinearAxis();

    /**
     * Separable, in TensorFlow's order: each source row is first interpolated along its width into
     * the worker's scratch (ih x ow), then each output row blends two of those; backward runs the
     * same two steps transposed, per sample, so the scatter needs no synchronisation.
     */
    private final class Bilinear implements WorkerPool.Task {
        CpuTensor small, large; boolean backward;

        @Override public void run(int s, int worker) {
            int channels = small.c(), ih = small.h(), iw = small.w(), oh = large.h(), ow = large.w();
            if (bilinearRows[worker].length < ih * ow) bilinearRows[worker] = new float[ih * ow];
            float[] rows = bilinearRows[worker], sd = small.data, ld = large.data;
            int[] y0 = bilinearRowAxis.low, y1 = bilinearRowAxis.high, x0 = bilinearColumnAxis.low, x1 = bilinearColumnAxis.high;
            float[] ty = bilinearRowAxis.t, tx = bilinearColumnAxis.t;
            for (int c = 0; c < channels; c++) {
                int in = small.offset + (s * channels + c) * ih * iw;
                int out = large.offset + (s * channels + c) * oh * ow;
                if (!backward) {
                    for (int r = 0; r < ih; r++) {
                        int src = in + r * iw, dst = r * ow;
                        for (int ox = 0; ox < ow; ox++)
                            rows[dst + ox] = (1f - tx[ox]) * sd[src + x0[ox]] + tx[ox] * sd[src + x1[ox]];
                    }
                    for (int oy = 0; oy < oh; oy++) {
                        int top = y0[oy] * ow, bottom = y1[oy] * ow, dst = out + oy * ow;
                        float t = ty[oy], u = 1f - t;
                        for (int ox = 0; ox < ow; ox++) ld[dst + ox] = u * rows[top + ox] + t * rows[bottom + ox];
                    }
                } else {
                    Arrays.fill(rows, 0, ih * ow, 0f);
                    for (int oy = 0; oy < oh; oy++) {
                        int top = y0[oy] * ow, bottom = y1[oy] * ow, src = out + oy * ow;
                        float t = ty[oy], u = 1f - t;
                        for (int ox = 0; ox < ow; ox++) {
                            float g = ld[src + ox];
                            rows[top + ox] += u * g;
                            rows[bottom + ox] += t * g;
                        }
                    }
                    Arrays.fill(sd, in, in + ih * iw, 0f);
                    for (int r = 0; r < ih; r++) {
                        int dst = in + r * iw, src = r * ow;
                        for (int ox = 0; ox < ow; ox++) {
                            float g = rows[src + ox];
                            sd[dst + x0[ox]] += (1f - tx[ox]) * g;
                            sd[dst + x1[ox]] += tx[ox] * g;
                        }
                    }
                }
            }
        }
    }
    private final Bilinear bilinear = new Bilinear();

    private void runBilinear(String op, Tensor small, Tensor large, boolean backward) {
        checkResize(op, small, large);
        if (small.h() == 0 || small.w() == 0)
            throw new IllegalArgumentException(op + ": nothing to interpolate from in " + small);
        bilinearRowAxis.set(small.h(), large.h());
        bilinearColumnAxis.set(small.w(), large.w());
        bilinear.small = cpu(small); bilinear.large = cpu(large); bilinear.backward = backward;
        pool.forEach(small.n(), bilinear);
    }

    @Override public void bilinearResize(Tensor x, Tensor y) {
        runBilinear("bilinearResize", x, y, false);
    }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        runBilinear("bilinearResizeBackward", dx, dy, true);
    }

    /** The transposed convolution's kernel as the equivalent stride-1 convolution's (see {@link TransposedConvolution}). */
    private float[] swappedKernel = new float[0];

    private void swapKernel(Tensor weight, int cin, int cout) {
        if (swappedKernel.length < weight.size()) swappedKernel = new float[weight.size()];
        CpuTensor w = cpu(weight);
        TransposedConvolution.swapAndFlip(w.data, w.offset, cin, cout, swappedKernel);
    }

    private final class TransposedForward implements WorkerPool.Task {
        CpuTensor x, bias, y; boolean relu;

        @Override public void run(int s, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = y.c(), oh = y.h(), ow = y.w();
            float[] up = transposed[worker].spread(x.data, x.offset + s * cin * h * w, cin, h, w, oh, ow);
            conv[worker].forward(up, 0, cin, oh, ow, swappedKernel, 0, bias.data, bias.offset, cout,
                    y.data, y.offset + s * cout * oh * ow, relu);
        }
    }
    private final TransposedForward transposedForward = new TransposedForward();

    private static void checkTransposed(String op, Tensor x, Tensor weight, Tensor bias, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n()
                || !TransposedConvolution.validOutput(x.h(), x.w(), y.h(), y.w()))
            throw new IllegalArgumentException(op + ": input " + x + " cannot give output " + y
                    + " (stride 2 needs 2 H - 1 or 2 H rows and 2 W - 1 or 2 W columns)");
        requireSize(weight, x.c() * y.c() * 9, op, "weight");
        requireSize(bias, y.c(), op, "bias");
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        checkTransposed("transposedConv3x3", x, weight, bias, y);
        swapKernel(weight, x.c(), y.c());
        TransposedForward f = transposedForward;
        f.x = cpu(x); f.bias = cpu(bias); f.y = cpu(y); f.relu = relu;
        pool.forEach(x.n(), f);
    }

    /** Per block of samples, as {@link ConvBackward}: ReLU mask, dx, and the block's partial w' and bias gradients. */
    private final class TransposedBackward implements WorkerPool.Task {
        CpuTensor x, y, dy, dx; boolean relu; int batch, partialSize;

        @Override public void run(int block, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = dy.c(), oh = dy.h(), ow = dy.w(), plane = oh * ow;
            int partial = block * partialSize;
            Arrays.fill(gradientPartials, partial, partial + partialSize, 0f);
            int end = Math.min(batch, (block + 1) * GRADIENT_BLOCK);
            TransposedConvolution scratch = transposed[worker];
            for (int s = block * GRADIENT_BLOCK; s < end; s++) {
                int dyo = dy.offset + s * cout * plane;
                if (relu) reluMask(y.data, y.offset + s * cout * plane, dy.data, dyo, cout * plane);
                if (dx != null) {
                    float[] dUp = scratch.spreadGradient(cin * plane);
                    conv[worker].backwardData(dy.data, dyo, cout, oh, ow, swappedKernel, 0, cin, dUp, 0);
                    TransposedConvolution.evenCells(dUp, cin, oh, ow, dx.data, dx.offset + s * cin * h * w, h, w);
                }
                float[] up = scratch.spread(x.data, x.offset + s * cin * h * w, cin, h, w, oh, ow);
                conv[worker].backwardFilter(up, 0, cin, oh, ow, dy.data, dyo, cout,
                        gradientPartials, partial, gradientPartials, partial + cout * cin * 9);
            }
        }
    }
    private final TransposedBackward transposedBackward = new TransposedBackward();

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        checkTransposed("transposedConv3x3Backward", x, weight, dBias, dy);
        if (dx != null) requireSize(dx, x.size(), "transposedConv3x3Backward dx");
        if (relu) requireSize(y, dy.size(), "transposedConv3x3Backward y");
        requireSize(dWeight, weight.size(), "transposedConv3x3Backward dWeight");
        int cin = x.c(), cout = dy.c();
        swapKernel(weight, cin, cout);
        int batch = x.n(), blocks = (batch + GRADIENT_BLOCK - 1) / GRADIENT_BLOCK;
        int partialSize = weight.size() + dBias.size();
        if (gradientPartials.length < blocks * partialSize) gradientPartials = new float[blocks * partialSize];

        TransposedBackward b = transposedBackward;
        b.x = cpu(x); b.y = relu ? cpu(y) : null; b.dy = cpu(dy); b.dx = dx == null ? null : cpu(dx);
        b.relu = relu; b.batch = batch; b.partialSize = partialSize;
        pool.forEach(blocks, b);
        sumPartials(blocks, partialSize, cout, dWeight, dBias);
    }

    /** dValues[window] = dOut[the window's first arg-max in poolInput], by {@link MaxPooling}'s rule. */
    private final class MaxUnpoolBackward implements WorkerPool.Task {
        CpuTensor poolInput, dOut, dValues;

        @Override public void run(int s, int worker) {
            int channels = poolInput.c(), h = poolInput.h(), w = poolInput.w(), oh = (h + 1) / 2, ow = (w + 1) / 2;
            int padTop = MaxPooling.poolPadBefore(h), padLeft = MaxPooling.poolPadBefore(w);
            float[] xd = poolInput.data, gd = dOut.data, vd = dValues.data;
            for (int c = 0; c < channels; c++) {
                int plane = (s * channels + c) * h * w, xBase = poolInput.offset + plane, gBase = dOut.offset + plane;
                int out = dValues.offset + (s * channels + c) * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int r0 = oy * 2 - padTop;
                    boolean fullRows = r0 >= 0 && r0 + 1 < h;
                    for (int ox = 0; ox < ow; ox++) {
                        int c0 = ox * 2 - padLeft, best;
                        if (fullRows && c0 >= 0 && c0 + 1 < w) best = MaxPooling.wholeWindowArgMax(xd, xBase + r0 * w + c0, w);
                        else best = MaxPooling.windowArgMax(xd, xBase, h, w, r0, c0);
                        vd[out + oy * ow + ox] = gd[gBase + best - xBase];
                    }
                }
            }
        }
    }
    private final MaxUnpoolBackward maxUnpoolBackward = new MaxUnpoolBackward();

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        checkPool("maxUnpoolBackward", poolInput, pooled);
        requireSize(dOut, poolInput.size(), "maxUnpoolBackward dOut");
        requireSize(dValues, pooled.size(), "maxUnpoolBackward dValues");
        MaxUnpoolBackward u = maxUnpoolBackward;
        u.poolInput = cpu(poolInput); u.dOut = cpu(dOut); u.dValues = cpu(dValues);
        pool.forEach(poolInput.n(), u);
    }

    @Override public void synchronize() {}

    @Override public void close() { pool.close(); }
}
