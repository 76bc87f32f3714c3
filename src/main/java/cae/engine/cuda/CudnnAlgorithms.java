package cae.engine.cuda;

import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.Locale;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnDeterminism.CUDNN_DETERMINISTIC;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;

/**
 * Chooses cuDNN's algorithm for each direction of a convolution, once per shape: cuDNN's Find runs
 * every algorithm on this GPU and ranks them fastest first (the _v7 heuristics' ranking stands in where
 * Find fails). From the ranking the first usable entry is taken: it succeeded, its workspace is within
 * {@link #WORKSPACE_LIMIT}, and it is deterministic, so that two runs from one seed give the same
 * weights (a non-deterministic entry only when nothing else is usable). In strict FP32 entries that
 * report tensor-op math are passed over while others remain; the descriptor's FMA math type is what
 * keeps the chosen algorithm off tensor cores (cuDNN 9.14 reported none of its entries as FMA math).
 * Public for the bench's layout probe (cae.engine.cuda.bench), which reports what this rule would take.
 */
public final class CudnnAlgorithms {
    /** Algorithms needing more workspace than this are passed over. */
    static final long WORKSPACE_LIMIT = 512L << 20;
    private static final int ENTRIES = 10;

    private CudnnAlgorithms() {}

    /** An algorithm, its workspace, and how it was ranked (Find's time, NaN microseconds for the heuristics). */
    public record Choice(int algo, long workspaceBytes, String ranking, double microseconds) {
        @Override public String toString() { return algo + " (" + ranking + ")"; }
    }

    /** One entry of cuDNN's ranking, whichever direction it came from. */
    record Entry(int algo, int status, float milliseconds, long memory, int determinism, int mathType) {}

    public static Choice forward(cudnnHandle h, cudnnTensorDescriptor x, cudnnFilterDescriptor w, cudnnConvolutionDescriptor conv,
                          cudnnTensorDescriptor y, boolean tf32, String what) {
        cudnnConvolutionFwdAlgoPerf[] perf = new cudnnConvolutionFwdAlgoPerf[ENTRIES];
        for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionFwdAlgoPerf();
        int[] count = new int[1];
        boolean measured = cudnnFindConvolutionForwardAlgorithm(h, x, w, conv, y, perf.length, count, perf) == 0;
        if (!measured)
            Check.cudnn(cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, conv, y, perf.length, count, perf),
                    "cudnnGetConvolutionForwardAlgorithm_v7 for " + what);
        Entry[] entries = new Entry[count[0]];
        for (int i = 0; i < entries.length; i++)
            entries[i] = new Entry(perf[i].algo, perf[i].status, perf[i].time, perf[i].memory, perf[i].determinism, perf[i].mathType);
        return choose(what, tf32, measured, entries, (algo, bytes) -> Check.cudnn(
                cudnnGetConvolutionForwardWorkspaceSize(h, x, w, conv, y, algo, bytes), "cudnnGetConvolutionForwardWorkspaceSize for " + what));
    }

    public static Choice backwardData(cudnnHandle h, cudnnFilterDescriptor w, cudnnTensorDescriptor dy, cudnnConvolutionDescriptor conv,
                               cudnnTensorDescriptor dx, boolean tf32, String what) {
        cudnnConvolutionBwdDataAlgoPerf[] perf = new cudnnConvolutionBwdDataAlgoPerf[ENTRIES];
        for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionBwdDataAlgoPerf();
        int[] count = new int[1];
        boolean measured = cudnnFindConvolutionBackwardDataAlgorithm(h, w, dy, conv, dx, perf.length, count, perf) == 0;
        if (!measured)
            Check.cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w, dy, conv, dx, perf.length, count, perf),
                    "cudnnGetConvolutionBackwardDataAlgorithm_v7 for " + what);
        Entry[] entries = new Entry[count[0]];
        for (int i = 0; i < entries.length; i++)
            entries[i] = new Entry(perf[i].algo, perf[i].status, perf[i].time, perf[i].memory, perf[i].determinism, perf[i].mathType);
        return choose(what, tf32, measured, entries, (algo, bytes) -> Check.cudnn(
                cudnnGetConvolutionBackwardDataWorkspaceSize(h, w, dy, conv, dx, algo, bytes), "cudnnGetConvolutionBackwardDataWorkspaceSize for " + what));
    }

    public static Choice backwardFilter(cudnnHandle h, cudnnTensorDescriptor x, cudnnTensorDescriptor dy, cudnnConvolutionDescriptor conv,
                                 cudnnFilterDescriptor dw, boolean tf32, String what) {
        cudnnConvolutionBwdFilterAlgoPerf[] perf = new cudnnConvolutionBwdFilterAlgoPerf[ENTRIES];
        for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        int[] count = new int[1];
        boolean measured = cudnnFindConvolutionBackwardFilterAlgorithm(h, x, dy, conv, dw, perf.length, count, perf) == 0;
        if (!measured)
            Check.cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x, dy, conv, dw, perf.length, count, perf),
                    "cudnnGetConvolutionBackwardFilterAlgorithm_v7 for " + what);
        Entry[] entries = new Entry[count[0]];
        for (int i = 0; i < entries.length; i++)
            entries[i] = new Entry(perf[i].algo, perf[i].status, perf[i].time, perf[i].memory, perf[i].determinism, perf[i].mathType);
        return choose(what, tf32, measured, entries, (algo, bytes) -> Check.cudnn(
                cudnnGetConvolutionBackwardFilterWorkspaceSize(h, x, dy, conv, dw, algo, bytes), "cudnnGetConvolutionBackwardFilterWorkspaceSize for " + what));
    }

    /** cuDNN's workspace-size query for one direction: bytes[0] = what {@code algo} needs. */
    private interface WorkspaceQuery {
        void ask(int algo, long[] bytes);
    }

    private static Choice choose(String what, boolean tf32, boolean measured, Entry[] entries, WorkspaceQuery workspace) {
        int best = pick(tf32, entries);
        if (best < 0)
            throw new CudaException("cuDNN offers no algorithm for " + what + (tf32 ? "" : " in strict FP32 math") + candidates(entries));
        long[] bytes = new long[1];
        workspace.ask(entries[best].algo(), bytes);
        double micros = measured ? entries[best].milliseconds() * 1000.0 : Double.NaN;
        String ranking = measured ? String.format(Locale.ROOT, "%.1f us", micros) : "heuristic";
        return new Choice(entries[best].algo(), bytes[0], ranking, micros);
    }

    /** The index of the entry to take (see the class comment), or -1 when none is usable. */
    static int pick(boolean tf32, Entry[] entries) {
        int deterministic = -1, any = -1, deterministicTensorOp = -1, anyTensorOp = -1;
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            if (e.status() != 0 || e.memory() > WORKSPACE_LIMIT) continue;
            boolean passOver = !tf32 && usesTensorCores(e.mathType());
            boolean isDeterministic = e.determinism() == CUDNN_DETERMINISTIC;
            if (passOver) {
                if (isDeterministic && deterministicTensorOp < 0) deterministicTensorOp = i;
                if (anyTensorOp < 0) anyTensorOp = i;
            } else {
                if (isDeterministic && deterministic < 0) deterministic = i;
                if (any < 0) any = i;
            }
        }
        if (deterministic >= 0) return deterministic;
        if (any >= 0) return any;
        return deterministicTensorOp >= 0 ? deterministicTensorOp : anyTensorOp;
    }

    static boolean usesTensorCores(int mathType) {
        return mathType == CUDNN_TENSOR_OP_MATH || mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    }

    /** What cuDNN offered, for an error saying why none was taken. */
    static String candidates(Entry[] entries) {
        StringBuilder b = new StringBuilder(" (cuDNN offered");
        if (entries.length == 0) b.append(" nothing");
        for (int i = 0; i < entries.length; i++)
            b.append(i == 0 ? " " : ", ").append("algo ").append(entries[i].algo()).append(" status ").append(entries[i].status())
                    .append(" math ").append(entries[i].mathType()).append(" workspace ").append(DeviceMemory.mib(entries[i].memory()));
        return b.append(')').toString();
    }
}
