package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Shapes;
import cae.engine.Tensor;

import java.util.Arrays;

/**
 * The pure-Java engine: the fast float32 version of every op, multi-threaded over the batch; the
 * plain double-precision {@code ReferenceEngine} is what it is held to. Every reduction across
 * samples is split into fixed blocks summed in a fixed order, so results are bitwise the same for
 * every thread count. Steady-state steps allocate nothing: each op family (one file each) keeps its
 * loop body as a preallocated object and its scratch grown once per shape.
 *
 * <p>This class only checks each call ({@link Shapes}) and hands it to its op family.
 */
public final class CpuEngine implements Engine {
    private final WorkerPool pool;
    private final boolean vectors;
    private final Gather gather;
    private final Convolution convolution;
    /** The nearest decoder's up stages from their small input; null without the Vector API (resize, then convolution). */
    private final UpsampledConvolution upsampled;
    private final TransposedConvolution transposed;
    private final MaxPooling maxPooling;
    private final MaxUnpooling maxUnpooling;
    private final NearestResize nearest;
    private final BilinearResize bilinear;
    private final Sigmoid sigmoid;
    private final CrossEntropy crossEntropy;
    private final SquaredError squaredError;
    private final Elementwise elementwise;
    private final AdamUpdate adam;

    /** An engine on {@code threads} threads, with the Vector API's kernels where the JVM has the module. */
    public CpuEngine(int threads) { this(threads, vectorsAvailable()); }

    /**
     * An engine on {@code threads} threads, with the vector kernels or the plain loops: both compute
     * the same function within float rounding, each bitwise reproducible on its own, and the vector
     * kernels are several times faster.
     */
    public CpuEngine(int threads, boolean vectors) {
        if (vectors && !vectorsAvailable())
            throw new IllegalArgumentException("the Vector API is not in this JVM: " + HOW_TO_ENABLE_VECTORS);
        pool = new WorkerPool(threads);
        this.vectors = vectors;
        ConvKernels[] kernels = new ConvKernels[threads];
        for (int i = 0; i < threads; i++) kernels[i] = vectors ? new WinogradKernels(new Conv3x3Kernels()) : new ScalarConvKernels();
        GradientBlocks gradients = new GradientBlocks(threads);
        gather = new Gather(pool);
        convolution = new Convolution(pool, kernels, vectors, gradients);
        if (vectors) {
            UpsampledConvKernels[] up = new UpsampledConvKernels[threads];
            for (int i = 0; i < threads; i++) up[i] = new UpsampledConvKernels(kernels[i]);
            upsampled = new UpsampledConvolution(pool, up, gradients);
        } else {
            upsampled = null;
        }
        transposed = new TransposedConvolution(pool, kernels, vectors, gradients);
        maxPooling = new MaxPooling(pool, vectors);
        maxUnpooling = new MaxUnpooling(pool);
        nearest = new NearestResize(pool, vectors);
        bilinear = new BilinearResize(pool);
        sigmoid = new Sigmoid(pool);
        crossEntropy = new CrossEntropy(pool);
        squaredError = new SquaredError(pool);
        elementwise = new Elementwise(pool);
        adam = new AdamUpdate(pool);
    }

    /** What a JVM without the Vector API needs for the fast kernels. */
    public static final String HOW_TO_ENABLE_VECTORS =
            "start Java with --add-modules=jdk.incubator.vector for the CPU engine's vector kernels (the cae launcher does)";

    /** Whether this JVM was started with the Vector API (jdk.incubator.vector), which the vector kernels need. */
    public static boolean vectorsAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The vector shape the vector kernels use on this CPU, or why there is none. */
    public static String vectorShape() {
        return vectorsAvailable() ? Simd.POOL.toString() : "none (" + HOW_TO_ENABLE_VECTORS + ")";
    }

    public int threads() { return pool.threads(); }

    /** Whether this engine runs the vector kernels (else the plain loops). */
    public boolean vectors() { return vectors; }

    @Override public String describe() {
        return "cpu engine, " + pool.threads() + " thread" + (pool.threads() == 1 ? "" : "s") + ", pure Java"
                + (vectors ? "" : ", plain loops (no Vector API)");
    }

    private static CpuTensor cpu(Tensor t) {
        if (t instanceof CpuTensor c) return c;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the CPU engine");
    }

    private static CpuTensor cpuOrNull(Tensor t) { return t == null ? null : cpu(t); }

    // ---- memory ----

    @Override public Tensor zeros(int... shape) {
        Shapes.zeros(shape);
        long n = 1;
        for (int d : shape) n *= d;
        return new CpuTensor(new float[(int) n], 0, shape);
    }

    @Override public Tensor view(Tensor base, int offset, int... shape) {
        Shapes.view(base, offset, shape);
        CpuTensor b = cpu(base);
        return new CpuTensor(b.data, b.offset + offset, shape);
    }

    @Override public void write(Tensor dst, float[] src) {
        Shapes.copy("write", dst, src.length);
        CpuTensor d = cpu(dst);
        System.arraycopy(src, 0, d.data, d.offset, src.length);
    }

    @Override public void read(Tensor src, float[] dst) {
        Shapes.copy("read", src, dst.length);
        CpuTensor s = cpu(src);
        System.arraycopy(s.data, s.offset, dst, 0, dst.length);
    }

    @Override public void fill(Tensor dst, float value) {
        CpuTensor d = cpu(dst);
        Arrays.fill(d.data, d.offset, d.offset + d.size(), value);
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        Shapes.upload(pixels.length, count, height, width);
        return new CpuImageSet(Pixels.of(pixels, count, 1, height, width));
    }

    @Override public ImageSet upload(Pixels pixels) { return new CpuImageSet(pixels); }

    // ---- data ----

    @Override public void setOrder(int[] order) { gather.setOrder(order); }

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        gather(Sampling.whole(images, Noise.gaussian(noiseStd), seed), from, clean, noisy, step);
    }

    @Override public void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step) {
        Shapes.gather(sampling, from, gather.orderLength(), clean, noisy);
        if (!(sampling.images() instanceof CpuImageSet) || sampling.paired() != null && !(sampling.paired() instanceof CpuImageSet))
            throw new IllegalArgumentException("gather: the image set does not belong to the CPU engine");
        gather.run(sampling, from, cpu(clean), cpuOrNull(noisy), step);
    }

    // ---- convolutions ----

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.conv("conv3x3", x, weight, bias, y);
        convolution.forward(cpu(x), cpu(weight), cpu(bias), cpu(y), relu);
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convBackward("conv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        convolution.backward(cpu(x), cpu(weight), relu ? cpu(y) : null, cpu(dy), relu, cpuOrNull(dx), cpu(dWeight), cpu(dBias));
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.transposedConv("transposedConv3x3", x, weight, bias, y);
        transposed.forward(cpu(x), cpu(weight), cpu(bias), cpu(y), relu);
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.transposedConvBackward("transposedConv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        transposed.backward(cpu(x), cpu(weight), relu ? cpu(y) : null, cpu(dy), relu, cpuOrNull(dx), cpu(dWeight), cpu(dBias));
    }

    // ---- pooling and resizing ----

    @Override public void maxPool(Tensor x, Tensor y) {
        Shapes.pool("maxPool", x, y);
        maxPooling.forward(cpu(x), cpu(y));
    }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Shapes.poolBackward("maxPoolBackward", x, y, dy, dx);
        maxPooling.backward(cpu(x), cpu(y), cpu(dy), cpu(dx));
    }

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        Shapes.unpoolBackward("maxUnpoolBackward", poolInput, pooled, dOut, dValues);
        maxUnpooling.backward(cpu(poolInput), cpu(dOut), cpu(dValues));
    }

    @Override public void resizeConv3x3(Tensor x, Tensor up, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.resizeConv("resizeConv3x3", x, up, weight, bias, y);
        if (upsampled == null || !UpsampledConvolution.fits(cpu(x), cpu(y))) {
            Engine.super.resizeConv3x3(x, up, weight, bias, y, relu);
            return;
        }
        upsampled.forward(cpu(x), cpu(weight), cpu(bias), cpu(y), relu);
    }

    @Override public void resizeConv3x3Backward(Tensor x, Tensor up, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                Tensor dUp, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.resizeConvBackward("resizeConv3x3Backward", x, up, weight, y, dy, relu, dUp, dx, dWeight, dBias);
        if (upsampled == null || !UpsampledConvolution.fits(cpu(x), cpu(y))) {
            Engine.super.resizeConv3x3Backward(x, up, weight, y, dy, relu, dUp, dx, dWeight, dBias);
            return;
        }
        upsampled.backward(cpu(x), cpu(weight), cpuOrNull(y), cpu(dy), relu, cpu(dx), cpu(dWeight), cpu(dBias));
    }

    @Override public void resize(Tensor x, Tensor y) {
        Shapes.resize("resize", x, y);
        nearest.run(cpu(x), cpu(y), false);
    }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        Shapes.resize("resizeBackward", dx, dy);
        nearest.run(cpu(dx), cpu(dy), true);
    }

    @Override public void bilinearResize(Tensor x, Tensor y) {
        Shapes.bilinearResize("bilinearResize", x, y);
        bilinear.run(cpu(x), cpu(y), false);
    }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        Shapes.bilinearResize("bilinearResizeBackward", dx, dy);
        bilinear.run(cpu(dx), cpu(dy), true);
    }

    // ---- output, loss, optimizer ----

    @Override public void sigmoid(Tensor x, Tensor y) {
        Shapes.sigmoid(x, y);
        sigmoid.run(cpu(x), cpu(y));
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("add", a, b, out);
        elementwise.run(cpu(a), cpu(b), cpu(out), false);
    }

    @Override public void subtract(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("subtract", a, b, out);
        elementwise.run(cpu(a), cpu(b), cpu(out), true);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        Shapes.copy("copy", src, dst);
        CpuTensor s = cpu(src), d = cpu(dst);
        System.arraycopy(s.data, s.offset, d.data, d.offset, s.size());
    }

    @Override public void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot) {
        Shapes.loss("meanSquaredError", prediction, target, dPrediction, losses, slot);
        squaredError.run(cpu(prediction), cpu(target), cpu(dPrediction), cpu(losses), slot);
    }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        Shapes.loss("sigmoidCrossEntropy", logits, target, dLogits, losses, slot);
        crossEntropy.run(cpu(logits), cpu(target), cpu(dLogits), cpu(losses), slot);
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        Shapes.adam(params, grads, m, v);
        adam.run(cpu(params), cpu(grads), cpu(m), cpu(v), lrT, beta1, beta2, epsilon);
    }

    @Override public void synchronize() {}

    @Override public void close() { pool.close(); }
}
