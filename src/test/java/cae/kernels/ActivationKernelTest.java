package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/** kernels/activation.cu bias + ReLU bodies against plain Java loops (the CPU engine fuses them into its convolution). */
class ActivationKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}x{1}x{2}, relu {3}")
    @CsvSource({"4, 32, 784, 1", "3, 16, 49, 1", "2, 1, 784, 0", "5, 7, 1, 1"})
    void biasReluForward(int n, int c, int hw, int relu) throws Exception {
        Random random = new Random(n * 100 + c + hw);
        float[] y = randomFloats(random, n * c * hw, 1f), bias = randomFloats(random, c, 0.5f);
        float[] expected = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            float v = y[i] + bias[i / hw % c];
            expected[i] = relu == 1 ? Math.max(v, 0f) : v;
        }
        run("bias_relu_forward", n, c, hw, relu, writeFloats(dir.resolve("y"), y), writeFloats(dir.resolve("b"), bias),
                dir.resolve("out"));
        assertClose("bias + relu", readFloats(dir.resolve("out"), y.length), expected);
    }

    @ParameterizedTest(name = "{0}x{1}x{2}, relu {3}")
    @CsvSource({"100, 32, 784, 1", "3, 16, 49, 1", "100, 1, 784, 0", "5, 7, 1, 1", "1, 2, 300, 1"})
    void reluBackwardAndBiasGradient(int n, int c, int hw, int relu) throws Exception {
        Random random = new Random(n * 100 + c + hw);
        float[] y = randomFloats(random, n * c * hw, 1f), dy = randomFloats(random, y.length, 1f);
        for (int i = 0; i < y.length; i++) y[i] = Math.max(y[i], 0f);  // a ReLU output: about half zeros

        float[] expectedDy = dy.clone();
        float[] expectedBias = maskReluAndSumBias(y, expectedDy, c, hw, relu == 1);

        run("relu_backward_bias_grad", n, c, hw, relu, writeFloats(dir.resolve("y"), y), writeFloats(dir.resolve("dy"), dy),
                dir.resolve("dyOut"), dir.resolve("db"));
        assertClose("relu-masked gradient", readFloats(dir.resolve("dyOut"), y.length), expectedDy);
        assertClose("bias gradient", readFloats(dir.resolve("db"), c), expectedBias);
    }
}
