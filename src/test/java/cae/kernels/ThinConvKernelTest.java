package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * kernels/thin_conv.cu, the direct kernels for layers with one input or one output channel, against
 * CpuEngine.conv3x3 and conv3x3Backward: the forward pass with bias and ReLU, the fused ReLU mask,
 * weight and bias gradient, and the data gradient from the masked dy.
 */
class ThinConvKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, relu {5}")
    @CsvSource({
            "2, 1, 32, 28, 28, true",   // conv1
            "3, 32, 1, 28, 28, false",  // the logits
            "3, 32, 1, 28, 28, true",
            "2, 1, 5, 5, 9, false",
            "2, 7, 1, 1, 1, true",
            "4, 16, 1, 7, 6, true",
            "1, 1, 1, 3, 3, true",
            "37, 3, 1, 9, 8, false"})   // 37 x 72 cells: more than one chunk, the last one partly filled
    void matchesTheCpuEngine(int n, int cin, int cout, int h, int w, boolean relu) throws Exception {
        boolean oneIn = cin == 1;
        int c = oneIn ? cout : cin, hw = h * w;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + (relu ? 7 : 0));
        float[] x = randomFloats(random, n * cin * hw, 1f);
        float[] weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f);
        // centred on 0.25, not 0: a single channel's bias gradient sums thousands of dy values, and a
        // sum that cancels to near zero would compare rounding, not the kernels
        float[] dy = randomFloats(random, n * cout * hw, 1f);
        for (int i = 0; i < dy.length; i++) dy[i] += 0.25f;

        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, dy, relu);
        float[] y = expected.y(), dx = expected.dx(), dWeight = expected.dWeight(), dBias = expected.dBias();
        float[] maskedDy = dy.clone();
        for (int i = 0; i < dy.length; i++) if (relu && y[i] <= 0f) maskedDy[i] = 0f;

        Path xFile = writeFloats(dir.resolve("x"), x), wFile = writeFloats(dir.resolve("w"), weight);
        run(oneIn ? "thin_conv_in1_forward" : "thin_conv_out1_forward", n, c, h, w, relu ? 1 : 0,
                xFile, wFile, writeFloats(dir.resolve("b"), bias), dir.resolve("y"));
        assertClose("forward", readFloats(dir.resolve("y"), y.length), y);

        Path yFile = writeFloats(dir.resolve("yCpu"), y), dyFile = writeFloats(dir.resolve("dy"), dy);
        for (int store : new int[] {1, 0}) {
            run("thin_conv_weight_grad", n, c, h, w, oneIn ? 1 : 0, relu ? 1 : 0, store, xFile, relu ? yFile : "-",
                    dyFile, dir.resolve("dyOut"), dir.resolve("dw"), dir.resolve("db"));
            String what = store == 1 ? " (masked dy stored)" : " (dy left as it was)";
            assertClose("weight gradient" + what, readFloats(dir.resolve("dw"), weight.length), dWeight);
            assertClose("bias gradient" + what, readFloats(dir.resolve("db"), cout), dBias);
            assertArrayEquals(store == 1 ? maskedDy : dy, readFloats(dir.resolve("dyOut"), dy.length), "dy" + what);
        }

        run(oneIn ? "thin_conv_in1_backward_data" : "thin_conv_out1_backward_data", n, c, h, w,
                writeFloats(dir.resolve("masked"), maskedDy), wFile, dir.resolve("dx"));
        assertClose("data gradient", readFloats(dir.resolve("dx"), x.length), dx);
    }
}
