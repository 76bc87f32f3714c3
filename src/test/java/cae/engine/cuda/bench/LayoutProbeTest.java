package cae.engine.cuda.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layout probe's verdict line (the probe itself needs cuDNN: CudaEngineGpuTest). */
class LayoutProbeTest {
    @Test
    void totalSumsTheDirectionsAndChargesTheTransposesTwice() {
        String line = LayoutProbe.total(5, new double[] {100, 120, 180}, new double[] {80, 100, 120}, 20);
        assertTrue(line.startsWith("layout probe total over 5 shapes: NCHW 400.0 us, NHWC 300.0 us (0.75); "), line);
        assertTrue(line.contains("save 100.0 us with every kernel NHWC, 60.0 us with transposes (40.0 us)"), line);
    }

    @Test
    void aMissingTimeShowsAsNaNNotAsASaving() {
        String line = LayoutProbe.total(1, new double[] {100, 120, 180}, new double[] {80, Double.NaN, 120}, 20);
        assertTrue(line.contains("NHWC NaN us") && line.contains("save NaN us"), line);
    }
}
