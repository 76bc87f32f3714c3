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
            TrainingConfig config = new TrainingConfig(2, 16, 1e-3f, 0.5f, 1, 0);
            Trainer trainer = new Trainer(engine, config, set);
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("cae-cpu-"))
                    .mapToLong(Thread::getId).toArray();
            assertEquals(2, ids.length, "the caller and one worker");
            // losses are read (and a small array made) every 100 steps, and a new epoch starts at step 400:
            // three windows of 80 steps between those. Steady state is once the JIT has compiled the step,
            // which on a loaded machine (the whole test suite in one JVM) can come after the first window,
            // so the quietest window counts.
            long[][] windows = {{310, 390}, {510, 590}, {710, 790}};
            long[] allocated = new long[windows.length];
            trainer.run(TrainingState.fresh(config), new Trainer.Listener() {
                private long before;

                @Override public void progress(long steps) {
                    for (int w = 0; w < windows.length; w++) {
                        if (steps == windows[w][0]) before = allocatedSoFar();
                        if (steps == windows[w][1]) allocated[w] = allocatedSoFar() - before;
                    }
                }

                private long allocatedSoFar() {
                    long total = 0;
                    for (long bytes : threads.getThreadAllocatedBytes(ids)) total += bytes;
                    return total;
                }
            });
            // one call of getThreadAllocatedBytes makes a small result array; 80 steps of per-step garbage would be far more
            long quietest = Arrays.stream(allocated).min().orElseThrow();
            assertTrue(quietest < 1024, "every window of 80 steps allocated: " + Arrays.toString(allocated) + " bytes");
        }
    }
}
