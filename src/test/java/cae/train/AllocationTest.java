package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

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
            TrainingConfig config = new TrainingConfig(6, 16, 1e-3f, 0.5f, 1, 0);
            Trainer trainer = new Trainer(engine, config, set);
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("cae-cpu-"))
                    .mapToLong(Thread::getId).toArray();
            assertEquals(2, ids.length, "the caller and one worker");
            // losses are read (and a small array made) every 100 steps, and a new epoch starts every 400:
            // each window is steps 10 to 90 of a hundred, between those. Steady state is once the JIT has
            // compiled the step (before that the Vector API allocates its vectors), which on a loaded
            // machine can take many windows, so the run goes on until a window is quiet, or ends.
            List<Long> allocated = new ArrayList<>();
            trainer.run(TrainingState.fresh(config), new Trainer.Listener() {
                private long before;

                @Override public void progress(long steps) {
                    if (steps < 300) return;
                    if (steps % 100 == 10) before = allocatedSoFar();
                    if (steps % 100 == 90) allocated.add(allocatedSoFar() - before);
                }

                @Override public boolean stopRequested() {
                    return !allocated.isEmpty() && allocated.get(allocated.size() - 1) < 1024;
                }

                private long allocatedSoFar() {
                    long total = 0;
                    for (long bytes : threads.getThreadAllocatedBytes(ids)) total += bytes;
                    return total;
                }
            });
            // one call of getThreadAllocatedBytes makes a small result array; 80 steps of per-step garbage would be far more
            long quietest = allocated.stream().mapToLong(Long::longValue).min().orElseThrow();
            assertTrue(quietest < 1024, "every window of 80 steps allocated: " + allocated + " bytes");
        }
    }
}
