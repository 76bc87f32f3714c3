package cae.engine.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/**
 * The project's kernels on the GPU: the module the build compiles from kernels/*.cu (a fatbin packed as
 * a classpath resource), loaded into the current context, and launched on the engine's stream.
 */
final class KernelModule implements KernelLauncher, AutoCloseable {
    static final String RESOURCE = "cae/kernels/cae_kernels.fatbin";

    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final CUstream stream;

    /** The fatbin's bytes, or null when the build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = KernelModule.class.getResourceAsStream("/" + RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read the kernel resource " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    static boolean present() { return KernelModule.class.getResource("/" + RESOURCE) != null; }

    /** Loads the module into the current context and finds every kernel of {@code names}, so a missing one fails here. */
    KernelModule(CUstream stream, List<String> names) {
        this.stream = stream;
        byte[] image = fatbin();
        if (image == null) throw new CudaException("no CUDA kernels: " + RESOURCE + " is not on the classpath (nvcc was missing at build time)");
        Check.cu(cuModuleLoadData(module, image), "cuModuleLoadData(" + RESOURCE + ")");
        for (String name : names) {
            CUfunction f = new CUfunction();
            Check.cu(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
    }

    @Override public void launch(String name, int blocksX, int blocksY, KernelArgs args) {
        CUfunction f = functions.get(name);
        if (f == null) throw new IllegalStateException("unknown kernel " + name);
        List<KernelArgs.Arg> list = args.list();
        Pointer[] params = new Pointer[list.size()];
        for (int i = 0; i < params.length; i++) params[i] = parameter(list.get(i));
        Check.cu(cuLaunchKernel(f, blocksX, blocksY, 1, KernelConstants.THREADS, 1, 1, 0, stream,
                Pointer.to((NativePointerObject[]) params), null), "cuLaunchKernel(" + name + ")");
    }

    /** Where the driver reads one parameter's value from. */
    private static Pointer parameter(KernelArgs.Arg arg) {
        if (arg instanceof KernelArgs.DevicePointer p) return Pointer.to(p.value() == null ? new Pointer() : p.value());
        if (arg instanceof KernelArgs.Int32 v) return Pointer.to(new int[] {v.value()});
        if (arg instanceof KernelArgs.Float32 v) return Pointer.to(new float[] {v.value()});
        if (arg instanceof KernelArgs.Int64 v) return Pointer.to(new long[] {v.value()});
        return Pointer.to(((KernelArgs.Words) arg).value());
    }

    @Override public void close() {
        cuModuleUnload(module);
    }
}
