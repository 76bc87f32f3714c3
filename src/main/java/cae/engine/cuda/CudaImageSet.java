package cae.engine.cuda;

import cae.engine.ImageSet;
import jcuda.driver.CUdeviceptr;

/** A data set's unsigned-byte pixels resident in device memory, so batches are gathered on the GPU. */
final class CudaImageSet extends ImageSet {
    final CUdeviceptr pixels;
    final CudaEngine owner;

    CudaImageSet(CudaEngine owner, CUdeviceptr pixels, int count, int height, int width) {
        super(count, height, width);
        this.owner = owner;
        this.pixels = pixels;
    }
}
