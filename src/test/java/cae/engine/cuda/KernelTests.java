package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

import java.util.Random;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel tests share: random inputs, the reference of the ReLU-mask + bias-gradient kernels, and the comparison (docs/SPEC.md §6). */
final class KernelTests {
    /** Strict FP32 results agree with the CPU engine to this relative error (docs/SPEC.md §6). */
    static final double TOLERANCE = 1e-5;

    private KernelTests() {}

    /** Uniform in [-scale, scale), never exactly zero. */
    static float[] randomFloats(Random random, int count, float scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            do v[i] = (random.nextFloat() * 2 - 1) * scale; while (v[i] == 0f);
        }
        return v;
    }

    /**
     * The reference for the ReLU-mask + bias-gradient kernels: zeroes {@code dy} (n x c x hw, in place)
     * where {@code y <= 0} when {@code relu}, and returns each channel's sum of the result, in double.
     */
    static float[] maskReluAndSumBias(float[] y, float[] dy, int c, int hw, boolean relu) {
        double[] sums = new double[c];
        for (int i = 0; i < dy.length; i++) {
            if (relu && y[i] <= 0f) dy[i] = 0f;
            sums[i / hw % c] += dy[i];
        }
        float[] bias = new float[c];
        for (int ch = 0; ch < c; ch++) bias[ch] = (float) sums[ch];
        return bias;
    }

    /**
     * {dy, dBias} from a backward pass that writes dy (y's shape, starting as NaN) and its per-chunk bias
     * sums into the partials it is given, then bias_grad_reduce: a fused kernel, or the separate launches
     * it replaces.
     */
    static float[][] withBiasGradient(KernelEmulator gpu, CudaTensor y, BiConsumer<CudaTensor, CUdeviceptr> pass) {
        int chunks = Kernels.biasChunks(y.n(), y.h() * y.w());
        CudaTensor dy = gpu.nanTensor(y.shape()), db = gpu.nanTensor(y.c());
        CUdeviceptr partials = gpu.nans(chunks * y.c());
        pass.accept(dy, partials);
        gpu.kernels().biasGradReduce(partials, chunks, db);
        return new float[][] {gpu.read(dy), gpu.read(db)};
    }

    /** ||actual - expected|| / ||expected||, in double. */
    static double relativeError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, "length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff) / Math.sqrt(norm);
    }

    /** Relative error within {@link #TOLERANCE}, against an expected value that is not all zeros. */
    static void assertClose(String what, float[] actual, float[] expected) {
        double norm = 0;
        for (float e : expected) norm += (double) e * e;
        assertTrue(norm > 0, what + ": the expected values are all zero, so the comparison would prove nothing");
        double error = relativeError(actual, expected);
        assertTrue(error <= TOLERANCE, what + ": relative error " + error + " > " + TOLERANCE);
    }
}
