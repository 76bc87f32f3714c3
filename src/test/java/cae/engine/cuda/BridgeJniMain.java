package cae.engine.cuda;

import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnHandle;

import java.nio.file.Path;

/**
 * Run in a fresh JVM by {@link BridgeTest} (native loading cannot be undone): loads JCudnn and JCublas2
 * through {@link NativeLoader} against fake libcudnn.so.9 / libcublas.so.13 in the directory given,
 * and prints what the Java calls return, so the whole chain JNI -> bridge -> new library is checked.
 */
public final class BridgeJniMain {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        NativeLoader natives = NativeLoader.load(new CudaLibraries(null,
                new CudaLibraries.Found(dir.resolve("libcudnn.so.9"), 9), new CudaLibraries.Found(dir.resolve("libcublas.so.13"), 13)));
        System.out.println("driver: " + natives.driverError);
        System.out.println("cudnn error: " + natives.cudnnError);
        System.out.println("cudnn route: " + natives.cudnnRoute);
        System.out.println("cublas error: " + natives.cublasError);
        System.out.println("cublas route: " + natives.cublasRoute);
        if (natives.cudnnError == null) {
            System.out.println("cudnnGetVersion: " + JCudnn.cudnnGetVersion());
            System.out.println("cudnnCreate: " + JCudnn.cudnnCreate(new cudnnHandle()));
            System.out.println("cudnnDestroy: " + JCudnn.cudnnDestroy(new cudnnHandle()));
        }
        if (natives.cublasError == null) {
            cublasHandle handle = new cublasHandle();
            System.out.println("cublasCreate: " + JCublas2.cublasCreate(handle));
            int[] version = new int[1];
            System.out.println("cublasGetVersion: " + JCublas2.cublasGetVersion(handle, version) + " " + version[0]);
        }
    }
}
