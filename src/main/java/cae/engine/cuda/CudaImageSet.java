package cae.engine.cuda;

import cae.engine.ImageSet;
import cae.engine.Pixels;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/**
 * A set of 8-bit images resident in device memory, so batches are gathered on the GPU (kernels/noise.cu):
 * every image's bytes one after another in one buffer ({@link #pixels}), planar as {@link Pixels} holds
 * them, with two tables the gather reads: where each image starts ({@link #offsets}, 64-bit, since a
 * folder may hold more than 2 GB) and its height and width ({@link #sizes}, two ints an image).
 */
final class CudaImageSet extends ImageSet {
    /** Bytes copied to the device at a time: the host never holds more of a folder than this at once. */
    static final int STAGING_BYTES = 8 << 20;

    final CUdeviceptr pixels, offsets, sizes;
    final CudaEngine owner;
    /** The pixels' allocation number (DeviceMemory.allocations), so a recorded step can tell sets apart. */
    final long allocation;

    CudaImageSet(CudaEngine owner, Pixels layout, CUdeviceptr pixels, CUdeviceptr offsets, CUdeviceptr sizes, long allocation) {
        super(layout);
        this.owner = owner;
        this.pixels = pixels;
        this.offsets = offsets;
        this.sizes = sizes;
        this.allocation = allocation;
    }

    /** Where image i starts in the device buffer: the images' bytes one after another, in order. */
    static long[] offsets(Pixels images) {
        long[] offsets = new long[images.count()];
        long at = 0;
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = at;
            at += bytes(images, i);
        }
        return offsets;
    }

    /** Height and width of each image, interleaved: {h0, w0, h1, w1, ...}. */
    static int[] sizes(Pixels images) {
        int[] sizes = new int[2 * images.count()];
        for (int i = 0; i < images.count(); i++) {
            sizes[2 * i] = images.height(i);
            sizes[2 * i + 1] = images.width(i);
        }
        return sizes;
    }

    /** All the images' bytes. */
    static long totalBytes(Pixels images) {
        long total = 0;
        for (int i = 0; i < images.count(); i++) total += bytes(images, i);
        return total;
    }

    private static long bytes(Pixels images, int i) { return (long) images.channels() * images.height(i) * images.width(i); }

    /** Receives each filled part of the staging array: {@code length} bytes for device offset {@code at}. */
    interface Chunks {
        void copy(long at, byte[] staging, int length);
    }

    /**
     * Passes every image's bytes, in order, through {@code staging} (an image may span several chunks,
     * a chunk several images): {@code to} gets each full chunk and the last, with where it goes.
     */
    static void copyInChunks(Pixels images, byte[] staging, Chunks to) {
        if (staging.length == 0 && totalBytes(images) > 0) throw new IllegalArgumentException("an empty staging array");
        long chunkStart = 0;
        int filled = 0;
        for (int i = 0; i < images.count(); i++) {
            java.nio.ByteBuffer source = images.buffer(i);
            long n = bytes(images, i);
            int from = images.offset(i);
            while (n > 0) {
                int take = (int) Math.min(n, staging.length - filled);
                source.get(from, staging, filled, take);
                from += take;
                n -= take;
                filled += take;
                if (filled == staging.length) {
                    to.copy(chunkStart, staging, filled);
                    chunkStart += filled;
                    filled = 0;
                }
            }
        }
        if (filled > 0) to.copy(chunkStart, staging, filled);
    }

    /**
     * Uploads {@code images} into three new allocations of {@code memory}, copying the pixels through a
     * staging array of at most {@link #STAGING_BYTES} (a memory-mapped folder is read a chunk at a time).
     * Synchronous, as {@code Engine.upload} is; on failure what was allocated is freed.
     */
    static CudaImageSet upload(CudaEngine owner, DeviceMemory memory, Pixels images) {
        long total = totalBytes(images);
        long[] offsetTable = offsets(images);
        int[] sizeTable = sizes(images);
        CUdeviceptr pixels = null, offsets = null, sizes = null;
        try {
            pixels = memory.allocate(total, "the images (" + images.count() + " of " + images.channels() + " channel"
                    + (images.channels() == 1 ? "" : "s") + ", " + DeviceMemory.mib(total) + ")");
            long allocation = memory.allocations();
            offsets = memory.allocate((long) offsetTable.length * Sizeof.LONG, "the images' offsets");
            sizes = memory.allocate((long) sizeTable.length * Sizeof.INT, "the images' sizes");
            CUdeviceptr device = pixels;
            copyInChunks(images, new byte[(int) Math.min(total, STAGING_BYTES)],
                    (at, staging, length) -> Check.cu(cuMemcpyHtoD(device.withByteOffset(at), Pointer.to(staging), length), "cuMemcpyHtoD(images)"));
            Check.cu(cuMemcpyHtoD(offsets, Pointer.to(offsetTable), (long) offsetTable.length * Sizeof.LONG), "cuMemcpyHtoD(image offsets)");
            Check.cu(cuMemcpyHtoD(sizes, Pointer.to(sizeTable), (long) sizeTable.length * Sizeof.INT), "cuMemcpyHtoD(image sizes)");
            return new CudaImageSet(owner, images, pixels, offsets, sizes, allocation);
        } catch (RuntimeException e) {
            for (CUdeviceptr p : new CUdeviceptr[] {pixels, offsets, sizes}) if (p != null) memory.free(p);
            throw e;
        }
    }

    /** Frees the three buffers (the caller has drained the stream). */
    void free(DeviceMemory memory) {
        memory.free(pixels);
        memory.free(offsets);
        memory.free(sizes);
    }
}
