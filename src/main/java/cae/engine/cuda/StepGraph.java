package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static jcuda.driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuGraphUpload;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

/**
 * Whole steps as CUDA graphs: the body given to {@code Engine.step} runs eagerly on its first
 * calls (cuDNN picks its algorithms, scratch buffers reach their sizes), is captured into one graph on
 * the next, and is replayed from then on.
 *
 * <p>A replay still runs the Java body, cheaply: each op only checks that it is the op recorded at that
 * position, on the same storage with the same settings ({@link #replaying}), and hands over the scalars
 * that may change from step to step ({@link #scalars}: gather's batch offset and step, the loss slot,
 * Adam's rate). Those travel in the parameters of one small kernel launched before the graph, which
 * writes them to device memory where the graph's kernels read them. Freeing any device buffer (a
 * scratch buffer growing for another shape) drops the graph, since it may point there; the body is then
 * run eagerly once and captured again.
 */
final class StepGraph implements AutoCloseable {
    /** Eager calls of a body before it is captured. */
    static final int EAGER_CALLS = 2;
    /** Words per op that takes step scalars, and so how many such ops a step can have. */
    static final int SLOT_WORDS = 2, MAX_SLOTS = KernelConstants.STEP_WORDS / SLOT_WORDS;

    private enum Mode { EAGER, CAPTURE, REPLAY }

    private final boolean enabled;
    private final CUstream stream;
    private final Kernels kernels;
    private final DeviceMemory memory;
    private final CUdeviceptr deviceWords;
    private final long[] words = new long[KernelConstants.STEP_WORDS];

    private Mode mode = Mode.EAGER;
    private boolean inStep;
    private int slots;
    private Runnable body;
    private int calls;
    private CUgraph graph;
    private CUgraphExec exec;
    private long freesAtCapture;
    private final List<List<Object>> recorded = new ArrayList<>();
    private int cursor;
    private long captures, replays;

    StepGraph(boolean enabled, CUstream stream, Kernels kernels, DeviceMemory memory) {
        this.enabled = enabled;
        this.stream = stream;
        this.kernels = kernels;
        this.memory = memory;
        this.deviceWords = memory.allocate((long) KernelConstants.STEP_WORDS * Long.BYTES, "the step scalars");
    }

    boolean enabled() { return enabled; }

    /** Runs one step's body: eagerly, captured, or replayed (see the class comment). */
    void run(Runnable stepBody) {
        if (inStep) throw new IllegalStateException("Engine.step inside Engine.step");
        if (stepBody != body) {
            discard();
            body = stepBody;
            calls = 0;
        }
        if (exec != null && memory.frees() != freesAtCapture) {
            discard();
            calls = EAGER_CALLS - 1;
        }
        calls++;
        inStep = true;
        try {
            if (!enabled || calls <= EAGER_CALLS) {
                slots = 0;
                stepBody.run();
            } else if (exec == null) {
                capture(stepBody);
                launch();
            } else {
                replay(stepBody);
                launch();
            }
        } finally {
            inStep = false;
            mode = Mode.EAGER;
        }
    }

    private void capture(Runnable stepBody) {
        recorded.clear();
        slots = 0;
        Check.cu(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture");
        mode = Mode.CAPTURE;
        CUgraph captured = new CUgraph();
        try {
            stepBody.run();
        } catch (RuntimeException e) {
            mode = Mode.EAGER;
            if (cuStreamEndCapture(stream, captured) == 0) cuGraphDestroy(captured);
            throw e;
        }
        mode = Mode.EAGER;
        Check.cu(cuStreamEndCapture(stream, captured), "cuStreamEndCapture (recording a training step as a CUDA graph)");
        graph = captured;
        exec = new CUgraphExec();
        int status = cuGraphInstantiate(exec, graph, 0);
        if (status != 0) {
            exec = null;
            discard();
            Check.cu(status, "cuGraphInstantiate");
        }
        Check.cu(cuGraphUpload(exec, stream), "cuGraphUpload");
        freesAtCapture = memory.frees();
        captures++;
    }

    private void replay(Runnable stepBody) {
        slots = 0;
        cursor = 0;
        mode = Mode.REPLAY;
        stepBody.run();
        if (cursor != recorded.size())
            throw new IllegalStateException("CUDA graph replay: the step issued " + cursor + " ops, the recording has " + recorded.size());
        replays++;
    }

    private void launch() {
        if (slots > 0) kernels.stepScalarsSet(deviceWords, slots * SLOT_WORDS, words);
        Check.cu(cuGraphLaunch(exec, stream), "cuGraphLaunch");
    }

    /**
     * Called by every op that queues device work, with what it works on: false when the op must queue
     * its work now (eagerly, or into the graph being captured), true when a replayed graph does it. A
     * replayed op that differs from the recording is a bug in the step's body and fails loudly.
     */
    boolean replaying(String op, Object... args) {
        switch (mode) {
            case EAGER:
                return false;
            case CAPTURE:
                recorded.add(signature(op, args));
                return false;
            default:
                List<Object> now = signature(op, args);
                List<Object> then = cursor < recorded.size() ? recorded.get(cursor) : List.of("nothing");
                if (!now.equals(then))
                    throw new IllegalStateException("CUDA graph replay: op " + cursor + " of the step was " + then + " when recorded and is "
                            + now + " now; a step must issue the same ops on the same tensors every time");
                cursor++;
                return true;
        }
    }

    private static List<Object> signature(String op, Object[] args) {
        List<Object> s = new ArrayList<>(args.length + 1);
        s.add(op);
        s.addAll(Arrays.asList(args));
        return s;
    }

    /**
     * Device memory holding {@code values} (at most {@link #SLOT_WORDS}) when the op's kernel runs.
     * Eagerly that is one launch of step_scalars_set now; in a captured or replayed step the values
     * go into the words launched before the graph, one slot per such op in order.
     */
    CUdeviceptr scalars(long... values) {
        if (values.length > SLOT_WORDS) throw new IllegalArgumentException("at most " + SLOT_WORDS + " step scalars per op");
        if (mode == Mode.EAGER) {
            kernels.stepScalarsSet(deviceWords, values.length, Arrays.copyOf(values, KernelConstants.STEP_WORDS));
            return deviceWords;
        }
        if (slots == MAX_SLOTS) throw new IllegalStateException("more than " + MAX_SLOTS + " ops with step scalars in one step");
        int slot = slots++;
        System.arraycopy(values, 0, words, slot * SLOT_WORDS, values.length);
        return deviceWords.withByteOffset((long) slot * SLOT_WORDS * Long.BYTES);
    }

    /** For calls that wait for the device or allocate: they cannot be part of a step. */
    void forbidInStep(String call) {
        if (inStep) throw new IllegalStateException(call + " inside Engine.step: a step may only queue ops (it can be a CUDA graph)");
    }

    /** "CUDA graphs on", then "CUDA graphs on (1 capture, 549 replays)" once used. */
    String describe() {
        if (!enabled) return "CUDA graphs off";
        if (captures == 0) return "CUDA graphs on";
        return "CUDA graphs on (" + captures + (captures == 1 ? " capture, " : " captures, ") + replays + " replays)";
    }

    private void discard() {
        if (exec != null) cuGraphExecDestroy(exec);
        if (graph != null) cuGraphDestroy(graph);
        exec = null;
        graph = null;
        recorded.clear();
    }

    @Override public void close() { discard(); }
}
