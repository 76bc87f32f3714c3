package cae.engine.cuda;

import cae.engine.Tensor;
import jcuda.driver.CUdeviceptr;

/** A tensor in device memory: a pointer to its first element (views point into their base's buffer). */
final class CudaTensor extends Tensor {
    final CUdeviceptr ptr;
    final CudaEngine owner;
    /** Where the elements are, comparable across tensor objects: a recorded step graph checks it. */
    final Storage storage;

    /** Allocation number (DeviceMemory.allocations) and element offset into it, and the shape. */
    record Storage(long allocation, long offset, java.util.List<Integer> shape) {}

    CudaTensor(CudaEngine owner, CUdeviceptr ptr, long allocation, long offset, int... shape) {
        super(shape);
        this.owner = owner;
        this.ptr = ptr;
        this.storage = new Storage(allocation, offset, java.util.Arrays.stream(shape).boxed().toList());
    }

    long bytes() { return (long) size() * Float.BYTES; }
}
