package cae.engine.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUmodule;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;
import jcuda.libraryPropertyType;

import java.nio.charset.StandardCharsets;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/**
 * Decides whether the CUDA engine can run here and, if not, why, in one line. It checks what is
 * cheap first (files), loads natives only when those exist, and touches JCudnn / JCublas2 only after
 * their natives loaded, because a JCuda class whose static initialiser failed is dead for the JVM.
 * The answer is computed once per JVM.
 */
public final class CudaProbe {

    /**
     * The outcome: whether a CUDA engine can be made; if not, the one-line reason; and a multi-line
     * report of libraries, versions, device and which path each op takes (for {@code info} / {@code -v}).
     */
    public record Selection(boolean available, String reason, String info,
                            boolean cudnn, boolean cublas, int deviceCount) {}

    private static Selection result;

    private CudaProbe() {}

    public static synchronized Selection probe() {
        if (result == null) result = run(CudaLibraries.locate(), KernelModule.present());
        return result;
    }

    static Selection run(CudaLibraries libs, boolean kernels) {
        StringBuilder info = new StringBuilder(libs.describe()).append('\n');
        info.append("kernels: ").append(kernels ? KernelModule.RESOURCE : "none (" + KernelModule.RESOURCE + " not on the classpath)").append('\n');

        if (libs.driver() == null)
            return unavailable("no NVIDIA driver (" + CudaLibraries.DRIVER + " not found)", info);
        if (!kernels)
            return unavailable("no CUDA kernels (" + KernelModule.RESOURCE + " is not on the classpath: nvcc was missing at build time)", info);
        if (libs.cudnn() == null && libs.cublas() == null)
            return unavailable("neither cuDNN (libcudnn.so.9 / .8) nor cuBLAS (libcublas.so.13 / .12) was found", info);

        NativeLoader natives = NativeLoader.load(libs);
        if (natives.driverError != null) return unavailable(natives.driverError, info);

        int status = cuInit(0);
        if (status != 0) return unavailable("no usable CUDA device (cuInit: " + Check.driverError(status) + ")", info);
        int[] count = new int[1];
        status = cuDeviceGetCount(count);
        if (status != 0) return unavailable("no usable CUDA device (cuDeviceGetCount: " + Check.driverError(status) + ")", info);
        if (count[0] == 0) return unavailable("no CUDA device (the driver sees none)", info);
        int[] driverVersion = new int[1];
        cuDriverGetVersion(driverVersion);
        info.append("driver API: ").append(driverVersion[0] / 1000).append('.').append(driverVersion[0] % 1000 / 10)
                .append(", ").append(count[0]).append(" device").append(count[0] == 1 ? "" : "s").append('\n');
        for (int i = 0; i < count[0]; i++) info.append("device ").append(i).append(": ").append(describeDevice(i)).append('\n');

        String kernelError = tryLoadKernels();
        if (kernelError != null) return unavailable(kernelError, info);

        boolean cudnn = natives.cudnnError == null, cublas = natives.cublasError == null;
        info.append("cuDNN:  ").append(cudnn ? "version " + JCudnn.cudnnGetVersion() + ", " + natives.cudnnRoute : natives.cudnnError).append('\n');
        info.append("cuBLAS: ").append(cublas ? "version " + cublasVersion() + ", " + natives.cublasRoute : natives.cublasError).append('\n');
        if (!cudnn && !cublas)
            return unavailable("neither cuDNN nor cuBLAS loads (" + natives.cudnnError + "; " + natives.cublasError + ")", info);

        info.append("convolution: ").append(cudnn ? "cuDNN (forward, backward data, backward filter; algorithms chosen once per shape)"
                : "im2col + cuBLAS SGEMM (our im2col/col2im kernels)").append(", bias + ReLU: our kernels\n");
        info.append("max-pool: ").append(cudnn ? "forward cuDNN for even sizes, our kernels for odd sizes; backward our kernel" : "our kernels").append('\n');
        info.append("resize, loss, sigmoid, Adam, batch gather + noise: our kernels");
        return new Selection(true, null, info.toString(), cudnn, cublas, count[0]);
    }

    private static Selection unavailable(String reason, StringBuilder info) {
        info.append("CUDA engine: unavailable, ").append(reason);
        return new Selection(false, reason, info.toString(), false, false, 0);
    }

    private static String describeDevice(int ordinal) {
        CUdevice device = new CUdevice();
        if (cuDeviceGet(device, ordinal) != 0) return "unknown";
        String name = deviceName(device);
        int[] major = new int[1], minor = new int[1];
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        long[] memory = new long[1];
        cuDeviceTotalMem(memory, device);
        return (name == null ? "unknown" : name) + ", compute capability " + major[0] + "." + minor[0]
                + ", " + memory[0] / (1 << 20) + " MiB";
    }

    /** The device's name as the driver gives it (a NUL-terminated string), or null where it does not. */
    static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        if (cuDeviceGetName(name, name.length, device) != 0) return null;
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        return new String(name, 0, len, StandardCharsets.UTF_8);
    }

    /** Loads the kernel module on device 0 and unloads it: a GPU the fatbin has no code for fails here. */
    private static String tryLoadKernels() {
        CUdevice device = new CUdevice();
        CUcontext context = new CUcontext();
        int status = cuDeviceGet(device, 0);
        if (status == 0) status = cuDevicePrimaryCtxRetain(context, device);
        if (status != 0) return "cannot open CUDA device 0 (" + Check.driverError(status) + ")";
        try {
            status = cuCtxSetCurrent(context);
            if (status != 0) return "cannot use CUDA device 0 (cuCtxSetCurrent: " + Check.driverError(status) + ")";
            CUmodule module = new CUmodule();
            status = cuModuleLoadData(module, KernelModule.fatbin());
            if (status != 0) return "the CUDA kernels do not load on device 0 (cuModuleLoadData: " + Check.driverError(status) + ")";
            cuModuleUnload(module);
            return null;
        } finally {
            cuDevicePrimaryCtxRelease(device);
        }
    }

    private static String cublasVersion() {
        int[] major = new int[1], minor = new int[1], patch = new int[1];
        JCublas2.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, major);
        JCublas2.cublasGetProperty(libraryPropertyType.MINOR_VERSION, minor);
        JCublas2.cublasGetProperty(libraryPropertyType.PATCH_LEVEL, patch);
        return major[0] + "." + minor[0] + "." + patch[0];
    }
}
