package cae.engine.cuda;

import jcuda.driver.JCudaDriver;
import jcuda.jcublas.cublasStatus;
import jcuda.jcudnn.JCudnn;

/**
 * Status checks for the three native APIs: a non-zero status becomes a {@link CudaException} naming
 * the call and the library's own text for the status. cuDNN 9 renumbered its statuses, so only
 * "non-zero" is tested and the text comes from {@code cudnnGetErrorString} of the loaded library.
 * Public for the bench's measurements (cae.engine.cuda.bench).
 */
public final class Check {
    private Check() {}

    public static void cu(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed: " + driverError(status));
    }

    static String driverError(int status) {
        String[] name = new String[1];
        if (JCudaDriver.cuGetErrorName(status, name) == 0 && name[0] != null) return name[0] + " (" + status + ")";
        return "CUDA error " + status;
    }

    public static void cudnn(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed: " + JCudnn.cudnnGetErrorString(status) + " (" + status + ")");
    }

    public static void cublas(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed: " + cublasStatus.stringFor(status) + " (" + status + ")");
    }
}
