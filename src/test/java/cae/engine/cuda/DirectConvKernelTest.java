package cae.engine.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/**
 * kernels/direct_conv.cu, the direct forward convolution for layers with several channels each side,
 * launched in the CPU emulation, against CpuEngine.conv3x3: bias and ReLU, output channel counts that fill the last group of
 * kDirectGroup channels or not, and images down to 1 x 1 (every tap but the centre outside).
 */
class DirectConvKernelTest {

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, relu {5}")
    @CsvSource({
            "2, 32, 16, 7, 7, true",    // encoder conv3
            "2, 16, 16, 7, 7, true",    // decoder conv4
            "2, 16, 32, 14, 14, true",  // decoder conv5
            "2, 32, 32, 14, 14, true",  // encoder conv2
            "3, 3, 5, 9, 8, false",     // five outputs: the second group has one channel
            "2, 2, 7, 1, 1, true",
            "1, 128, 3, 4, 5, false"})  // the most input channels the staged weights hold
    void matchesTheCpuEngine(int n, int cin, int cout, int h, int w, boolean relu) {
        int hw = h * w;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + (relu ? 7 : 0));
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f);
        float[] dy = new float[n * cout * hw];
        float[] y = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, relu).y();

        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor ty = gpu.nanTensor(n, cout, h, w);
            gpu.kernels().directConvForward(gpu.tensor(x, n, cin, h, w), gpu.tensor(weight, cout, cin, 3, 3), gpu.tensor(bias, cout), ty, relu);
            assertClose("forward", gpu.read(ty), y);
        }
    }
}
