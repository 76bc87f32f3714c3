package cae.kernels;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
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
 * weight and bias gradient (from dy, or from the pooled gradient), and the data gradient from the masked dy.
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
                    dyFile, "-", dir.resolve("dyOut"), dir.resolve("dw"), dir.resolve("db"));
            String what = store == 1 ? " (masked dy stored)" : " (dy left as it was)";
            assertClose("weight gradient" + what, readFloats(dir.resolve("dw"), weight.length), dWeight);
            assertClose("bias gradient" + what, readFloats(dir.resolve("db"), cout), dBias);
            assertArrayEquals(store == 1 ? maskedDy : dy, readFloats(dir.resolve("dyOut"), dy.length), "dy" + what);
        }

        run(oneIn ? "thin_conv_in1_backward_data" : "thin_conv_out1_backward_data", n, c, h, w,
                writeFloats(dir.resolve("masked"), maskedDy), wFile, dir.resolve("dx"));
        assertClose("data gradient", readFloats(dir.resolve("dx"), x.length), dx);
    }

    /**
     * With the pooled gradient instead of dy (conv -> ReLU -> max-pool, the first encoder stage): the
     * routing to each window's first arg-max, the ReLU mask and the gradients in the same pass, against
     * CpuEngine.maxPoolBackward then conv3x3Backward. The layer's output is the CPU engine's, so some
     * windows are all zeros (tied).
     */
    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, pooled")
    @CsvSource({"2, 1, 32, 28, 28", "3, 1, 4, 7, 7", "2, 5, 1, 6, 9", "37, 1, 2, 9, 8"})
    void takesThePooledGradient(int n, int cin, int cout, int h, int w) throws Exception {
        boolean oneIn = cin == 1;
        int c = oneIn ? cout : cin, hw = h * w, oh = (h + 1) / 2, ow = (w + 1) / 2;
        Random random = new Random(n * 1000L + cin * 100L + cout + h + w + 99);
        float[] x = randomFloats(random, n * cin * hw, 1f), weight = randomFloats(random, cout * cin * 9, 0.5f);
        float[] bias = randomFloats(random, cout, 0.2f), dPooled = randomFloats(random, n * cout * oh * ow, 1f);
        for (int i = 0; i < dPooled.length; i++) dPooled[i] += 0.25f;  // a bias sum that does not cancel

        float[] y = new float[n * cout * hw], routed = new float[y.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, cin, h, w), tw = cpu.zeros(cout, cin, 3, 3), tb = cpu.zeros(cout), ty = cpu.zeros(n, cout, h, w);
            Tensor tp = cpu.zeros(n, cout, oh, ow), tdp = cpu.zeros(n, cout, oh, ow), tdy = cpu.zeros(n, cout, h, w);
            cpu.write(tx, x);
            cpu.write(tw, weight);
            cpu.write(tb, bias);
            cpu.write(tdp, dPooled);
            cpu.conv3x3(tx, tw, tb, ty, true);
            cpu.maxPool(ty, tp);
            cpu.maxPoolBackward(ty, tp, tdp, tdy);
            cpu.read(ty, y);
            cpu.read(tdy, routed);
        }
        CpuConvolution expected = CpuConvolution.of(n, cin, cout, h, w, x, weight, bias, routed, true);
        float[] maskedDy = routed.clone();
        for (int i = 0; i < y.length; i++) if (y[i] <= 0f) maskedDy[i] = 0f;

        Path xFile = writeFloats(dir.resolve("x"), x), yFile = writeFloats(dir.resolve("y"), y);
        run("thin_conv_weight_grad", n, c, h, w, oneIn ? 1 : 0, 1, 1, xFile, yFile, "-", writeFloats(dir.resolve("dp"), dPooled),
                dir.resolve("dyOut"), dir.resolve("dw"), dir.resolve("db"));
        assertArrayEquals(maskedDy, readFloats(dir.resolve("dyOut"), y.length), "routed and masked dy");
        assertClose("weight gradient", readFloats(dir.resolve("dw"), weight.length), expected.dWeight());
        assertClose("bias gradient", readFloats(dir.resolve("db"), cout), expected.dBias());
        run(oneIn ? "thin_conv_in1_backward_data" : "thin_conv_out1_backward_data", n, c, h, w, dir.resolve("dyOut"),
                writeFloats(dir.resolve("w"), weight), dir.resolve("dx"));
        assertClose("data gradient", readFloats(dir.resolve("dx"), x.length), expected.dx());
    }
}
