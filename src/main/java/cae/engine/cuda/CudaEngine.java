package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Shapes;
import cae.engine.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.cudnnHandle;
import jcuda.runtime.cudaStream_t;

import java.util.function.Consumer;

import static jcuda.driver.JCudaDriver.*;
import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.cublasMath.CUBLAS_DEFAULT_MATH;
import static jcuda.jcublas.cublasMath.CUBLAS_TF32_TENSOR_OP_MATH;
import static jcuda.jcudnn.JCudnn.cudnnCreate;
import static jcuda.jcudnn.JCudnn.cudnnDestroy;
import static jcuda.jcudnn.JCudnn.cudnnSetStream;

/**
 * The GPU engine: the same ops as the CPU engine (the reference), computed with cuDNN or cuBLAS for
 * the convolutions and the project's kernels ({@link Kernels}) for the rest, on the device's primary
 * context (so cuDNN, cuBLAS and the kernels share it) and one stream. Ops only queue work: device
 * memory is allocated when tensors are made and when a shape is first seen, never in a steady-state
 * step, and only {@link #read}, {@link #write} and {@link #synchronize} wait for the GPU (and, once per
 * new shape, the timing that chooses its algorithms). {@link #step} records a whole step as a CUDA
 * graph and replays it ({@link StepGraph}).
 *
 * <p>Every op checks its arguments ({@link Shapes}, the same checks as the CPU engine's), then goes
 * through {@link #queue}; the convolution layers' passes are {@link ConvolutionPasses}'.
 *
 * <p>Strict FP32 by default; {@code tf32} lets cuDNN and cuBLAS use TF32 tensor cores.
 */
public final class CudaEngine implements Engine {

    /** How convolutions are computed: cuDNN, im2col + cuBLAS SGEMM, or cuDNN when it loads. */
    public enum ConvPath { AUTO, CUDNN, GEMM }

    private final int ordinal;
    private final boolean tf32;
    private final Fusion fusion;
    private final String deviceName;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private boolean contextRetained, streamCreated, closed;
    private Thread contextThread;

    private DeviceMemory memory;
    private KernelModule module;
    private Kernels kernels;
    private StepGraph graphs;
    private cudnnHandle cudnn;
    private cublasHandle cublas;
    private CudnnPooling pooling;
    private ConvolutionPasses convolutions;

    private DeviceMemory.Scratch order, lossPartials;
    private int orderLength;

    /** Strict FP32 on device 0, cuDNN when it loads, steps as CUDA graphs; these shorter constructors leave fusion off (the library paths). */
    public CudaEngine() { this(0, ConvPath.AUTO, false, true); }

    public CudaEngine(int ordinal, ConvPath conv, boolean tf32) { this(ordinal, conv, tf32, true); }

    public CudaEngine(int ordinal, ConvPath conv, boolean tf32, boolean graphs) { this(ordinal, conv, tf32, graphs, Fusion.OFF); }

    /**
     * Opens device {@code ordinal}. Fails with a {@link CudaException} naming the reason when there is
     * no usable GPU stack here (see {@link CudaProbe}), or when the chosen convolution path's library
     * does not load. With {@code graphs}, {@link #step} records a step as a CUDA graph and replays it.
     */
    public CudaEngine(int ordinal, ConvPath conv, boolean tf32, boolean graphs, Fusion fusion) {
        if (ordinal < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + ordinal);
        if (conv == null) throw new IllegalArgumentException("convolution path must be given (AUTO, CUDNN or GEMM)");
        if (fusion == null) throw new IllegalArgumentException("the fusion setting must be given (OFF, ON or AUTO)");
        this.ordinal = ordinal;
        this.tf32 = tf32;
        this.fusion = fusion;
        CudaProbe.Selection probe = CudaProbe.probe();
        if (!probe.available()) throw new CudaException("the CUDA engine cannot run here: " + probe.reason());
        if (ordinal >= probe.deviceCount())
            throw new IllegalArgumentException("there is no CUDA device " + ordinal + " (this machine has " + probe.deviceCount() + ")");
        ConvPath path = conv == ConvPath.AUTO ? (probe.cudnn() ? ConvPath.CUDNN : ConvPath.GEMM) : conv;
        if (path == ConvPath.CUDNN && !probe.cudnn())
            throw new CudaException("--conv cudnn: " + NativeLoader.loaded().cudnnError);
        if (path == ConvPath.GEMM && !probe.cublas())
            throw new CudaException("--conv gemm: " + NativeLoader.loaded().cublasError);

        Convolution convolution = null, transposed = null;
        try {
            Check.cu(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
            String name = CudaProbe.deviceName(device);
            deviceName = name == null ? "device " + ordinal : name;
            Check.cu(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
            contextRetained = true;
            makeCurrent();
            // a blocking stream: it waits for the synchronous copies write() and upload() make on the legacy stream
            Check.cu(cuStreamCreate(stream, 0), "cuStreamCreate");
            streamCreated = true;
            memory = new DeviceMemory(stream);
            order = memory.new Scratch("the shuffled order");
            lossPartials = memory.new Scratch("the loss partial sums");
            module = new KernelModule(stream, Kernels.NAMES);
            kernels = new Kernels(module);
            this.graphs = new StepGraph(graphs, stream, kernels, memory);
            FusionChoices fusions = new FusionChoices(fusion, stream, graphs);

            if (path == ConvPath.CUDNN) {
                cudnn = new cudnnHandle();
                Check.cudnn(cudnnCreate(cudnn), "cudnnCreate");
                Check.cudnn(cudnnSetStream(cudnn, new cudaStream_t(stream)), "cudnnSetStream");
                pooling = new CudnnPooling(cudnn);
                GemmConvolution gemm = null;
                if (probe.cublas()) {
                    createCublas();
                    gemm = new GemmConvolution(cublas, kernels, memory, stream, tf32);
                }
                convolution = new CudnnConvolution(cudnn, memory, tf32, gemm, stream, graphs);
                transposed = new CudnnTransposedConvolution(cudnn, memory, tf32);
            } else {
                createCublas();
                convolution = new GemmConvolution(cublas, kernels, memory, stream, tf32);
                transposed = new GemmTransposedConvolution(cublas, kernels, memory, stream, tf32);
            }
            convolutions = new ConvolutionPasses(convolution, transposed, kernels, memory, fusions);
        } catch (RuntimeException e) {
            if (convolutions == null) {
                if (convolution != null) convolution.close();
                if (transposed != null) transposed.close();
            }
            close();
            throw e;
        }
    }

    private void createCublas() {
        cublas = new cublasHandle();
        Check.cublas(cublasCreate(cublas), "cublasCreate");
        Check.cublas(cublasSetStream(cublas, new cudaStream_t(stream)), "cublasSetStream");
        Check.cublas(cublasSetMathMode(cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }

    @Override public String describe() {
        return "cuda engine, device " + ordinal + " (" + deviceName + "), convolution "
                + (cudnn != null ? "cuDNN" : "im2col + cuBLAS SGEMM") + ", " + (tf32 ? "TF32 allowed" : "strict FP32")
                + ", fusion " + fusion.name().toLowerCase(java.util.Locale.ROOT) + ", " + graphs.describe();
    }

    /** The convolution route with the algorithms chosen so far (for -v). */
    public String describeConvolution() { return convolutions.describe(); }

    @Override public String choices() { return "convolutions: " + describeConvolution(); }

    @Override public void step(Runnable body) {
        makeCurrent();
        graphs.run(body);
    }

    @Override public void profilerRange(boolean start) {
        makeCurrent();
        if (start) Check.cu(cuProfilerStart(), "cuProfilerStart");
        else {
            Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
            Check.cu(cuProfilerStop(), "cuProfilerStop");
        }
    }

    @Override public String memoryUse() {
        makeCurrent();
        long[] free = new long[1], total = new long[1];
        Check.cu(cuMemGetInfo(free, total), "cuMemGetInfo");
        return String.format("peak %.1f MiB allocated by the engine, %.1f MiB in use on the device (all of it, of %.0f MiB)",
                memory.peakBytes() / 1048576.0, (total[0] - free[0]) / 1048576.0, total[0] / 1048576.0);
    }

    @Override public void resetPeakMemory() { memory.resetPeak(0); }

    /**
     * The device lent to a measurement outside a step (the bench's, package cae.engine.cuda.bench);
     * {@code what} names it in the error when called inside a step.
     */
    public DeviceLoan lend(String what) {
        graphs.forbidInStep(what + " (allocations and waiting)");
        makeCurrent();
        return new DeviceLoan(memory, stream, cudnn, cublas, tf32, graphs.enabled());
    }

    /** The CUDA context is current per thread: make it current when a new thread calls. */
    private void makeCurrent() {
        if (closed) throw new IllegalStateException("the CUDA engine is closed");
        Thread t = Thread.currentThread();
        if (t != contextThread) {
            Check.cu(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            contextThread = t;
        }
    }

    /**
     * What every op that queues device work does once its arguments are checked: make the context
     * current, then queue {@code body}, unless a replayed CUDA graph does the op. {@code signature} is
     * what the op works on (storage and settings), which a replay must repeat ({@link StepGraph#replaying}).
     */
    private void queue(String op, Runnable body, Object... signature) {
        makeCurrent();
        if (!graphs.replaying(op, signature)) body.run();
    }

    /**
     * {@link #queue} for the ops whose kernels read values that change every step (the step scalars):
     * {@code scalars} are handed over even when a replay does the op, and the body gets where the
     * kernel finds them.
     */
    private void queue(String op, long[] scalars, Consumer<CUdeviceptr> body, Object... signature) {
        makeCurrent();
        boolean replayed = graphs.replaying(op, signature);
        CUdeviceptr where = graphs.scalars(scalars);
        if (!replayed) body.accept(where);
    }

    private CudaTensor cuda(Tensor t) {
        if (t instanceof CudaTensor c && c.owner == this) return c;
        throw new IllegalArgumentException("tensor " + t + " does not belong to this CUDA engine");
    }

    private CudaTensor cudaOrNull(Tensor t) { return t == null ? null : cuda(t); }

    private static Object storageOrNull(CudaTensor t) { return t == null ? "none" : t.storage; }

    // ---- memory ----

    @Override public Tensor zeros(int... shape) {
        graphs.forbidInStep("zeros (an allocation)");
        makeCurrent();
        Shapes.zeros(shape);
        long elements = 1;
        for (int d : shape) elements *= d;
        CUdeviceptr ptr = memory.allocate(elements * Float.BYTES, "a tensor " + java.util.Arrays.toString(shape));
        CudaTensor t = new CudaTensor(this, ptr, memory.allocations(), 0, shape);
        Check.cu(cuMemsetD32Async(ptr, 0, t.size(), stream), "cuMemsetD32Async");
        return t;
    }

    @Override public void release(Tensor t) {
        CudaTensor c = cuda(t);
        graphs.forbidInStep("release (a free)");
        makeCurrent();
        if (!memory.owns(c.ptr)) throw new IllegalArgumentException("release takes a tensor made by zeros, not a view or a released one: " + t);
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");  // queued work may still use it
        memory.free(c.ptr);
    }

    @Override public Tensor view(Tensor base, int offset, int... shape) {
        Shapes.view(base, offset, shape);
        CudaTensor b = cuda(base);
        return new CudaTensor(this, b.ptr.withByteOffset((long) offset * Float.BYTES), b.storage.allocation(),
                b.storage.offset() + offset, shape);
    }

    @Override public void write(Tensor dst, float[] src) {
        Shapes.copy("write", dst, src.length);
        CudaTensor d = cuda(dst);
        graphs.forbidInStep("write (a copy from the host)");
        makeCurrent();
        // the stream may still be using dst: the synchronous copy must come after that work
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
        Check.cu(cuMemcpyHtoD(d.ptr, Pointer.to(src), d.bytes()), "cuMemcpyHtoD");
    }

    @Override public void read(Tensor src, float[] dst) {
        Shapes.copy("read", src, dst.length);
        CudaTensor s = cuda(src);
        graphs.forbidInStep("read (a copy to the host)");
        makeCurrent();
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
        Check.cu(cuMemcpyDtoH(Pointer.to(dst), s.ptr, s.bytes()), "cuMemcpyDtoH");
    }

    @Override public void fill(Tensor dst, float value) {
        CudaTensor d = cuda(dst);
        queue("fill", () -> Check.cu(cuMemsetD32Async(d.ptr, Float.floatToRawIntBits(value), d.size(), stream), "cuMemsetD32Async"),
                d.storage, value);
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        Shapes.upload(pixels.length, count, height, width);
        return upload(Pixels.of(pixels, count, 1, height, width));
    }

    /** The pixels and their tables in device memory ({@link CudaImageSet}), copied a chunk at a time. */
    @Override public ImageSet upload(Pixels pixels) {
        graphs.forbidInStep("upload (an allocation and a copy)");
        makeCurrent();
        return CudaImageSet.upload(this, memory, pixels);
    }

    @Override public void release(ImageSet images) {
        CudaImageSet set = mine(images, "release");
        graphs.forbidInStep("release (a free)");
        makeCurrent();
        if (!memory.owns(set.pixels)) throw new IllegalArgumentException("this image set was released already");
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");  // queued gathers may still read it
        set.free(memory);
    }

    private CudaImageSet mine(ImageSet images, String op) {
        if (images instanceof CudaImageSet set && set.owner == this) return set;
        throw new IllegalArgumentException(op + ": the image set does not belong to this CUDA engine");
    }

    // ---- data ----

    @Override public void setOrder(int[] newOrder) {
        graphs.forbidInStep("setOrder (a copy from the host)");
        makeCurrent();
        CUdeviceptr ptr = order.atLeast((long) Math.max(newOrder.length, 1) * Integer.BYTES);
        // queued behind the steps that still read the old order; from pageable memory the driver
        // stages the source before returning, so the host does not wait for the GPU here
        Check.cu(cuMemcpyHtoDAsync(ptr, Pointer.to(newOrder), (long) newOrder.length * Integer.BYTES, stream), "cuMemcpyHtoDAsync(order)");
        orderLength = newOrder.length;
    }

    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) {
        Shapes.gather(images, from, orderLength, clean, noisy);
        gather(Sampling.whole(images, Noise.gaussian(noiseStd), seed), from, clean, noisy, step);
    }

    /** One launch of gather_noise; its settings are part of a recorded step, from and step travel in the step scalars. */
    @Override public void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step) {
        Shapes.gather(sampling, from, orderLength, clean, noisy);
        CudaImageSet set = mine(sampling.images(), "gather"), pairs = sampling.paired() == null ? null : mine(sampling.paired(), "gather");
        CudaTensor c = cuda(clean), z = cudaOrNull(noisy);
        queue("gather", new long[] {from, step}, fromAndStep -> kernels.gatherNoise(sampling, order.atLeast(4), c, z, fromAndStep),
                set.allocation, pairs == null ? "no pairs" : pairs.allocation, c.storage, storageOrNull(z), sampling.noise(),
                sampling.crop(), sampling.flips(), sampling.seed());
    }

    // ---- convolution ----

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.conv("conv3x3", x, weight, bias, y);
        CudaTensor xt = cuda(x), wt = cuda(weight), bt = cuda(bias), yt = cuda(y);
        queue("conv3x3", () -> convolutions.forward(xt, wt, bt, yt, relu), xt.storage, wt.storage, bt.storage, yt.storage, relu);
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convBackward("conv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), dyt = cuda(dy), dxt = cudaOrNull(dx), dwt = cuda(dWeight), dbt = cuda(dBias);
        CudaTensor yt = relu ? cuda(y) : null;
        queue("conv3x3Backward", () -> convolutions.backward(xt, wt, yt, dyt, relu, dxt, dwt, dbt),
                xt.storage, wt.storage, storageOrNull(yt), dyt.storage, relu, storageOrNull(dxt), dwt.storage, dbt.storage);
    }

    @Override public void conv3x3PoolBackward(Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                              Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convPoolBackward("conv3x3PoolBackward", x, weight, y, pooled, dPooled, relu, dy, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), yt = cuda(y), dpt = cuda(dPooled), dyt = cuda(dy), dxt = cudaOrNull(dx);
        CudaTensor dwt = cuda(dWeight), dbt = cuda(dBias);
        queue("conv3x3PoolBackward", () -> convolutions.poolBackward(xt, wt, yt, dpt, relu, dyt, dxt, dwt, dbt),
                xt.storage, wt.storage, yt.storage, dpt.storage, relu, dyt.storage, storageOrNull(dxt), dwt.storage, dbt.storage);
    }

    @Override public void conv3x3ResizeBackward(Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                                Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convResizeBackward("conv3x3ResizeBackward", x, weight, y, dResized, relu, dy, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), drt = cuda(dResized), dyt = cuda(dy), dxt = cudaOrNull(dx);
        CudaTensor yt = relu ? cuda(y) : null, dwt = cuda(dWeight), dbt = cuda(dBias);
        queue("conv3x3ResizeBackward", () -> convolutions.resizeBackward(xt, wt, yt, drt, relu, dyt, dxt, dwt, dbt),
                xt.storage, wt.storage, storageOrNull(yt), drt.storage, relu, dyt.storage, storageOrNull(dxt), dwt.storage, dbt.storage);
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.transposedConv("transposedConv3x3", x, weight, bias, y);
        CudaTensor xt = cuda(x), wt = cuda(weight), bt = cuda(bias), yt = cuda(y);
        queue("transposedConv3x3", () -> convolutions.transposedForward(xt, wt, bt, yt, relu), xt.storage, wt.storage, bt.storage, yt.storage, relu);
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.transposedConvBackward("transposedConv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), dyt = cuda(dy), dxt = cudaOrNull(dx), dwt = cuda(dWeight), dbt = cuda(dBias);
        CudaTensor yt = relu ? cuda(y) : null;
        queue("transposedConv3x3Backward", () -> convolutions.transposedBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt),
                xt.storage, wt.storage, storageOrNull(yt), dyt.storage, relu, storageOrNull(dxt), dwt.storage, dbt.storage);
    }

    // ---- pooling and resizing ----

    @Override public void maxPool(Tensor x, Tensor y) {
        Shapes.pool("maxPool", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        queue("maxPool", () -> {
            if (pooling != null && CudnnPooling.takes(xt)) pooling.forward(xt, yt);
            else kernels.maxPoolForward(xt, yt);
        }, xt.storage, yt.storage);
    }

    /**
     * Always our kernel: cuDNN does not document which of tied maxima gets the gradient, and ReLU
     * outputs tie often (all-zero windows); max-unpooling, which is this op, must follow the first-cell
     * rule (docs/SPEC.md §2).
     */
    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Shapes.poolBackward("maxPoolBackward", x, y, dy, dx);
        CudaTensor xt = cuda(x), dyt = cuda(dy), dxt = cuda(dx);
        cuda(y);  // this engine's too, though the routing reads x
        queue("maxPoolBackward", () -> kernels.maxPoolBackward(xt, dyt, dxt), xt.storage, dyt.storage, dxt.storage);
    }

    @Override public void resize(Tensor x, Tensor y) {
        Shapes.resize("resize", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        queue("resize", () -> kernels.resizeNearestForward(xt, yt), xt.storage, yt.storage);
    }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        Shapes.resize("resizeBackward", dx, dy);
        CudaTensor dyt = cuda(dy), dxt = cuda(dx);
        queue("resizeBackward", () -> kernels.resizeNearestBackward(dyt, dxt), dyt.storage, dxt.storage);
    }

    @Override public void bilinearResize(Tensor x, Tensor y) {
        Shapes.bilinearResize("bilinearResize", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        queue("bilinearResize", () -> kernels.resizeBilinearForward(xt, yt), xt.storage, yt.storage);
    }

    /** A gather over each dx cell's candidate outputs: deterministic, and it overwrites every dx cell. */
    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        Shapes.bilinearResize("bilinearResizeBackward", dx, dy);
        CudaTensor dyt = cuda(dy), dxt = cuda(dx);
        queue("bilinearResizeBackward", () -> kernels.resizeBilinearBackward(dyt, dxt), dyt.storage, dxt.storage);
    }

    /**
     * Our kernel, with the first arg-max in row-major window order like the CPU engine. Max-unpooling
     * itself is {@link #maxPoolBackward}, also always our kernel, so this gather is its exact adjoint
     * even on windows with ties (VariantsGpuTest.maxUnpoolOfTiedZeroWindowsMatchesTheCpuEngine).
     */
    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        Shapes.unpoolBackward("maxUnpoolBackward", poolInput, pooled, dOut, dValues);
        CudaTensor xt = cuda(poolInput), dot = cuda(dOut), dvt = cuda(dValues);
        queue("maxUnpoolBackward", () -> kernels.maxPoolGather(xt, dot, dvt), xt.storage, dot.storage, dvt.storage);
    }

    // ---- output, loss and optimizer ----

    @Override public void sigmoid(Tensor x, Tensor y) {
        Shapes.sigmoid(x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        queue("sigmoid", () -> kernels.sigmoidForward(xt, yt), xt.storage, yt.storage);
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("add", a, b, out);
        CudaTensor at = cuda(a), bt = cuda(b), ot = cuda(out);
        queue("add", () -> kernels.elementwiseAdd(at, bt, ot), at.storage, bt.storage, ot.storage);
    }

    @Override public void subtract(Tensor a, Tensor b, Tensor out) {
        Shapes.elementwise("subtract", a, b, out);
        CudaTensor at = cuda(a), bt = cuda(b), ot = cuda(out);
        queue("subtract", () -> kernels.elementwiseSubtract(at, bt, ot), at.storage, bt.storage, ot.storage);
    }

    /** A device-to-device copy on the stream (a memcpy node in a recorded step). */
    @Override public void copy(Tensor src, Tensor dst) {
        Shapes.copy("copy", src, dst);
        CudaTensor s = cuda(src), d = cuda(dst);
        queue("copy", () -> Check.cu(cuMemcpyDtoDAsync(d.ptr, s.ptr, s.bytes(), stream), "cuMemcpyDtoDAsync"), s.storage, d.storage);
    }

    /** The grid depends only on the element count, so the per-block sums and their reduction order are fixed. */
    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        Shapes.loss("sigmoidCrossEntropy", logits, target, dLogits, losses, slot);
        meanLoss("sigmoidCrossEntropy", logits, target, dLogits, losses, slot, kernels::sigmoidXentForwardBackward);
    }

    /** As the cross-entropy: per-block sums on a grid of the element count, then one fixed-order reduction. */
    @Override public void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot) {
        Shapes.loss("meanSquaredError", prediction, target, dPrediction, losses, slot);
        meanLoss("meanSquaredError", prediction, target, dPrediction, losses, slot, kernels::squaredErrorForwardBackward);
    }

    /** A loss's first pass (the gradient and per-block sums into the partials), then loss_reduce into losses[slot]. */
    private interface LossPass {
        void run(CudaTensor prediction, CudaTensor target, CudaTensor gradient, CUdeviceptr partials);
    }

    private void meanLoss(String op, Tensor prediction, Tensor target, Tensor gradient, Tensor losses, int slot, LossPass pass) {
        CudaTensor x = cuda(prediction), z = cuda(target), g = cuda(gradient), out = cuda(losses);
        queue(op, new long[] {slot}, slotScalar -> {
            int count = x.size(), blocks = Kernels.lossBlocks(count);
            CUdeviceptr partials = lossPartials.atLeast((long) blocks * Float.BYTES);
            pass.run(x, z, g, partials);
            kernels.lossReduce(partials, blocks, out, count, slotScalar);
        }, x.storage, z.storage, g.storage, out.storage);
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        Shapes.adam(params, grads, m, v);
        CudaTensor p = cuda(params), g = cuda(grads), mt = cuda(m), vt = cuda(v);
        queue("adam", new long[] {Float.floatToRawIntBits(lrT) & 0xffffffffL}, rate -> kernels.adamUpdate(p, g, mt, vt, beta1, beta2, epsilon, rate),
                p.storage, g.storage, mt.storage, vt.storage, beta1, beta2, epsilon);
    }

    @Override public void synchronize() {
        graphs.forbidInStep("synchronize");
        makeCurrent();
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Frees everything this engine made; tensors and image sets from it are unusable afterwards. */
    @Override public void close() {
        if (closed) return;
        if (contextRetained) cuCtxSetCurrent(context);
        if (streamCreated) cuStreamSynchronize(stream);
        if (convolutions != null) convolutions.close();
        if (pooling != null) pooling.close();
        if (cudnn != null) cudnnDestroy(cudnn);
        if (cublas != null) cublasDestroy(cublas);
        if (graphs != null) graphs.close();
        if (module != null) module.close();
        if (memory != null) memory.close();
        if (streamCreated) cuStreamDestroy(stream);
        if (contextRetained) cuDevicePrimaryCtxRelease(device);
        closed = true;
    }
}
