package cae.engine.cuda;

import jcuda.driver.CUstream;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the engine has two ways to do the same work, the library's or separate launches, and the
 * project's fused kernels: which one runs, per {@link CudaEngine.Fusion}. Under AUTO both ways are
 * timed with CUDA events the first time a case (an op and its shape) is seen, on the real tensors, as
 * they will run (in a CUDA graph when the engine replays its steps as graphs, {@link EventTimer}), and
 * the faster is kept; {@link #describe} lists every timing, which is how each fusion is measured.
 */
final class FusionChoices {
    private final CudaEngine.Fusion setting;
    private final CUstream stream;
    private final boolean graphs;
    private final Map<String, Boolean> fusedByCase = new LinkedHashMap<>();
    private final Map<String, String> timings = new LinkedHashMap<>();

    FusionChoices(CudaEngine.Fusion setting, CUstream stream, boolean graphs) {
        this.setting = setting;
        this.stream = stream;
        this.graphs = graphs;
    }

    /**
     * Runs {@code fused} or {@code separate}, which must compute the same thing (and may be run more
     * than once, so neither may accumulate into its outputs). {@code what} names the case.
     */
    void run(String what, Runnable separate, Runnable fused) {
        switch (setting) {
            case OFF -> separate.run();
            case ON -> fused.run();
            case AUTO -> {
                Boolean useFused = fusedByCase.get(what);
                if (useFused == null) {
                    double separateMs = EventTimer.choiceMillis(stream, graphs, separate);
                    double fusedMs = EventTimer.choiceMillis(stream, graphs, fused);
                    useFused = fusedMs < separateMs;
                    fusedByCase.put(what, useFused);
                    timings.put(what, String.format(Locale.ROOT, "fused %.1f us, separate %.1f us", fusedMs * 1000, separateMs * 1000));
                }
                (useFused ? fused : separate).run();
            }
        }
    }

    /** The setting and, under AUTO, each case's timing and choice. */
    String describe() {
        StringBuilder sb = new StringBuilder("fusion ").append(setting.name().toLowerCase(Locale.ROOT));
        fusedByCase.forEach((what, fused) -> sb.append("; ").append(what).append(": ").append(fused ? "fused" : "separate")
                .append(" [").append(timings.get(what)).append(']'));
        return sb.toString();
    }
}
