package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;

/** kernels/activation.cu's bias + ReLU, launched in the CPU emulation, against plain Java loops (the CPU engine fuses them into its convolution). */
class ActivationKernelTest {
    @ParameterizedTest(name = "{0}x{1}x{2}, relu {3}")
    @CsvSource({"4, 32, 784, 1", "3, 16, 49, 1", "2, 1, 784, 0", "5, 7, 1, 1"})
    void biasReluForward(int n, int c, int hw, int relu) {
        Random random = new Random(n * 100 + c + hw);
        float[] y = randomFloats(random, n * c * hw, 1f), bias = randomFloats(random, c, 0.5f);
        float[] expected = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            float v = y[i] + bias[i / hw % c];
            expected[i] = relu == 1 ? Math.max(v, 0f) : v;
        }
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CudaTensor ty = gpu.tensor(y, n, c, 1, hw);
            gpu.kernels().biasReluForward(ty, gpu.tensor(bias, c), relu == 1);
            assertClose("bias + relu", gpu.read(ty), expected);
        }
    }

    @ParameterizedTest(name = "{0}x{1}x{2}, relu {3}")
    @CsvSource({"100, 32, 784, 1", "3, 16, 49, 1", "100, 1, 784, 0", "5, 7, 1, 1", "1, 2, 300, 1"})
    void reluBackwardAndBiasGradient(int n, int c, int hw, int relu) {
        Random random = new Random(n * 100 + c + hw);
        float[] y = randomFloats(random, n * c * hw, 1f), dy = randomFloats(random, y.length, 1f);
        for (int i = 0; i < y.length; i++) y[i] = Math.max(y[i], 0f);  // a ReLU output: about half zeros

        float[] expectedDy = dy.clone();
        float[] expectedBias = maskReluAndSumBias(y, expectedDy, c, hw, relu == 1);

        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor tdy = gpu.tensor(dy, n, c, 1, hw), db = gpu.nanTensor(c);
            int chunks = Kernels.biasChunks(n, hw);
            CUdeviceptr partials = gpu.nans(chunks * c);
            kernels.reluBackwardBiasPartials(gpu.tensor(y, n, c, 1, hw), tdy, partials, relu == 1);
            kernels.biasGradReduce(partials, chunks, db);
            assertClose("relu-masked gradient", gpu.read(tdy), expectedDy);
            assertClose("bias gradient", gpu.read(db), expectedBias);
        }
    }
}
