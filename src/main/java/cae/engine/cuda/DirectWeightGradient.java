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
    /** cae::kWgradMaxChannels. */
    private static final int MAX_CHANNELS = 32;
    /**
     * About this many blocks, whatever the batch, so that each SM of a large GPU has several: a sample
     * and a run of its row tiles each below 512 samples, more samples each above. (One block per
     * sample left most SMs with a single block of 8 warps, bound by latency: 16% of the SMs'
     * throughput under ncu on an H200.)
     */
    private static final int TARGET_BLOCKS = 512;
    /** cae::kWgradTileRows. */
    private static final int TILE_ROWS = 4;

    private final Kernels kernels;
    private final DeviceMemory.Scratch partials;

    DirectWeightGradient(Kernels kernels, DeviceMemory memory) {
        this.kernels = kernels;
        this.partials = memory.new Scratch("the direct weight gradient's partial sums");
    }

    /** Whether the convolution from x to dy's layer is one these kernels take (not a one-channel layer: those are ThinConvolution's). */
    static boolean fits(CudaTensor x, CudaTensor dy) {
        return x.c() <= MAX_CHANNELS && dy.c() <= MAX_CHANNELS && !ThinConvolution.fits(x, dy);
    }

    /** dWeight (cout, cin, 3, 3), overwritten. */
    void compute(CudaTensor x, CudaTensor dy, CudaTensor dWeight) {
        int n = x.n(), cin = x.c(), cout = dy.c(), outputs = cout * cin * 9;
        int[] split = split(n, x.h());
        int samplesPerBlock = split[0], tilesPerBlock = split[1], blocks = split[2];
        CUdeviceptr sums = partials.atLeast((long) blocks * outputs * Float.BYTES);
        kernels.launch("conv3x3_weight_grad_partials", blocks,
                Kernels.arg(x.ptr), Kernels.arg(dy.ptr), Kernels.arg(sums), Kernels.arg(n), Kernels.arg(cin), Kernels.arg(cout),
                Kernels.arg(x.h()), Kernels.arg(x.w()), Kernels.arg(samplesPerBlock), Kernels.arg(tilesPerBlock));
        kernels.launch("conv3x3_weight_grad_reduce", Kernels.blocksFor(outputs),
                Kernels.arg(sums), Kernels.arg(blocks), Kernels.arg(dWeight.ptr), Kernels.arg(outputs));
    }

    /**
     * {samples per block, row tiles per block, blocks} for n images of height h: about
     * {@link #TARGET_BLOCKS} blocks (cae::wgrad_blocks counts them the same way).
     */
    static int[] split(int n, int h) {
        int rowTiles = (h + TILE_ROWS - 1) / TILE_ROWS;
        int samplesPerBlock = (n + TARGET_BLOCKS - 1) / TARGET_BLOCKS, tilesPerBlock = rowTiles;
        if (samplesPerBlock == 1) {
            int runs = Math.min(rowTiles, (TARGET_BLOCKS + n - 1) / n);
            tilesPerBlock = (rowTiles + runs - 1) / runs;
        }
        int blocks = (n + samplesPerBlock - 1) / samplesPerBlock * ((rowTiles + tilesPerBlock - 1) / tilesPerBlock);
        return new int[] {samplesPerBlock, tilesPerBlock, blocks};
    }
}
