package cae.engine.cuda;

import cae.engine.cuda.CudnnAlgorithms.Entry;
import org.junit.jupiter.api.Test;

import static jcuda.jcudnn.cudnnDeterminism.CUDNN_DETERMINISTIC;
import static jcuda.jcudnn.cudnnDeterminism.CUDNN_NON_DETERMINISTIC;
import static jcuda.jcudnn.cudnnMathType.CUDNN_DEFAULT_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static org.junit.jupiter.api.Assertions.*;

/** Which of cuDNN's ranked algorithms is taken: runs without a GPU (no cuDNN call is made). */
class CudnnAlgorithmsTest {
    private static Entry entry(int algo, int status, long memory, int determinism, int math) {
        return new Entry(algo, status, 0.01f * (algo + 1), memory, determinism, math);
    }

    @Test
    void theFastestDeterministicEntryThatSucceededWithinTheWorkspaceLimitIsTaken() {
        Entry[] ranked = {
                entry(0, 0, 0, CUDNN_NON_DETERMINISTIC, CUDNN_DEFAULT_MATH),        // faster, but not deterministic
                entry(1, 9, 0, CUDNN_DETERMINISTIC, CUDNN_DEFAULT_MATH),            // failed
                entry(2, 0, CudnnAlgorithms.WORKSPACE_LIMIT + 1, CUDNN_DETERMINISTIC, CUDNN_DEFAULT_MATH),
                entry(3, 0, 1 << 20, CUDNN_DETERMINISTIC, CUDNN_DEFAULT_MATH),
                entry(4, 0, 0, CUDNN_DETERMINISTIC, CUDNN_FMA_MATH)};
        assertEquals(3, CudnnAlgorithms.pick(false, ranked));
    }

    @Test
    void strictFp32PassesOverTensorOpEntriesWhileOthersRemainButTf32TakesThem() {
        Entry[] ranked = {
                entry(0, 0, 0, CUDNN_DETERMINISTIC, CUDNN_TENSOR_OP_MATH),
                entry(1, 0, 0, CUDNN_DETERMINISTIC, CUDNN_DEFAULT_MATH)};
        assertEquals(1, CudnnAlgorithms.pick(false, ranked));
        assertEquals(0, CudnnAlgorithms.pick(true, ranked));
        // cuDNN 9.14 can report none of its entries as FMA math; with nothing else the tensor-op entry
        // is still taken: the descriptor's FMA math type is what keeps it off tensor cores
        assertEquals(0, CudnnAlgorithms.pick(false, new Entry[] {ranked[0]}));
    }

    @Test
    void aNonDeterministicEntryOnlyWhenNothingElseIsUsableAndNoneWhenNothingIs() {
        Entry[] ranked = {
                entry(0, 0, 0, CUDNN_NON_DETERMINISTIC, CUDNN_DEFAULT_MATH),
                entry(1, 3000, 0, CUDNN_DETERMINISTIC, CUDNN_DEFAULT_MATH)};
        assertEquals(0, CudnnAlgorithms.pick(false, ranked));
        assertEquals(-1, CudnnAlgorithms.pick(false, new Entry[] {ranked[1]}));
        assertEquals(" (cuDNN offered algo 1 status 3000 math 0 workspace 0.0 MiB)", CudnnAlgorithms.candidates(new Entry[] {ranked[1]}));
        assertEquals(" (cuDNN offered nothing)", CudnnAlgorithms.candidates(new Entry[0]));
    }
}
