package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/**
 * kernels/direct_conv.cu, the direct forward convolution for layers with several channels each side,
 * against CpuEngine.conv3x3: bias and ReLU, output channel counts that fill the last group of
 * kDirectGroup channels or not, and images down to 1 x 1 (every tap but the centre outside).
 */
class DirectConvKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, relu {5}")
    @CsvSource({
            "2, 32, 16, 7, 7, true",    // encoder conv3
            "2, 16, 16, 7, 7, true",    // decoder conv4
            "2, 16, 32, 14, 14, true",  // decoder conv5
            "2, 32, 32, 14, 14, true",  // encoder conv2
            "3, 3, 5, 9, 8, false",     // five outputs: the second group has one channel
            "2, 2, 7, 1, 1, true",
            "1, 128, 3, 4, 5, false"})  // the most input channels the staged weights hold
    void matchesTheCpuEngine(int n, int cin, int cout, int h, int w, boolean relu) throws Exception {
        int hw = h * w;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + (relu ? 7 : 0));
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f);
        float[] dy = new float[n * cout * hw];
        float[] y = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, relu).y();

        run("direct_conv_forward", n, cin, cout, h, w, relu ? 1 : 0, writeFloats(dir.resolve("x"), x),
                writeFloats(dir.resolve("w"), weight), writeFloats(dir.resolve("b"), bias), dir.resolve("y"));
        assertClose("forward", readFloats(dir.resolve("y"), y.length), y);
    }
}
