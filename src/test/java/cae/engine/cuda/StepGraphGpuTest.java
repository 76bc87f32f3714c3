package cae.engine.cuda;

import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CUDA graphs of whole steps ({@link StepGraph}): a replayed step computes what the same ops compute
 * one by one, the step scalars (loss slot, Adam's rate) reach every replay, and a step that changes
 * its ops or asks to wait for the device fails loudly. Skipped, with the probe's reason, without a GPU.
 */
class StepGraphGpuTest {
    @BeforeEach
    void needsAGpu() {
        CudaProbe.Selection probe = CudaProbe.probe();
        assumeTrue(probe.available(), "no GPU for the CUDA engine tests: " + probe.reason());
    }

    @Test
    void tenReplayedTrainingStepsEqualTenEagerOnes() {
        TrainingParityGpuTest.Run eager, replayed;
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, false)) {
            eager = TrainingParityGpuTest.train(gpu);
        }
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            replayed = TrainingParityGpuTest.train(gpu);
            assertTrue(gpu.describe().contains("(1 capture, 7 replays)"), gpu.describe());
        }
        // the same kernels with the same algorithms on the same data: equal to the last bit unless
        // cuDNN picked a non-deterministic algorithm, hence a tolerance far below FP32 parity's
        for (int s = 0; s < eager.losses().length; s++)
            assertEquals(eager.losses()[s], replayed.losses()[s], 1e-6 * Math.abs(eager.losses()[s]), "loss of step " + s);
        double diff = 0, norm = 0;
        for (int i = 0; i < eager.params().length; i++) {
            double d = eager.params()[i] - replayed.params()[i];
            diff += d * d;
            norm += (double) eager.params()[i] * eager.params()[i];
        }
        assertTrue(Math.sqrt(diff / norm) <= 1e-6, "final weights differ by " + Math.sqrt(diff / norm) + " relative");
    }

    @Test
    void everyReplayGetsItsOwnStepScalars() {
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            Tensor logits = gpu.zeros(4, 1, 3, 3), target = gpu.zeros(4, 1, 3, 3), grad = gpu.zeros(4, 1, 3, 3);
            Tensor losses = gpu.zeros(8), params = gpu.zeros(5), grads = gpu.zeros(5), m = gpu.zeros(5), v = gpu.zeros(5);
            Random random = new Random(7);
            float[] x = new float[36], z = new float[36];
            for (int i = 0; i < 36; i++) { x[i] = (float) random.nextGaussian(); z[i] = random.nextFloat(); }
            gpu.write(logits, x);
            gpu.write(target, z);
            float[] nan = new float[8];
            Arrays.fill(nan, Float.NaN);
            gpu.write(losses, nan);
            gpu.write(grads, new float[] {1, 1, 1, 1, 1});
            int[] slot = {0};
            float[] rate = {0};
            Runnable body = () -> {
                gpu.sigmoidCrossEntropy(logits, target, grad, losses, slot[0]);
                gpu.adam(params, grads, m, v, rate[0], 0.9f, 0.999f, 1e-8f);
            };
            // slots 0..7 with rates 1..8: two eager calls, one capture, five replays
            for (int k = 0; k < 8; k++) {
                slot[0] = k;
                rate[0] = k + 1;
                gpu.step(body);
            }
            assertTrue(gpu.describe().contains("(1 capture, 5 replays)"), gpu.describe());
            float[] written = new float[8], p = new float[5];
            gpu.read(losses, written);
            gpu.read(params, p);
            for (int k = 0; k < 8; k++) {
                assertFalse(Float.isNaN(written[k]), "slot " + k + " was not written: " + Arrays.toString(written));
                assertEquals(written[0], written[k], 1e-7f, "the same loss in every slot");
            }
            // a constant gradient of 1 makes every Adam step move p by about -rate (m / sqrt(v) -> 1 in TF1 form with these rates)
            float[] expected = new float[5];
            float[] mm = new float[5], vv = new float[5];
            for (int k = 0; k < 8; k++)
                for (int i = 0; i < 5; i++) {
                    mm[i] = 0.9f * mm[i] + 0.1f * 1f;
                    vv[i] = 0.999f * vv[i] + 0.001f * 1f;
                    expected[i] -= (k + 1) * mm[i] / ((float) Math.sqrt(vv[i]) + 1e-8f);
                }
            for (int i = 0; i < 5; i++) assertEquals(expected[i], p[i], 1e-4 * Math.abs(expected[i]), "parameter " + i);
        }
    }

    /**
     * The photo path's gather in replayed steps: colour images of several sizes (more bytes than one
     * upload chunk, CudaImageSet.STAGING_BYTES), crops with flips and salt-and-pepper noise; each replay
     * reads its own batch offset and step, and every batch has the CPU engine's bits (the crops, flips,
     * pixels / 255 and the uniform draws are exact on both engines).
     */
    @Tag("photos")
    @Test
    void photoBatchesReplayWithTheirOwnOffsetAndStep() {
        int[][] sizes = {{1200, 900}, {700, 1300}, {1000, 1000}, {64, 80}};
        int total = 0;
        for (int[] size : sizes) total += 3 * size[0] * size[1];
        assertTrue(total > CudaImageSet.STAGING_BYTES, "more than one chunk");
        ByteBuffer bytes = ByteBuffer.allocateDirect(total);
        Random random = new Random(17);
        byte[] plane = new byte[total];
        random.nextBytes(plane);
        bytes.put(0, plane);
        Pixels.Builder builder = new Pixels.Builder(3);
        int at = 0;
        for (int[] size : sizes) {
            builder.add(bytes, at, size[0], size[1]);
            at += 3 * size[0] * size[1];
        }
        Pixels photos = builder.build();
        int[] order = {3, 1, 0, 2, 2, 0, 1, 3, 0, 3, 2, 1, 1, 2, 3, 0};
        int[] shape = {4, 3, 48, 40};
        Noise noise = Noise.parse("salt-pepper:0.2");
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true); CpuEngine cpu = new CpuEngine(2)) {
            ImageSet gpuSet = gpu.upload(photos), cpuSet = cpu.upload(photos);
            Sampling onGpu = new Sampling(gpuSet, null, noise, true, true, 99), onCpu = new Sampling(cpuSet, null, noise, true, true, 99);
            gpu.setOrder(order);
            cpu.setOrder(order);
            Tensor clean = gpu.zeros(shape), noisy = gpu.zeros(shape), cpuClean = cpu.zeros(shape), cpuNoisy = cpu.zeros(shape);
            int[] from = {0};
            long[] step = {0};
            Runnable body = () -> gpu.gather(onGpu, from[0], clean, noisy, step[0]);
            float[] expected = new float[clean.size()], actual = new float[clean.size()];
            // two eager steps, one captured, three replayed
            for (int k = 0; k < 6; k++) {
                from[0] = 4 * k % order.length;
                step[0] = 1000 + 7L * k;
                gpu.step(body);
                cpu.gather(onCpu, from[0], cpuClean, cpuNoisy, step[0]);
                for (Tensor[] pair : new Tensor[][] {{clean, cpuClean}, {noisy, cpuNoisy}}) {
                    gpu.read(pair[0], actual);
                    cpu.read(pair[1], expected);
                    for (int i = 0; i < expected.length; i++)
                        if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i]))
                            fail("step " + k + (pair[0] == clean ? " clean" : " noisy") + " element " + i + ": " + actual[i] + ", the CPU engine's " + expected[i]);
                }
            }
            assertTrue(gpu.describe().contains("(1 capture, 3 replays)"), gpu.describe());
            gpu.release(gpuSet);
        }
    }

    @Test
    void aStepThatChangesItsOpsOrWaitsFailsLoudly() {
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            Tensor a = gpu.zeros(4, 2, 5, 5), b = gpu.zeros(4, 2, 5, 5), c = gpu.zeros(4, 2, 5, 5);
            Tensor[] target = {b};
            Runnable body = () -> gpu.sigmoid(a, target[0]);
            for (int k = 0; k < 4; k++) gpu.step(body);
            target[0] = c;
            IllegalStateException changed = assertThrows(IllegalStateException.class, () -> gpu.step(body));
            assertTrue(changed.getMessage().contains("same ops on the same tensors"), changed.getMessage());

            IllegalStateException waits = assertThrows(IllegalStateException.class, () -> gpu.step(() -> gpu.read(a, new float[200])));
            assertTrue(waits.getMessage().contains("read"), waits.getMessage());
        }
    }
}
