package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUstream;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

/**
 * Where the engine has two ways to do the same work, the library's or separate launches, and the
 * project's fused kernels: which one runs, per {@link Fusion}. Under AUTO both ways are
 * timed with CUDA events the first time a case (an op and its shape) is seen, on the real tensors, as
 * they will run (in a CUDA graph when the engine replays its steps as graphs, {@link EventTimer}), and
 * the faster is kept; {@link #describe} lists every timing, which is how each fusion is measured.
 */
final class FusionChoices {
    private final Fusion setting;
    private final CUstream stream;
    private final boolean graphs;
    private final Map<String, Boolean> fusedByCase = new LinkedHashMap<>();
    private final Map<String, String> timings = new LinkedHashMap<>();

    FusionChoices(Fusion setting, CUstream stream, boolean graphs) {
        this.setting = setting;
        this.stream = stream;
        this.graphs = graphs;
    }

    /**
     * Runs {@code fused} or {@code separate}, which must compute the same thing (and may be run more
     * than once, so neither may accumulate into its outputs). {@code what} names the case; {@code results}
     * are the outputs both ways write (null ones are skipped). Under AUTO a fused way whose results
     * disagree with the separate way's (relative L2 error over {@link #AGREEMENT}) is never kept, so a
     * fault in a fused kernel costs speed, not correctness; the choices say so. A way may itself run a
     * case of its own only once that case is settled (see {@link #needsTiming}), so that no timing
     * happens inside another's.
     */
    void run(String what, Runnable separate, Runnable fused, CudaTensor... results) {
        switch (setting) {
            case OFF -> separate.run();
            case ON -> fused.run();
            case AUTO -> {
                Boolean useFused = fusedByCase.get(what);
                if (useFused == null) {
                    double separateMs = EventTimer.choiceMillis(stream, graphs, separate);
                    float[][] expected = read(results);
                    fillUnwritten(results);  // so that a cell the fused way leaves unwritten shows, not the separate way's value
                    double fusedMs = EventTimer.choiceMillis(stream, graphs, fused);
                    double error = relativeError(read(results), expected);
                    boolean agrees = error <= AGREEMENT;
                    useFused = agrees && fusedMs < separateMs;
                    fusedByCase.put(what, useFused);
                    timings.put(what, String.format(Locale.ROOT, "fused %.1f us, separate %.1f us", fusedMs * 1000, separateMs * 1000)
                            + (agrees ? "" : String.format(Locale.ROOT, ", fused DISAGREES with separate (relative error %.2g): not kept", error)));
                }
                (useFused ? fused : separate).run();
            }
        }
    }

    /** Whether {@link #run} will time the case {@code what} the next time it is run (AUTO, and the case not seen yet). */
    boolean needsTiming(String what) { return setting == Fusion.AUTO && !fusedByCase.containsKey(what); }

    /**
     * The largest relative L2 difference between the two ways' results that still counts as the same:
     * strict FP32 ways differ by about 1e-6 (other summation orders), TF32 library calls from our FP32
     * kernels by about 1e-3; a faulty kernel by far more.
     */
    static final double AGREEMENT = 1e-2;

    /**
     * What the results hold before the fused way runs: far from any value a way computes, so that a
     * cell left unwritten fails the agreement, yet finite, so that a way that reads its output scaled
     * by zero (cudnnConvolutionBiasActivationForward's z with alpha2 = 0, which cuDNN does not promise
     * to skip) is not turned into NaN.
     */
    static final float UNWRITTEN = 1e30f;

    /** Fills each tensor with {@link #UNWRITTEN} (queued on the stream, before the fused way's runs). */
    private void fillUnwritten(CudaTensor[] tensors) {
        for (CudaTensor t : tensors)
            if (t != null) Check.cu(cuMemsetD32Async(t.ptr, Float.floatToRawIntBits(UNWRITTEN), t.size(), stream), "cuMemsetD32Async");
    }

    /** Each tensor's values (the device is idle: EventTimer waited for it). */
    private static float[][] read(CudaTensor[] tensors) {
        float[][] values = new float[tensors.length][];
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i] == null) continue;
            values[i] = new float[tensors[i].size()];
            Check.cu(cuMemcpyDtoH(Pointer.to(values[i]), tensors[i].ptr, tensors[i].bytes()), "cuMemcpyDtoH (checking a fused way)");
        }
        return values;
    }

    /** The largest over the tensors of ||actual - expected|| / ||expected|| (0 when both are all zeros, NaN counts as a disagreement). */
    static double relativeError(float[][] actual, float[][] expected) {
        double worst = 0;
        for (int t = 0; t < expected.length; t++) {
            if (expected[t] == null) continue;
            double diff = 0, norm = 0;
            for (int i = 0; i < expected[t].length; i++) {
                double d = (double) actual[t][i] - expected[t][i];
                diff += d * d;
                norm += (double) expected[t][i] * expected[t][i];
            }
            double error = diff == 0 ? 0 : Math.sqrt(diff) / Math.sqrt(norm);
            if (Double.isNaN(error)) return Double.NaN;
            worst = Math.max(worst, error);
        }
        return worst;
    }

    /** The setting and, under AUTO, each case's timing and choice. */
    String describe() {
        StringBuilder sb = new StringBuilder("fusion ").append(setting.name().toLowerCase(Locale.ROOT));
        fusedByCase.forEach((what, fused) -> sb.append("; ").append(what).append(": ").append(fused ? "fused" : "separate")
                .append(" [").append(timings.get(what)).append(']'));
        return sb.toString();
    }
}
