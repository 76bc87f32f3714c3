package cae.engine.cuda;

import cae.engine.Ceilings;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Shapes;
import cae.engine.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnPoolingDescriptor;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.runtime.cudaStream_t;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.*;
import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.JCublas2.cublasSgemm;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasMath.CUBLAS_DEFAULT_MATH;
import static jcuda.jcublas.cublasMath.CUBLAS_TF32_TENSOR_OP_MATH;
import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnNanPropagation.CUDNN_NOT_PROPAGATE_NAN;
import static jcuda.jcudnn.cudnnPoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * The GPU engine: the same ops as the CPU engine (the reference), computed with cuDNN or cuBLAS for
 * the convolutions and the project's kernels for the rest, on the device's primary context (so cuDNN,
 * cuBLAS and the kernels share it) and one stream. Ops only queue work: device memory is allocated
 * when tensors are made and when a shape is first seen, never in a steady-state step, and only
 * {@link #read}, {@link #write} and {@link #synchronize} wait for the GPU (and, once per new shape,
 * the timing that chooses its algorithms). {@link #step} records a whole step as a CUDA graph and
 * replays it ({@link StepGraph}).
 *
 * <p>Strict FP32 by default; {@code tf32} lets cuDNN and cuBLAS use TF32 tensor cores.
 */
public final class CudaEngine implements Engine {

    /** How convolutions are computed: cuDNN, im2col + cuBLAS SGEMM, or cuDNN when it loads. */
    public enum ConvPath { AUTO, CUDNN, GEMM }

    private final int ordinal;
    private final boolean tf32;
    private final String deviceName;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private boolean contextRetained, streamCreated, closed;
    private Thread contextThread;

    private DeviceMemory memory;
    private Kernels kernels;
    private StepGraph graphs;
    private cudnnHandle cudnn;
    private cublasHandle cublas;
    private Convolution convolution;
    private TransposedConvolution transposed;
    private ThinConvolution thin;
    private DirectConvolution direct;
    private DirectWeightGradient directWeightGradient;
    private FusionChoices fusions;

    private cudnnPoolingDescriptor pooling;
    private final Map<List<Integer>, cudnnTensorDescriptor> tensorDescriptors = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});

    private DeviceMemory.Scratch order, lossPartials, biasPartials;
    private int orderLength;

    /**
     * Whether fused kernels replace library calls and separate launches: the one-channel convolutions
     * (conv1, the logits: kernels/thin_conv.cu, bias and ReLU fused), for the other layers' forward
     * cuDNN's convolution + bias + ReLU or our direct kernel (kernels/direct_conv.cu), the max-pool
     * and nearest-resize backwards fused into the next kernel, and the other layers' weight gradient
     * with im2col folded in (kernels/conv_wgrad.cu).
     * Never, always, or per case whichever way timed faster when the case was first seen (the command
     * line's default).
     */
    public enum Fusion { OFF, ON, AUTO }

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
        CudaProbe.Selection probe = CudaProbe.probe();
        if (!probe.available()) throw new CudaException("the CUDA engine cannot run here: " + probe.reason());
        if (ordinal >= probe.deviceCount())
            throw new IllegalArgumentException("there is no CUDA device " + ordinal + " (this machine has " + probe.deviceCount() + ")");
        ConvPath path = conv == ConvPath.AUTO ? (probe.cudnn() ? ConvPath.CUDNN : ConvPath.GEMM) : conv;
        if (path == ConvPath.CUDNN && !probe.cudnn())
            throw new CudaException("--conv cudnn: " + NativeLoader.loaded().cudnnError);
        if (path == ConvPath.GEMM && !probe.cublas())
            throw new CudaException("--conv gemm: " + NativeLoader.loaded().cublasError);

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
            biasPartials = memory.new Scratch("the bias gradient partial sums");
            kernels = new Kernels(stream);
            this.graphs = new StepGraph(graphs, stream, kernels, memory);
            thin = new ThinConvolution(kernels, memory);
            direct = new DirectConvolution(kernels);
            directWeightGradient = new DirectWeightGradient(kernels, memory);
            fusions = new FusionChoices(fusion, stream, graphs);

            if (path == ConvPath.CUDNN) {
                cudnn = new cudnnHandle();
                Check.cudnn(cudnnCreate(cudnn), "cudnnCreate");
                Check.cudnn(cudnnSetStream(cudnn, new cudaStream_t(stream)), "cudnnSetStream");
                pooling = new cudnnPoolingDescriptor();
                Check.cudnn(cudnnCreatePoolingDescriptor(pooling), "cudnnCreatePoolingDescriptor");
                Check.cudnn(cudnnSetPooling2dDescriptor(pooling, CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN,
                        2, 2, 0, 0, 2, 2), "cudnnSetPooling2dDescriptor");
                GemmConvolution gemm = null;
                if (probe.cublas()) {
                    createCublas();
                    gemm = new GemmConvolution(cublas, kernels, memory, tf32);
                }
                convolution = new CudnnConvolution(cudnn, memory, tf32, gemm, stream, graphs);
                transposed = new CudnnTransposedConvolution(cudnn, memory, tf32);
            } else {
                createCublas();
                convolution = new GemmConvolution(cublas, kernels, memory, tf32);
                transposed = new GemmTransposedConvolution(cublas, kernels, memory, tf32);
            }
        } catch (RuntimeException e) {
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
                + ", " + graphs.describe();
    }

    /** The convolution route with the algorithms chosen so far (for -v). */
    public String describeConvolution() { return convolution.describe() + "; " + transposed.describe() + "; " + fusions.describe(); }

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
     * The copy ceiling: a 512 MiB device-to-device copy, counted as bytes read plus bytes written. The
     * matrix-product ceiling: a 4096^3 cuBLAS SGEMM on ones, strict FP32 or TF32 as this engine is set
     * (NaN when cuBLAS did not load). Each the median of 5 batches of 3 runs, timed with events after
     * one untimed run. The buffers are freed after, which drops any recorded step graph, and left out
     * of the peak memory reported.
     */
    @Override public Ceilings measureCeilings() {
        graphs.forbidInStep("measureCeilings (allocations and waiting)");
        makeCurrent();
        long bytes = 512L << 20, peak = memory.peakBytes();
        CUdeviceptr source = memory.allocate(bytes, "the copy ceiling's source"), target = null;
        try {
            target = memory.allocate(bytes, "the copy ceiling's target");
            CUdeviceptr to = target;
            Check.cu(cuMemsetD32Async(source, Float.floatToRawIntBits(1f), bytes / Float.BYTES, stream), "cuMemsetD32Async");
            double copyMs = EventTimer.medianMillis(stream, 5, 3,
                    () -> Check.cu(cuMemcpyDtoDAsync(to, source, bytes, stream), "cuMemcpyDtoDAsync"));
            double flopsPerSecond = Double.NaN;
            int n = 4096;  // A and B in the source buffer, C in the target: 64 MiB each
            if (cublas != null) {
                CUdeviceptr a = source, b = source.withByteOffset((long) n * n * Float.BYTES);
                double gemmMs = EventTimer.medianMillis(stream, 5, 3, () -> Check.cublas(
                        cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, one, a, n, b, n, zero, to, n), "cublasSgemm"));
                flopsPerSecond = 2.0 * n * n * n / (gemmMs / 1e3);
            }
            return new Ceilings(2.0 * bytes / (copyMs / 1e3), flopsPerSecond,
                    "512 MiB device-to-device copy; " + (cublas == null ? "no cuBLAS, so no matrix product"
                            : "cuBLAS SGEMM " + n + "^3, " + (tf32 ? "TF32 tensor cores" : "strict FP32")) + "; measured with CUDA events");
        } finally {
            memory.free(source);
            if (target != null) memory.free(target);
            memory.resetPeak(peak);  // the ceilings' gigabyte is not the engine's own use
        }
    }

    /**
     * The layout probe ({@link LayoutProbe}) over convolution shapes {n, cin, cout, h, w}: cuDNN's
     * times for NCHW against NHWC at this engine's precision, one line per shape and direction.
     * Waits for the device; not inside a step.
     */
    public List<String> layoutProbe(List<int[]> shapes) {
        graphs.forbidInStep("layoutProbe (allocations and waiting)");
        if (cudnn == null) return List.of("layout probe: needs cuDNN (this engine runs --conv gemm)");
        makeCurrent();
        long peak = memory.peakBytes();
        try {
            return LayoutProbe.run(cudnn, tf32, memory, stream, graphs.enabled(), shapes.toArray(int[][]::new));
        } finally {
            memory.resetPeak(peak);
        }
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
        makeCurrent();
        if (graphs.replaying("fill", d.storage, value)) return;
        Check.cu(cuMemsetD32Async(d.ptr, Float.floatToRawIntBits(value), d.size(), stream), "cuMemsetD32Async");
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        Shapes.upload(pixels.length, count, height, width);
        graphs.forbidInStep("upload (an allocation and a copy)");
        makeCurrent();
        CUdeviceptr ptr = memory.allocate(pixels.length, "the data set (" + count + " images)");
        Check.cu(cuMemcpyHtoD(ptr, Pointer.to(pixels), pixels.length), "cuMemcpyHtoD(images)");
        return new CudaImageSet(this, ptr, memory.allocations(), count, height, width);
    }

    @Override public void release(ImageSet images) {
        if (!(images instanceof CudaImageSet set) || set.owner != this)
            throw new IllegalArgumentException("image set does not belong to this CUDA engine");
        graphs.forbidInStep("release (a free)");
        makeCurrent();
        if (!memory.owns(set.pixels)) throw new IllegalArgumentException("this image set was released already");
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");  // queued gathers may still read it
        memory.free(set.pixels);
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
        if (!(images instanceof CudaImageSet set) || set.owner != this)
            throw new IllegalArgumentException("gather: the image set does not belong to this CUDA engine");
        CudaTensor c = cuda(clean), z = cudaOrNull(noisy);
        int n = c.n(), plane = set.height() * set.width();
        makeCurrent();
        boolean replayed = graphs.replaying("gather", set.allocation, c.storage, z == null ? "no noisy" : z.storage, noiseStd, seed);
        CUdeviceptr fromAndStep = graphs.scalars(from, step);
        if (replayed) return;
        kernels.launch("gather_noise", Kernels.blocksFor((long) n * plane),
                Kernels.arg(set.pixels), Kernels.arg(order.atLeast(4)), Kernels.arg(n), Kernels.arg(plane),
                Kernels.arg(c.ptr), z == null ? Kernels.nullArg() : Kernels.arg(z.ptr), Kernels.arg(noiseStd),
                Kernels.arg(seed), Kernels.arg(fromAndStep));
    }

    // ---- convolution ----

    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.conv("conv3x3", x, weight, bias, y);
        CudaTensor xt = cuda(x), wt = cuda(weight), bt = cuda(bias), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("conv3x3", xt.storage, wt.storage, bt.storage, yt.storage, relu)) return;
        Runnable library = () -> {
            convolution.forward(xt, wt, yt);
            addBiasAndRelu(yt, bt, relu);
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

    /** A convolution's case name: batch x in -> out channels, height x width, and whether ReLU follows. */
    private static String shape(CudaTensor x, CudaTensor y, boolean relu) {
        return x.n() + "x" + x.c() + "->" + y.c() + " " + x.h() + "x" + x.w() + (relu ? " relu" : "");
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                          Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convBackward("conv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), dyt = cuda(dy), dxt = cudaOrNull(dx), dwt = cuda(dWeight), dbt = cuda(dBias);
        CudaTensor yt = relu ? cuda(y) : null;
        makeCurrent();
        if (graphs.replaying("conv3x3Backward", xt.storage, wt.storage, storageOrNull(yt), dyt.storage, relu,
                storageOrNull(dxt), dwt.storage, dbt.storage)) return;
        convolutionBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
    }

    private void convolutionBackward(CudaTensor xt, CudaTensor wt, CudaTensor yt, CudaTensor dyt, boolean relu,
                                     CudaTensor dxt, CudaTensor dwt, CudaTensor dbt) {
        Runnable library = () -> libraryBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
        if (ThinConvolution.fits(xt, dyt))
            fusions.run("thin conv backward" + (dxt == null ? " without dx " : " ") + shape(xt, dyt, relu), library,
                    () -> thin.backward(xt, wt, yt, dyt, null, relu, dxt, dwt, dbt), dxt, dwt, dbt);
        else library.run();
    }

    /** The ReLU mask and bias gradient (our kernels), then cuDNN's or cuBLAS's data and weight gradients. */
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
     * With fusion, the max-pool backward is folded into the next kernel: into the one-channel layers'
     * gradient pass (thin_conv_weight_grad_partials), and for the others into the ReLU mask and bias
     * gradient (maxpool_relu_backward_bias_partials, then bias_grad_reduce) before the library's
     * convolution backward.
     */
    @Override public void conv3x3PoolBackward(Tensor x, Tensor weight, Tensor y, Tensor pooled, Tensor dPooled, boolean relu,
                                              Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convPoolBackward("conv3x3PoolBackward", x, weight, y, pooled, dPooled, relu, dy, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), yt = cuda(y), dpt = cuda(dPooled), dyt = cuda(dy), dxt = cudaOrNull(dx);
        CudaTensor dwt = cuda(dWeight), dbt = cuda(dBias);
        makeCurrent();
        if (graphs.replaying("conv3x3PoolBackward", xt.storage, wt.storage, yt.storage, dpt.storage, relu, dyt.storage,
                storageOrNull(dxt), dwt.storage, dbt.storage)) return;
        if (ThinConvolution.fits(xt, dyt)) {
            fusions.run("thin conv + max-pool backward" + (dxt == null ? " without dx " : " ") + shape(xt, dyt, relu),
                    () -> {
                        routeMaxPoolGradient(yt, dpt, dyt);
                        libraryBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
                    },
                    () -> thin.backward(xt, wt, yt, dyt, dpt, relu, dxt, dwt, dbt), dxt, dwt, dbt);
        } else if (relu) {
            fusions.run("max-pool backward + ReLU mask + bias gradient " + dyt.n() + "x" + dyt.c() + " " + dyt.h() + "x" + dyt.w(),
                    () -> {
                        routeMaxPoolGradient(yt, dpt, dyt);
                        maskReluAndSumBias(yt, dyt, dbt, true);
                    },
                    () -> fusedMaskAndSumBias("maxpool_relu_backward_bias_partials", yt, dpt, dyt, dbt), dyt, dbt);
            convolutionGradients(xt, wt, dyt, dxt, dwt);
        } else {
            routeMaxPoolGradient(yt, dpt, dyt);
            libraryBackward(xt, wt, null, dyt, false, dxt, dwt, dbt);
        }
    }

    /**
     * With fusion, the nearest resize's backward is folded into the ReLU mask and bias gradient
     * (resize_nearest_relu_backward_bias_partials, then bias_grad_reduce) before the convolution's
     * gradients. The decoder's layers have more than one channel each side, so the thin convolutions never
     * meet it there.
     */
    @Override public void conv3x3ResizeBackward(Tensor x, Tensor weight, Tensor y, Tensor dResized, boolean relu,
                                                Tensor dy, Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.convResizeBackward("conv3x3ResizeBackward", x, weight, y, dResized, relu, dy, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), drt = cuda(dResized), dyt = cuda(dy), dxt = cudaOrNull(dx);
        CudaTensor yt = relu ? cuda(y) : null, dwt = cuda(dWeight), dbt = cuda(dBias);
        makeCurrent();
        if (graphs.replaying("conv3x3ResizeBackward", xt.storage, wt.storage, storageOrNull(yt), drt.storage, relu, dyt.storage,
                storageOrNull(dxt), dwt.storage, dbt.storage)) return;
        Runnable separate = () -> launchResize("resize_nearest_backward", drt, dyt, dyt, drt);
        if (relu && !ThinConvolution.fits(xt, dyt)) {
            fusions.run("resize backward + ReLU mask + bias gradient " + dyt.n() + "x" + dyt.c() + " " + dyt.h() + "x" + dyt.w()
                            + "<-" + drt.h() + "x" + drt.w(),
                    () -> {
                        separate.run();
                        maskReluAndSumBias(yt, dyt, dbt, true);
                    },
                    () -> fusedMaskAndSumBias("resize_nearest_relu_backward_bias_partials", yt, drt, dyt, dbt,
                            Kernels.arg(drt.h()), Kernels.arg(drt.w())), dyt, dbt);
            convolutionGradients(xt, wt, dyt, dxt, dwt);
        } else {
            separate.run();
            convolutionBackward(xt, wt, yt, dyt, relu, dxt, dwt, dbt);
        }
    }

    /**
     * One of the fused kernels that take a gradient back through the op after a ReLU (a max-pool's or a
     * resize's, {@code incoming}), mask it where y <= 0 into dy and sum the bias partials in one pass;
     * then bias_grad_reduce. Their arguments: y, incoming, dy, partials, n, c, h, w, then {@code more}.
     */
    private void fusedMaskAndSumBias(String kernel, CudaTensor yt, CudaTensor incoming, CudaTensor dyt, CudaTensor dbt, Pointer... more) {
        int n = dyt.n(), c = dyt.c();
        int chunks = Kernels.biasChunks(n, dyt.h() * dyt.w());
        CUdeviceptr partials = biasPartials.atLeast((long) chunks * c * Float.BYTES);
        List<Pointer> args = new ArrayList<>(List.of(Kernels.arg(yt.ptr), Kernels.arg(incoming.ptr), Kernels.arg(dyt.ptr), Kernels.arg(partials),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(dyt.h()), Kernels.arg(dyt.w())));
        args.addAll(List.of(more));
        kernels.launch(kernel, chunks, c, args.toArray(Pointer[]::new));
        kernels.launch("bias_grad_reduce", c, Kernels.arg(partials), Kernels.arg(chunks), Kernels.arg(dbt.ptr));
    }

    /** The epilogue of both convolutions: y += bias per channel, then ReLU when asked (our kernel, in place). */
    private void addBiasAndRelu(CudaTensor yt, CudaTensor bt, boolean relu) {
        int n = yt.n(), c = yt.c(), hw = yt.h() * yt.w();
        kernels.launch("bias_relu_forward", Kernels.blocksFor((long) n * c * hw),
                Kernels.arg(yt.ptr), Kernels.arg(bt.ptr), Kernels.arg(n), Kernels.arg(c), Kernels.arg(hw), Kernels.arg(relu ? 1 : 0));
    }

    /**
     * The start of both convolutions' backward passes: dy = 0 where y <= 0 (in place), and the bias
     * gradient, summed per chunk of each channel by one block each, then per channel (a fixed order).
     */
    private void maskReluAndSumBias(CudaTensor yt, CudaTensor dyt, CudaTensor dbt, boolean relu) {
        int n = dyt.n(), c = dyt.c(), hw = dyt.h() * dyt.w();
        int chunks = Kernels.biasChunks(n, hw);
        CUdeviceptr partials = biasPartials.atLeast((long) chunks * c * Float.BYTES);
        kernels.launch("relu_backward_bias_partials", chunks, c,
                yt == null ? Kernels.nullArg() : Kernels.arg(yt.ptr), Kernels.arg(dyt.ptr), Kernels.arg(partials),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(hw), Kernels.arg(relu ? 1 : 0));
        kernels.launch("bias_grad_reduce", c, Kernels.arg(partials), Kernels.arg(chunks), Kernels.arg(dbt.ptr));
    }

    // ---- pooling and resizing ----

    /** cuDNN's max-pool pads symmetrically, which is TensorFlow's SAME only when both sizes are even. */
    private boolean cudnnPools(Tensor x) {
        return cudnn != null && x.h() % 2 == 0 && x.w() % 2 == 0;
    }

    private cudnnTensorDescriptor descriptor(CudaTensor t) {
        List<Integer> key = List.of(t.n(), t.c(), t.h(), t.w());
        cudnnTensorDescriptor d = tensorDescriptors.get(key);
        if (d == null) {
            d = new cudnnTensorDescriptor();
            Check.cudnn(cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, t.n(), t.c(), t.h(), t.w()),
                    "cudnnSetTensor4dDescriptor" + key);
            tensorDescriptors.put(key, d);
        }
        return d;
    }

    @Override public void maxPool(Tensor x, Tensor y) {
        Shapes.pool("maxPool", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("maxPool", xt.storage, yt.storage)) return;
        if (cudnnPools(xt)) {
            Check.cudnn(cudnnPoolingForward(cudnn, pooling, one, descriptor(xt), xt.ptr, zero, descriptor(yt), yt.ptr),
                    "cudnnPoolingForward");
            return;
        }
        kernels.launch("maxpool_same_forward", Kernels.blocksFor(yt.size()),
                Kernels.arg(xt.ptr), Kernels.arg(yt.ptr), Kernels.arg(xt.n()), Kernels.arg(xt.c()), Kernels.arg(xt.h()), Kernels.arg(xt.w()));
    }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Shapes.poolBackward("maxPoolBackward", x, y, dy, dx);
        CudaTensor xt = cuda(x), yt = cuda(y), dyt = cuda(dy), dxt = cuda(dx);
        makeCurrent();
        if (graphs.replaying("maxPoolBackward", xt.storage, dyt.storage, dxt.storage)) return;
        routeMaxPoolGradient(xt, dyt, dxt);
    }

    /**
     * Always our kernel: cuDNN does not document which of tied maxima gets the gradient, and ReLU
     * outputs tie often (all-zero windows); max-unpooling, which is this op, must follow SPEC's first-cell rule.
     */
    private void routeMaxPoolGradient(CudaTensor xt, CudaTensor dyt, CudaTensor dxt) {
        kernels.launch("maxpool_same_backward", Kernels.blocksFor(xt.size()),
                Kernels.arg(xt.ptr), Kernels.arg(dyt.ptr), Kernels.arg(dxt.ptr),
                Kernels.arg(xt.n()), Kernels.arg(xt.c()), Kernels.arg(xt.h()), Kernels.arg(xt.w()));
    }

    @Override public void resize(Tensor x, Tensor y) {
        Shapes.resize("resize", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("resize", xt.storage, yt.storage)) return;
        launchResize("resize_nearest_forward", xt, yt, xt, yt);
    }

    /**
     * One of the resize kernels (kernels/resize.cu, bilinear.cu): from src to dst, one thread per dst
     * element, with the shapes of the small (n, c, ih, iw) and the large (oh, ow) side.
     */
    private void launchResize(String kernel, CudaTensor src, CudaTensor dst, CudaTensor small, CudaTensor large) {
        kernels.launch(kernel, Kernels.blocksFor(dst.size()),
                Kernels.arg(src.ptr), Kernels.arg(dst.ptr), Kernels.arg(small.n()), Kernels.arg(small.c()),
                Kernels.arg(small.h()), Kernels.arg(small.w()), Kernels.arg(large.h()), Kernels.arg(large.w()));
    }

    @Override public void resizeBackward(Tensor dy, Tensor dx) {
        Shapes.resize("resizeBackward", dx, dy);
        CudaTensor dyt = cuda(dy), dxt = cuda(dx);
        makeCurrent();
        if (graphs.replaying("resizeBackward", dyt.storage, dxt.storage)) return;
        launchResize("resize_nearest_backward", dyt, dxt, dxt, dyt);
    }

    // ---- output and loss ----

    @Override public void sigmoid(Tensor x, Tensor y) {
        Shapes.sigmoid(x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("sigmoid", xt.storage, yt.storage)) return;
        kernels.launch("sigmoid_forward", Kernels.blocksFor(xt.size()), Kernels.arg(xt.ptr), Kernels.arg(yt.ptr), Kernels.arg(xt.size()));
    }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        Shapes.loss("sigmoidCrossEntropy", logits, target, dLogits, losses, slot);
        CudaTensor x = cuda(logits), z = cuda(target), g = cuda(dLogits), out = cuda(losses);
        makeCurrent();
        boolean replayed = graphs.replaying("sigmoidCrossEntropy", x.storage, z.storage, g.storage, out.storage);
        CUdeviceptr slotScalar = graphs.scalars(slot);
        if (replayed) return;
        int count = x.size();
        // the grid depends only on count, so the per-block sums and their reduction order are fixed
        int blocks = Kernels.blocksFor(count);
        CUdeviceptr partials = lossPartials.atLeast((long) blocks * Float.BYTES);
        kernels.launch("sigmoid_xent_forward_backward", blocks,
                Kernels.arg(x.ptr), Kernels.arg(z.ptr), Kernels.arg(g.ptr), Kernels.arg(partials), Kernels.arg(count));
        kernels.launch("sigmoid_xent_reduce", 1,
                Kernels.arg(partials), Kernels.arg(blocks), Kernels.arg(out.ptr), Kernels.arg(count), Kernels.arg(slotScalar));
    }

    // ---- optimizer ----

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        Shapes.adam(params, grads, m, v);
        CudaTensor p = cuda(params), g = cuda(grads), mt = cuda(m), vt = cuda(v);
        makeCurrent();
        boolean replayed = graphs.replaying("adam", p.storage, g.storage, mt.storage, vt.storage, beta1, beta2, epsilon);
        CUdeviceptr rate = graphs.scalars(Float.floatToRawIntBits(lrT) & 0xffffffffL);
        if (replayed) return;
        kernels.launch("adam_update", Kernels.blocksFor(p.size()),
                Kernels.arg(p.ptr), Kernels.arg(g.ptr), Kernels.arg(mt.ptr), Kernels.arg(vt.ptr), Kernels.arg(p.size()),
                Kernels.arg(beta1), Kernels.arg(beta2), Kernels.arg(epsilon), Kernels.arg(rate));
    }

    // ---- decoder variants (issue 5) ----

    @Override public void bilinearResize(Tensor x, Tensor y) {
        Shapes.bilinearResize("bilinearResize", x, y);
        CudaTensor xt = cuda(x), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("bilinearResize", xt.storage, yt.storage)) return;
        launchResize("resize_bilinear_forward", xt, yt, xt, yt);
    }

    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) {
        Shapes.bilinearResize("bilinearResizeBackward", dx, dy);
        CudaTensor dyt = cuda(dy), dxt = cuda(dx);
        makeCurrent();
        if (graphs.replaying("bilinearResizeBackward", dyt.storage, dxt.storage)) return;
        // a gather over each dx cell's candidate outputs: deterministic, and it overwrites every dx cell
        launchResize("resize_bilinear_backward", dyt, dxt, dxt, dyt);
    }

    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        Shapes.transposedConv("transposedConv3x3", x, weight, bias, y);
        CudaTensor xt = cuda(x), wt = cuda(weight), bt = cuda(bias), yt = cuda(y);
        makeCurrent();
        if (graphs.replaying("transposedConv3x3", xt.storage, wt.storage, bt.storage, yt.storage, relu)) return;
        transposed.forward(xt, wt, yt);
        addBiasAndRelu(yt, bt, relu);
    }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        Shapes.transposedConvBackward("transposedConv3x3Backward", x, weight, y, dy, relu, dx, dWeight, dBias);
        CudaTensor xt = cuda(x), wt = cuda(weight), dyt = cuda(dy), dxt = cudaOrNull(dx), dwt = cuda(dWeight), dbt = cuda(dBias);
        CudaTensor yt = relu ? cuda(y) : null;
        makeCurrent();
        if (graphs.replaying("transposedConv3x3Backward", xt.storage, wt.storage, storageOrNull(yt), dyt.storage, relu,
                storageOrNull(dxt), dwt.storage, dbt.storage)) return;
        maskReluAndSumBias(yt, dyt, dbt, relu);
        transposed.backward(xt, wt, dyt, dxt, dwt);
    }

    /**
     * Our kernel, with the first arg-max in row-major window order like the CPU engine. Max-unpooling
     * itself is {@link #maxPoolBackward}, also always our kernel, so this gather is its exact adjoint
     * even on windows with ties (VariantsGpuTest.maxUnpoolOfTiedZeroWindowsMatchesTheCpuEngine).
     */
    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        Shapes.unpoolBackward("maxUnpoolBackward", poolInput, pooled, dOut, dValues);
        CudaTensor xt = cuda(poolInput), dot = cuda(dOut), dvt = cuda(dValues);
        makeCurrent();
        if (graphs.replaying("maxUnpoolBackward", xt.storage, dot.storage, dvt.storage)) return;
        kernels.launch("maxpool_same_gather", Kernels.blocksFor(dvt.size()),
                Kernels.arg(xt.ptr), Kernels.arg(dot.ptr), Kernels.arg(dvt.ptr),
                Kernels.arg(xt.n()), Kernels.arg(xt.c()), Kernels.arg(xt.h()), Kernels.arg(xt.w()));
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
        if (convolution != null) convolution.close();
        if (transposed != null) transposed.close();
        for (cudnnTensorDescriptor d : tensorDescriptors.values()) cudnnDestroyTensorDescriptor(d);
        tensorDescriptors.clear();
        if (pooling != null) cudnnDestroyPoolingDescriptor(pooling);
        if (cudnn != null) cudnnDestroy(cudnn);
        if (cublas != null) cublasDestroy(cublas);
        if (graphs != null) graphs.close();
        if (kernels != null) kernels.close();
        if (memory != null) memory.close();
        if (streamCreated) cuStreamDestroy(stream);
        if (contextRetained) cuDevicePrimaryCtxRelease(device);
        closed = true;
    }
}
