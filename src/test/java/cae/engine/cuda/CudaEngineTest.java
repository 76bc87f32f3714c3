package cae.engine.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaEngineTest {

    @Test
    void withoutAGpuTheEngineFailsWithTheProbesReason() {
        CudaProbe.Selection probe = CudaProbe.probe();
        assumeTrue(!probe.available(), "this machine has a usable GPU");
        CudaException e = assertThrows(CudaException.class, CudaEngine::new);
        assertEquals("the CUDA engine cannot run here: " + probe.reason(), e.getMessage());
    }

    @Test
    void argumentsAreCheckedBeforeTheGpuIsTouched() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new CudaEngine(-1, CudaEngine.ConvPath.AUTO, false));
        assertTrue(negative.getMessage().contains("-1"), negative.getMessage());
        IllegalArgumentException noPath = assertThrows(IllegalArgumentException.class, () -> new CudaEngine(0, null, false));
        assertTrue(noPath.getMessage().contains("convolution path"), noPath.getMessage());
        IllegalArgumentException noFusion = assertThrows(IllegalArgumentException.class,
                () -> new CudaEngine(0, CudaEngine.ConvPath.AUTO, false, true, null));
        assertTrue(noFusion.getMessage().contains("fusion setting"), noFusion.getMessage());
    }

    @Test
    void aDeviceBeyondTheCountIsRefused() {
        CudaProbe.Selection probe = CudaProbe.probe();
        assumeTrue(probe.available(), "needs a GPU: " + probe.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CudaEngine(probe.deviceCount(), CudaEngine.ConvPath.AUTO, false));
        assertTrue(e.getMessage().contains("no CUDA device " + probe.deviceCount()), e.getMessage());
    }
}
