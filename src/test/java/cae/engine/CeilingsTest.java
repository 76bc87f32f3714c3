package cae.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CeilingsTest {

    @Test
    void theFloorIsTheLargerOfTheTwoTimes() {
        Ceilings c = new Ceilings(4e12, 50e12, "test");
        // 6.44 GFLOP and 206 MB: 128.8 us of arithmetic against 51.5 us of memory
        assertEquals(6.44e9 / 50e12, c.floorSeconds(6.44e9, 206e6), 1e-12);
        assertEquals("arithmetic", c.bound(6.44e9, 206e6));
        // little arithmetic, many bytes
        assertEquals(400e6 / 4e12, c.floorSeconds(1e6, 400e6), 1e-12);
        assertEquals("memory", c.bound(1e6, 400e6));
    }

    @Test
    void withoutAMatrixProductFigureOnlyMemoryCounts() {
        Ceilings c = new Ceilings(2e12, Double.NaN, "no cuBLAS");
        assertEquals(100e6 / 2e12, c.floorSeconds(1e15, 100e6), 1e-12);
        assertEquals("memory", c.bound(1e15, 100e6));
        assertTrue(c.toString().contains("no matrix-product figure"), c.toString());
        assertTrue(new Ceilings(4.31e12, 51.2e12, "x").toString().startsWith("4.31 TB/s copy, 51.2 TFLOP/s matrix product"));
    }
}
