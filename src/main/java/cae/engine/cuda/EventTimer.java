package cae.engine.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;

import java.util.Arrays;

import static jcuda.driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

/**
 * Times work queued on a stream with CUDA events: after one untimed run, {@code batches} times
 * {@code runs} runs between two events, and the median per run. Run eagerly, back to back, small
 * kernels are paced by the host's launches (several microseconds each from Java), not by the GPU; so
 * where the engine replays CUDA graphs, the runs are captured into a graph first and the graph is
 * timed, which is how they will run in a step. It waits for the GPU, so it is for choosing between
 * implementations when a shape is first seen, never inside a step.
 */
final class EventTimer {
    private EventTimer() {}

    /**
     * How the engine times each of two ways of doing the same work when a shape is first seen, to keep
     * the faster (cuDNN against cuBLAS weight gradients, fused against separate): 3 batches of 5 runs,
     * in a graph when {@code graphs} (the engine replays its steps as graphs), else eagerly.
     */
    static double choiceMillis(CUstream stream, boolean graphs, Runnable work) {
        return graphs ? graphMedianMillis(stream, 3, 5, work) : medianMillis(stream, 3, 5, work);
    }

    /** Eager runs, back to back. */
    static double medianMillis(CUstream stream, int batches, int runs, Runnable work) {
        work.run();
        return median(stream, batches, runs, () -> {
            for (int r = 0; r < runs; r++) work.run();
        });
    }

    /**
     * {@code runs} runs captured into one CUDA graph, which is launched once untimed and then timed. The
     * eager run before the capture lets algorithm searches and scratch buffers happen outside it.
     */
    static double graphMedianMillis(CUstream stream, int batches, int runs, Runnable work) {
        work.run();
        CUgraph graph = new CUgraph();
        Check.cu(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture (timing a choice)");
        try {
            for (int r = 0; r < runs; r++) work.run();
        } catch (RuntimeException e) {
            if (cuStreamEndCapture(stream, graph) == 0) cuGraphDestroy(graph);
            throw e;
        }
        Check.cu(cuStreamEndCapture(stream, graph), "cuStreamEndCapture (timing a choice)");
        try {
            CUgraphExec exec = new CUgraphExec();
            Check.cu(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate (timing a choice)");
            try {
                Runnable launch = () -> Check.cu(cuGraphLaunch(exec, stream), "cuGraphLaunch (timing a choice)");
                launch.run();
                return median(stream, batches, runs, launch);
            } finally {
                cuGraphExecDestroy(exec);
            }
        } finally {
            cuGraphDestroy(graph);
        }
    }

    /** The median over {@code batches} timings of {@code batch}, per run of the {@code runs} it holds. */
    private static double median(CUstream stream, int batches, int runs, Runnable batch) {
        CUevent start = new CUevent(), end = new CUevent();
        Check.cu(cuEventCreate(start, 0), "cuEventCreate");
        try {
            Check.cu(cuEventCreate(end, 0), "cuEventCreate");
            try {
                double[] perRun = new double[batches];
                float[] millis = new float[1];
                for (int b = 0; b < batches; b++) {
                    Check.cu(cuEventRecord(start, stream), "cuEventRecord");
                    batch.run();
                    Check.cu(cuEventRecord(end, stream), "cuEventRecord");
                    Check.cu(cuEventSynchronize(end), "cuEventSynchronize");
                    Check.cu(cuEventElapsedTime(millis, start, end), "cuEventElapsedTime");
                    perRun[b] = millis[0] / runs;
                }
                Arrays.sort(perRun);
                return perRun[batches / 2];
            } finally {
                cuEventDestroy(end);
            }
        } finally {
            cuEventDestroy(start);
        }
    }
}
