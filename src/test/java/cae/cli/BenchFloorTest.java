package cae.cli;

import cae.engine.Ceilings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BenchFloorTest {

    @Test
    void theFloorLineSaysTheWorkTheFloorAndTheRatio() {
        Ceilings ceilings = new Ceilings(4e12, 50e12, "test");
        String line = BenchCommand.floorLine("training step", 100, 6.44e9, 206e6, 712e-6, ceilings);
        assertEquals("floor: training step at batch 100: 6.44 GFLOP, 206.0 MB; floor 128.8 us (arithmetic); measured 712.0 us = 5.5 x the floor", line);
    }

    @Test
    void onTheCpuEngineBenchSaysThereIsNoFloor() {
        CommandLineTest.Result r = CommandLineTest.run("bench", "--device", "cpu", "--threads", "1", "--batch", "2", "--steps", "1",
                "--repeats", "1", "--warmup", "0", "--floor");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# floor: this engine has no device ceilings to measure"), r.out());
        assertFalse(r.out().contains("floor: training step"), r.out());
    }
}
