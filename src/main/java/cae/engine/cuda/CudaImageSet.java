package cae.engine.cuda;

import cae.engine.ImageSet;
import jcuda.driver.CUdeviceptr;

/** A data set's unsigned-byte pixels resident in device memory, so batches are gathered on the GPU. */
final class CudaImageSet extends ImageSet {
    final CUdeviceptr pixels;
    final CudaEngine owner;
    /** The allocation's number (DeviceMemory.allocations), so a recorded step can tell sets apart. */
    final long allocation;

    CudaImageSet(CudaEngine owner, CUdeviceptr pixels, long allocation, int count, int height, int width) {
        super(count, height, width);
        this.owner = owner;
        this.pixels = pixels;
        this.allocation = allocation;
    }
}
