package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/**
 * kernels/conv_wgrad.cu, the weight gradient summed straight from x and dy (im2col folded in), launched
 * in the CPU emulation, against
 * the CPU engine's conv3x3Backward, for shapes of the model and odd ones: several samples per block, runs of row tiles per block,
 * images wider than one tile, channel counts not a multiple of the kernel's group of four.
 */
class WeightGradKernelTest {

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2}, {5} samples and {6} row tiles per block")
    @CsvSource({
            "3, 32, 32, 28, 28, 1, 2",   // conv6, as the engine splits it at batch 100
            "3, 32, 32, 28, 28, 1, 7",   // conv6, whole images
            "5, 32, 32, 14, 14, 2, 4",   // conv2
            "4, 16, 32, 14, 14, 3, 1",   // conv5
            "4, 32, 16, 7, 7, 1, 1",     // conv3
            "2, 3, 5, 9, 70, 1, 2",      // wider than a 32-column tile; a last run of one tile
            "3, 2, 3, 1, 1, 2, 1"})
    void matchesTheCpuEngine(int n, int cin, int cout, int h, int w, int samplesPerBlock, int tilesPerBlock) {
        Random random = new Random(n * 31L + cin * 7L + cout + h * 3L + w);
        float[] x = randomFloats(random, n * cin * h * w, 1f), weight = randomFloats(random, cout * cin * 9, 0.3f);
        float[] bias = randomFloats(random, cout, 0.1f), dy = randomFloats(random, n * cout * h * w, 1f);
        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, false);
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            int blocks = Kernels.weightGradBlocks(n, h, samplesPerBlock, tilesPerBlock);
            CudaTensor dw = gpu.nanTensor(cout, cin, 3, 3);
            CUdeviceptr partials = gpu.nans(blocks * dw.size());
            kernels.conv3x3WeightGradPartials(gpu.tensor(x, n, cin, h, w), gpu.tensor(dy, n, cout, h, w), partials, samplesPerBlock, tilesPerBlock);
            kernels.conv3x3WeightGradReduce(partials, blocks, dw);
            assertClose("weight gradient", gpu.read(dw), expected.dWeight());
        }
    }
}
