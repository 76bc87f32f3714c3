package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * The weight gradient of a 3x3 convolution summed straight from x and dy by kernels/conv_wgrad.cu:
 * im2col folded into the product, so no column buffer (90 MB for conv6 at batch 100 on the GEMM path).
 * Each block sums a run of samples, and of row tiles within them, into one row of partial sums, and a
 * second kernel adds the rows in order, so the result depends only on the shape. Up to 32 channels each
 * side.
 */
final class DirectWeightGradient {
    /**
     * About this many blocks, whatever the batch, so that each SM of a large GPU has several: a sample
     * and a run of its row tiles each below 512 samples, more samples each above. (One block per
     * sample left most SMs with a single block of 8 warps, bound by latency.)
     */
    private static final int TARGET_BLOCKS = 512;

    private final Kernels kernels;
    private final DeviceMemory.Scratch partials;

    DirectWeightGradient(Kernels kernels, DeviceMemory memory) {
        this.kernels = kernels;
        this.partials = memory.new Scratch("the direct weight gradient's partial sums");
    }

    /** Whether the convolution from x to dy's layer is one these kernels take (not a one-channel layer: those are ThinConvolution's). */
    static boolean fits(CudaTensor x, CudaTensor dy) {
        return x.c() <= KernelConstants.WGRAD_MAX_CHANNELS && dy.c() <= KernelConstants.WGRAD_MAX_CHANNELS && !ThinConvolution.fits(x, dy);
    }

    /** dWeight (cout, cin, 3, 3), overwritten. */
    void compute(CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        int[] split = split(x.n(), x.h());
        CUdeviceptr sums = partials.atLeast((long) split[2] * dWeight.size() * Float.BYTES);
        kernels.conv3x3WeightGradPartials(x, dy, sums, split[0], split[1]);
        kernels.conv3x3WeightGradReduce(sums, split[2], dWeight);
    }

    /** {samples per block, row tiles per block, blocks} for n images of height h: about {@link #TARGET_BLOCKS} blocks. */
    static int[] split(int n, int h) {
        int rowTiles = (h + KernelConstants.WGRAD_TILE_ROWS - 1) / KernelConstants.WGRAD_TILE_ROWS;
        int samplesPerBlock = (n + TARGET_BLOCKS - 1) / TARGET_BLOCKS, tilesPerBlock = rowTiles;
        if (samplesPerBlock == 1) {
            int runs = Math.min(rowTiles, (TARGET_BLOCKS + n - 1) / n);
            tilesPerBlock = (rowTiles + runs - 1) / runs;
        }
        return new int[] {samplesPerBlock, tilesPerBlock, Kernels.weightGradBlocks(n, h, samplesPerBlock, tilesPerBlock)};
    }
}
