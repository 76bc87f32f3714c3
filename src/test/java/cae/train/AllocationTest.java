package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** In steady state a CPU training step allocates nothing, on the calling thread or the engine's workers. */
class AllocationTest {

    @Test
    void steadyStateStepsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        int images = 16 * 400, size = 28;
        try (Engine engine = new CpuEngine(2)) {
            ImageSet set = engine.upload(TrainerTest.syntheticImages(images, size, size, 3), images, size, size);
            TrainingConfig config = new TrainingConfig(1, 16, 1e-3f, 0.5f, 1, 0);
            Trainer trainer = new Trainer(engine, config, set);
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("cae-cpu-"))
                    .mapToLong(Thread::getId).toArray();
            assertEquals(2, ids.length, "the caller and one worker");
            long[] before = new long[ids.length], after = new long[ids.length];
            trainer.run(TrainingState.fresh(config), new Trainer.Listener() {
                @Override public void progress(long steps) {
                    // losses are read (and a small array made) every 100 steps; measure between steps 310 and 390, after the JIT has compiled the loop
                    if (steps == 310) read(before);
                    if (steps == 390) read(after);
                }

                private void read(long[] into) {
                    System.arraycopy(threads.getThreadAllocatedBytes(ids), 0, into, 0, ids.length);
                }
            });
            long allocated = 0;
            for (int i = 0; i < ids.length; i++) allocated += after[i] - before[i];
            // one call of getThreadAllocatedBytes makes a small result array; 80 steps of per-step garbage would be far more
            assertTrue(allocated < 1024, "80 steps allocated " + allocated + " bytes: " + Arrays.toString(before) + " -> " + Arrays.toString(after));
        }
    }
}
