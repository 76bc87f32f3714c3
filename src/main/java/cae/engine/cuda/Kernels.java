package cae.engine.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/**
 * The project's own kernels (kernels/*.cu), loaded from the fatbin the build packs as a classpath
 * resource, and launched by name. Names and parameter lists are those of kernels/*.cu.
 */
final class Kernels implements AutoCloseable {
    static final String RESOURCE = "cae/kernels/cae_kernels.fatbin";
    /** Threads per block; the reductions (cae::kReduceThreads) require exactly this many. */
    static final int THREADS = 256;
    private static final int MAX_BLOCKS = 1 << 16;

    static final String[] NAMES = {
            "resize_nearest_forward", "resize_nearest_backward", "maxpool_same_forward", "maxpool_same_backward",
            "sigmoid_xent_forward_backward", "sigmoid_xent_reduce", "bias_relu_forward", "relu_backward_bias_partials", "bias_grad_reduce",
            "sigmoid_forward", "adam_update", "gather_noise", "im2col3x3", "col2im3x3",
            "resize_bilinear_forward", "resize_bilinear_backward", "maxpool_same_gather", "im2col3x3_s2", "col2im3x3_s2",
            "step_scalars_set",
            "thin_conv_in1_forward", "thin_conv_out1_forward", "thin_conv_in1_backward_data", "thin_conv_out1_backward_data",
            "thin_conv_weight_grad_partials", "thin_conv_weight_grad_reduce", "maxpool_relu_backward_bias_partials",
            "conv3x3_weight_grad_partials", "conv3x3_weight_grad_reduce", "resize_nearest_relu_backward_bias_partials", "direct_conv_forward"};

    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final CUstream stream;

    /** The fatbin's bytes, or null when the build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = Kernels.class.getResourceAsStream("/" + RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read the kernel resource " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    static boolean present() { return Kernels.class.getResource("/" + RESOURCE) != null; }

    /** Loads the module into the current context and finds every kernel. */
    Kernels(CUstream stream) {
        this.stream = stream;
        byte[] image = fatbin();
        if (image == null) throw new CudaException("no CUDA kernels: " + RESOURCE + " is not on the classpath (nvcc was missing at build time)");
        Check.cu(cuModuleLoadData(module, image), "cuModuleLoadData(" + RESOURCE + ")");
        for (String name : NAMES) {
            CUfunction f = new CUfunction();
            Check.cu(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
    }

    /** cae::kBiasChunk in kernels/cae_ops.cuh: the cells of one channel that one block of a per-channel sum takes. */
    private static final int BIAS_CHUNK = 2048;

    /** Chunks of a channel's n x hw cells, each summed by one block (cae::bias_grad_chunks). */
    static int biasChunks(int n, int hw) { return (n * hw + BIAS_CHUNK - 1) / BIAS_CHUNK; }

    /** Blocks for a grid-stride kernel over {@code total} elements. */
    static int blocksFor(long total) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (total + THREADS - 1) / THREADS));
    }

    /** Launches {@code name} on {@code blocks} blocks of {@link #THREADS}; each arg is a Pointer.to(...) of one parameter. */
    void launch(String name, int blocks, Pointer... args) { launch(name, blocks, 1, args); }

    /** Launches {@code name} on a blocksX x blocksY grid of {@link #THREADS}-thread blocks. */
    void launch(String name, int blocksX, int blocksY, Pointer... args) {
        CUfunction f = functions.get(name);
        if (f == null) throw new IllegalStateException("unknown kernel " + name);
        Pointer params = Pointer.to((NativePointerObject[]) args);
        Check.cu(cuLaunchKernel(f, blocksX, blocksY, 1, THREADS, 1, 1, 0, stream, params, null), "cuLaunchKernel(" + name + ")");
    }

    CUstream stream() { return stream; }

    static Pointer arg(Pointer devicePointer) { return Pointer.to(devicePointer); }
    static Pointer arg(int value) { return Pointer.to(new int[] {value}); }
    static Pointer arg(float value) { return Pointer.to(new float[] {value}); }
    static Pointer arg(long value) { return Pointer.to(new long[] {value}); }
    /** A struct of 64-bit words passed by value (step.cu's StepWords). */
    static Pointer words(long[] words) { return Pointer.to(words); }
    /** A null device pointer argument (an optional buffer left out). */
    static Pointer nullArg() { return Pointer.to(new Pointer()); }

    @Override public void close() {
        cuModuleUnload(module);
    }
}
