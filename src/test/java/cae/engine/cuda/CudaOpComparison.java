package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the CUDA op tests share (SPEC section 6): the CPU engine to compare with, a CUDA engine that
 * skips the test, with the probe's reason, where there is no usable GPU, random inputs away from zero,
 * the same values in a tensor of each engine, GPU outputs filled with NaN first, and the relative L2
 * error of the GPU's result against the CPU's.
 */
abstract class CudaOpComparison {
    static final double TOLERANCE = 1e-5, TF32_TOLERANCE = 2e-3;
    static CpuEngine cpu;
    final Random random;

    CudaOpComparison(long seed) { random = new Random(seed); }

    @BeforeAll
    static void makeCpu() { cpu = new CpuEngine(2); }

    @AfterAll
    static void closeCpu() { cpu.close(); }

    /** Each test skips itself, with the probe's reason, where there is no usable GPU. */
    static CudaEngine gpu(CudaEngine.ConvPath path) { return gpu(path, Fusion.OFF); }

    static CudaEngine gpu(CudaEngine.ConvPath path, Fusion fusion) { return gpu(path, fusion, false); }

    static CudaEngine gpu(CudaEngine.ConvPath path, Fusion fusion, boolean tf32) {
        CudaProbe.Selection probe = CudaProbe.probe();
        assumeTrue(probe.available(), "no GPU for the CUDA engine tests: " + probe.reason());
        assumeTrue(path != CudaEngine.ConvPath.CUDNN || probe.cudnn(), "cuDNN does not load here");
        assumeTrue(path != CudaEngine.ConvPath.GEMM || probe.cublas(), "cuBLAS does not load here");
        return new CudaEngine(0, path, tf32, true, fusion);
    }

    /** Random values in [-1, 1] away from zero, all distinct with probability 1 (no exact ties). */
    float[] randoms(int n) { return cae.engine.Numerics.awayFromZero(random, n); }

    static int size(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** The same values in a tensor of each engine. */
    static final class Pair {
        final Tensor cpu, gpu;

        Pair(Tensor cpu, Tensor gpu) {
            this.cpu = cpu;
            this.gpu = gpu;
        }
    }

    static Pair pair(Engine gpu, float[] values, int... shape) {
        Tensor c = cpu.zeros(shape), g = gpu.zeros(shape);
        cpu.write(c, values);
        gpu.write(g, values);
        return new Pair(c, g);
    }

    Pair random(Engine gpu, int... shape) { return pair(gpu, randoms(size(shape)), shape); }

    /** An output pair: the GPU side poisoned with NaN, the CPU side with garbage. */
    Pair output(Engine gpu, int... shape) {
        Pair p = random(gpu, shape);
        gpu.fill(p.gpu, Float.NaN);
        return p;
    }

    static void assertClose(Engine gpu, Pair p, String what, double tolerance) {
        float[] expected = new float[p.cpu.size()], actual = new float[p.gpu.size()];
        cpu.read(p.cpu, expected);
        gpu.read(p.gpu, actual);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            assertFalse(Float.isNaN(actual[i]), what + ": element " + i + " not written (NaN)");
            diff += (double) (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        assertTrue(norm > 0, what + ": the CPU result is all zeros, so the comparison would prove nothing");
        double relative = Math.sqrt(diff) / Math.sqrt(norm);
        assertTrue(relative <= tolerance, what + ": relative error " + relative + " > " + tolerance);
    }

    static void assertClose(Engine gpu, Pair p, String what) { assertClose(gpu, p, what, TOLERANCE); }
}
