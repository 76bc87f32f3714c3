package cae.engine.cuda;

import cae.engine.Tensor;
import jcuda.driver.CUdeviceptr;

/** A tensor in device memory: a pointer to its first element (views point into their base's buffer). */
final class CudaTensor extends Tensor {
    final CUdeviceptr ptr;
    final CudaEngine owner;

    CudaTensor(CudaEngine owner, CUdeviceptr ptr, int... shape) {
        super(shape);
        this.owner = owner;
        this.ptr = ptr;
    }

    long bytes() { return (long) size() * Float.BYTES; }
}
