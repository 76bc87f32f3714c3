package cae.engine.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

import java.util.Arrays;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

/**
 * Times work queued on a stream with CUDA events: after one untimed run, {@code batches} times
 * {@code runs} back-to-back runs between two events (so the GPU, not the host's queueing, sets the
 * pace), and the median per run. It waits for the GPU, so it is for choosing between implementations
 * when a shape is first seen, never inside a step.
 */
final class EventTimer {
    private EventTimer() {}

    /**
     * How the engine times each of two ways of doing the same work when a shape is first seen, to keep
     * the faster (cuDNN against cuBLAS weight gradients, fused against separate): 3 batches of 5 runs.
     */
    static double choiceMillis(CUstream stream, Runnable work) { return medianMillis(stream, 3, 5, work); }

    static double medianMillis(CUstream stream, int batches, int runs, Runnable work) {
        CUevent start = new CUevent(), end = new CUevent();
        Check.cu(cuEventCreate(start, 0), "cuEventCreate");
        try {
            Check.cu(cuEventCreate(end, 0), "cuEventCreate");
            try {
                work.run();
                double[] perRun = new double[batches];
                float[] millis = new float[1];
                for (int b = 0; b < batches; b++) {
                    Check.cu(cuEventRecord(start, stream), "cuEventRecord");
                    for (int r = 0; r < runs; r++) work.run();
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
