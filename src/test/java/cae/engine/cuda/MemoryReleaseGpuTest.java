package cae.engine.cuda;

import cae.engine.ImageSet;
import cae.train.Trainer;
import cae.train.TrainingConfig;
import cae.train.TrainingState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA engine gives device memory back: an image set is released once, by its own engine; a
 * closed trainer and its released images leave the engine holding what it held before (after the
 * first cycle, whose scratch buffers stay), and the next trainer's steps record a new CUDA graph over
 * the new tensors. Skipped, with the probe's reason, without a GPU.
 */
class MemoryReleaseGpuTest {
    @BeforeEach
    void needsAGpu() {
        CudaProbe.Selection probe = CudaProbe.probe();
        assumeTrue(probe.available(), "no GPU for the CUDA engine tests: " + probe.reason());
    }

    /** MiB the engine holds now: its peak right after starting a new one. */
    private static double heldMiB(CudaEngine gpu) {
        gpu.resetPeakMemory();
        Matcher m = Pattern.compile("peak ([0-9.]+) MiB allocated by the engine").matcher(gpu.memoryUse());
        assertTrue(m.find(), gpu.memoryUse());
        return Double.parseDouble(m.group(1));
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) b[i] = (byte) random.nextInt(256);
        return b;
    }

    @Test
    void anImageSetIsReleasedOnceAndOnlyByItsEngine() {
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true);
             CudaEngine other = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            double before = heldMiB(gpu);
            ImageSet set = gpu.upload(randomBytes(16 * 512 * 512, 1), 16, 512, 512);   // 4 MiB
            assertEquals(before + 4.0, heldMiB(gpu), 0.11);
            assertThrows(IllegalArgumentException.class, () -> other.release(set));
            gpu.release(set);
            assertEquals(before, heldMiB(gpu), 0.11);
            assertThrows(IllegalArgumentException.class, () -> gpu.release(set));
        }
    }

    /** Images of several sizes and three channels: their pixels and both tables are given back, once. */
    @Tag("photos")
    @Test
    void aSetOfColourImagesOfManySizesIsReleasedWhole() {
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            double before = heldMiB(gpu);
            byte[] bytes = randomBytes(4 << 20, 2);
            cae.engine.Pixels.Builder builder = new cae.engine.Pixels.Builder(3);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            int at = 0;
            for (int i = 0; i < 100; i++) {
                int h = 60 + i % 17, w = 70 + i % 13;
                builder.add(buffer, at, h, w);
                at += 3 * h * w;
            }
            double mib = at / 1048576.0;
            ImageSet set = gpu.upload(builder.build());
            assertEquals(before + mib, heldMiB(gpu), 0.11);
            gpu.release(set);
            assertEquals(before, heldMiB(gpu), 0.11);
            assertThrows(IllegalArgumentException.class, () -> gpu.release(set));
        }
    }

    @Test
    void aClosedTrainerAndItsImagesLeaveNothingBehind() {
        TrainingConfig config = new TrainingConfig(1, 16, TrainingConfig.LEARNING_RATE, TrainingConfig.NOISE, 7, 0);
        try (CudaEngine gpu = new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true)) {
            double[] held = new double[3], during = new double[3];
            for (int cycle = 0; cycle < 3; cycle++) {
                ImageSet set = gpu.upload(randomBytes(64 * 28 * 28, cycle), 64, 28, 28);
                float[][] losses = new float[1][];
                try (Trainer trainer = new Trainer(gpu, config, set)) {
                    trainer.run(TrainingState.fresh(config), new Trainer.Listener() {
                        @Override public void losses(long firstStep, float[] l) { losses[0] = l; }
                    });
                    during[cycle] = heldMiB(gpu);
                } finally {
                    gpu.release(set);
                }
                held[cycle] = heldMiB(gpu);
                assertEquals(4, losses[0].length, "four steps of 16 images");
                for (float loss : losses[0]) assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
                assertTrue(during[cycle] > held[cycle], "a trainer's tensors: " + during[cycle] + " MiB held while it lives, " + held[cycle] + " after");
            }
            assertEquals(held[1], held[2], 0.05, "each cycle gives back what it made");
            Matcher captures = Pattern.compile("\\((\\d+) captures?,").matcher(gpu.describe());
            assertTrue(captures.find() && Integer.parseInt(captures.group(1)) >= 2,
                    "a later trainer's steps are recorded anew, not replayed over released tensors: " + gpu.describe());
        }
    }
}
