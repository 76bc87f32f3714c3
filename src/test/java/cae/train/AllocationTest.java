package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
            AllocationProfile profile = new AllocationProfile();
            trainer.run(TrainingState.fresh(config), new Trainer.Listener() {
                private long before;

                @Override public void progress(long steps) {
                    if (steps < 300) return;
                    if (steps % 100 == 10) before = allocatedSoFar();
                    if (steps % 100 == 90) allocated.add(allocatedSoFar() - before);
                    // from the third window that allocated on, sample where (for the failure message)
                    if (steps % 100 == 95 && allocated.size() == 3) profile.start();
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
            String where = quietest < 1024 ? "" : profile.summary();
            profile.close();
            assertTrue(quietest < 1024, "every window of 80 steps allocated: " + allocated + " bytes; " + where);
        }
    }

    /**
     * Flight Recorder's allocation samples, for the failure message: the allocating places (the
     * allocated class and the first frames of the project's code) by sampled bytes. The allocation
     * may happen only on some machines (it depends on the JIT's inlining), so the message must say
     * where from the machine that saw it.
     */
    private static final class AllocationProfile {
        private Recording recording;

        void start() {
            try {
                recording = new Recording();
                recording.enable("jdk.ObjectAllocationSample").with("throttle", "2000/s").withStackTrace();
                recording.start();
            } catch (RuntimeException | Error e) {
                recording = null;
            }
        }

        String summary() {
            if (recording == null) return "no allocation samples were taken";
            try {
                Path file = Files.createTempFile("allocation", ".jfr");
                try {
                    recording.stop();
                    recording.dump(file);
                    Map<String, Long> bytes = new HashMap<>();
                    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                        if (event.getStackTrace() == null) continue;
                        String frames = event.getStackTrace().getFrames().stream()
                                .filter(f -> f.getMethod().getType().getName().startsWith("cae."))
                                .limit(3).map(AllocationProfile::name).collect(Collectors.joining(" <- "));
                        String place = event.getClass("objectClass").getName() + " at " + frames;
                        bytes.merge(place, event.getLong("weight"), Long::sum);
                    }
                    return "sampled allocations, most first: " + bytes.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                            .map(e -> e.getKey() + " (" + e.getValue() + " bytes)").collect(Collectors.joining("; "));
                } finally {
                    close();
                    Files.deleteIfExists(file);
                }
            } catch (Exception e) {
                return "the allocation samples could not be read: " + e;
            }
        }

        void close() {
            if (recording != null) recording.close();
            recording = null;
        }

        private static String name(RecordedFrame frame) {
            return frame.getMethod().getType().getName().replace("cae.engine.cpu.", "") + "." + frame.getMethod().getName()
                    + ":" + frame.getLineNumber();
        }
    }
}
