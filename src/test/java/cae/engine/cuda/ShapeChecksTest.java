package cae.engine.cuda;

import cae.engine.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ShapeChecksTest {
    /** A shape without storage: the checks only look at shapes. */
    private static final class Shape extends Tensor {
        Shape(int... shape) { super(shape); }
    }

    @Test
    void convolutionShapesMustAgree() {
        Tensor x = new Shape(2, 3, 5, 7), y = new Shape(2, 4, 5, 7);
        ShapeChecks.conv(x, new Shape(4, 3, 3, 3), new Shape(4), y);
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.conv(x, new Shape(4, 3, 3, 3), new Shape(4), new Shape(2, 4, 5, 6)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeChecks.conv(x, new Shape(4, 2, 3, 3), new Shape(4), y));
        assertTrue(e.getMessage().startsWith("conv3x3 weight: expected 108"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.conv(x, new Shape(4, 3, 3, 3), new Shape(3), y));
    }

    @Test
    void convolutionBackwardNeedsTheOutputForRelu() {
        Tensor x = new Shape(2, 3, 5, 7), dy = new Shape(2, 4, 5, 7), w = new Shape(4, 3, 3, 3);
        ShapeChecks.convBackward(x, w, null, dy, false, null, new Shape(4, 3, 3, 3), new Shape(4));
        assertThrows(IllegalArgumentException.class,
                () -> ShapeChecks.convBackward(x, w, null, dy, true, null, new Shape(4, 3, 3, 3), new Shape(4)));
        assertThrows(IllegalArgumentException.class,
                () -> ShapeChecks.convBackward(x, w, null, dy, false, new Shape(2, 3, 5, 6), new Shape(4, 3, 3, 3), new Shape(4)));
    }

    @Test
    void poolingIsTensorFlowSame() {
        ShapeChecks.pool(new Shape(1, 2, 7, 7), new Shape(1, 2, 4, 4));
        ShapeChecks.pool(new Shape(1, 2, 28, 28), new Shape(1, 2, 14, 14));
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.pool(new Shape(1, 2, 7, 7), new Shape(1, 2, 3, 3)));
    }

    @Test
    void gatherStaysInsideTheOrder() {
        ShapeChecks.gather(90, 10, 100, new Shape(10, 1, 28, 28), null, 784);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeChecks.gather(95, 10, 100, new Shape(10, 1, 28, 28), null, 784));
        assertEquals("batch [95, 105) outside an order of 100", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.gather(0, 10, 100, new Shape(10, 1, 28, 28), new Shape(9, 1, 28, 28), 784));
    }

    @Test
    void lossSlotAndViewsAreBounded() {
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.slot(new Shape(4), 4));
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.slot(new Shape(4), -1));
        ShapeChecks.slot(new Shape(4), 3);
        ShapeChecks.view(new Shape(10), 6, new Shape(4));
        assertThrows(IllegalArgumentException.class, () -> ShapeChecks.view(new Shape(10), 7, new Shape(4)));
    }
}
