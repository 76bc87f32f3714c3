package cae.engine.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** What counts as cuDNN refusing the fused convolution + bias + ReLU call (then the two-step way), and what is an error. */
class CudnnConvolutionTest {
    @Test
    void onlyNotSupportedFallsBack() {
        assertTrue(CudnnConvolution.notSupported(9), "cuDNN 8's NOT_SUPPORTED");
        assertTrue(CudnnConvolution.notSupported(3000), "cuDNN 9's NOT_SUPPORTED");
        assertTrue(CudnnConvolution.notSupported(3007), "one of cuDNN 9's NOT_SUPPORTED sub-codes");
        for (int error : new int[] {3, 2000, 4000, 5000, 8, 1})  // BAD_PARAM (8 and 9), INTERNAL_ERROR, EXECUTION_FAILED, ...
            assertFalse(CudnnConvolution.notSupported(error), "status " + error + " is an error, not a refusal");
    }
}
