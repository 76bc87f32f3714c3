package cae.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The shape rules written out by hand (docs/SPEC.md §2), and the argument checks on shapes alone. */
class ShapesTest {
    /** A shape without storage: the checks only look at shapes. */
    private static final class Shape extends Tensor {
        Shape(int... shape) { super(shape); }
    }

    private static Tensor s(int... shape) { return new Shape(shape); }

    @Test
    void poolingIsTensorFlowSameWithThePaddingAtTheEnd() {
        assertEquals(4, Shapes.pooled(7));
        assertEquals(14, Shapes.pooled(28));
        assertEquals(1, Shapes.pooled(1));
        for (int in = 1; in < 40; in++) assertEquals(0, Shapes.poolPadBefore(in), "pad before " + in);
        assertArrayEquals(new int[] {28, 14, 7, 4}, Shapes.levels(28, 3));
        assertArrayEquals(new int[] {9, 5, 3, 2}, Shapes.levels(9, 3));
    }

    @Test
    void nearestSourcesAreTheRecipesRows() {
        int[] rows = new int[7];
        for (int d = 0; d < 7; d++) rows[d] = Shapes.nearestSource(d, 4, 7);
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3}, rows);
        for (int d = 0; d < 28; d++) assertEquals(d / 2, Shapes.nearestSource(d, 14, 28));
        // every output cell lies in its source's range [first(s), first(s + 1)), downscales included
        for (int[] io : new int[][] {{4, 7}, {7, 14}, {7, 4}, {5, 3}, {3, 3}, {1, 6}})
            for (int d = 0; d < io[1]; d++) {
                int source = Shapes.nearestSource(d, io[0], io[1]);
                assertTrue(Shapes.nearestFirstTarget(source, io[0], io[1]) <= d, io[0] + "->" + io[1] + " cell " + d);
                assertTrue(d < Math.min(Shapes.nearestFirstTarget(source + 1, io[0], io[1]), io[1]), io[0] + "->" + io[1] + " cell " + d);
            }
    }

    @Test
    void bilinearSourcesAndWeightsFollowTheTf1Rule() {
        // 4 -> 7: src = d * 4 / 7
        for (int d = 0; d < 7; d++) {
            double src = d * 4.0 / 7;
            assertEquals((int) Math.floor(src), Shapes.bilinearLow(d, 4, 7));
            assertEquals(Math.min((int) Math.floor(src) + 1, 3), Shapes.bilinearHigh(d, 4, 7));
            assertEquals(src - Math.floor(src), Shapes.bilinearRemainder(d, 4, 7) / 7.0, 1e-12);
        }
        assertEquals(0, Shapes.bilinearRemainder(6, 7, 14));   // 6 * 7 / 14 = 3 exactly: weight 0, not 1 - epsilon
        assertEquals(3, Shapes.bilinearHigh(6, 4, 7));
    }

    @Test
    void transposedOutputsAreTwiceTheInputOrOneLess() {
        assertTrue(Shapes.transposedOutput(4, 7));
        assertTrue(Shapes.transposedOutput(4, 8));
        assertFalse(Shapes.transposedOutput(4, 9));
        assertFalse(Shapes.transposedOutput(4, 6));
    }

    @Test
    void convolutionShapesMustAgree() {
        Tensor x = s(2, 3, 5, 7), y = s(2, 4, 5, 7);
        Shapes.conv("conv3x3", x, s(4, 3, 3, 3), s(4), y);
        assertThrows(IllegalArgumentException.class, () -> Shapes.conv("conv3x3", x, s(4, 3, 3, 3), s(4), s(2, 4, 5, 6)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shapes.conv("conv3x3", x, s(4, 2, 3, 3), s(4), y));
        assertTrue(e.getMessage().startsWith("conv3x3 weight: expected 108"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.conv("conv3x3", x, s(4, 3, 3, 3), s(3), y));
    }

    @Test
    void convolutionBackwardNeedsTheOutputForRelu() {
        Tensor x = s(2, 3, 5, 7), dy = s(2, 4, 5, 7), w = s(4, 3, 3, 3);
        Shapes.convBackward("conv3x3Backward", x, w, null, dy, false, null, s(4, 3, 3, 3), s(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shapes.convBackward("conv3x3Backward", x, w, null, dy, true, null, s(4, 3, 3, 3), s(4)));
        assertEquals("conv3x3Backward: relu needs the layer's output y", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Shapes.convBackward("conv3x3Backward", x, w, null, dy, false, s(2, 3, 5, 6), s(4, 3, 3, 3), s(4)));
    }

    @Test
    void poolingShapes() {
        Shapes.pool("maxPool", s(1, 2, 7, 7), s(1, 2, 4, 4));
        Shapes.pool("maxPool", s(1, 2, 28, 28), s(1, 2, 14, 14));
        assertThrows(IllegalArgumentException.class, () -> Shapes.pool("maxPool", s(1, 2, 7, 7), s(1, 2, 3, 3)));
    }

    @Test
    void gatherStaysInsideTheOrder() {
        ImageSet images = new ImageSet(100, 28, 28) {};
        Shapes.gather(images, 90, 100, s(10, 1, 28, 28), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shapes.gather(images, 95, 100, s(10, 1, 28, 28), null));
        assertEquals("gather: batch [95, 105) outside an order of 100", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.gather(images, 0, 100, s(10, 1, 28, 28), s(9, 1, 28, 28)));
    }

    @Test
    void lossSlotViewsAndNewTensorsAreBounded() {
        Tensor logits = s(2, 1, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> Shapes.loss("sigmoidCrossEntropy", logits, logits, logits, s(4), 4));
        assertThrows(IllegalArgumentException.class, () -> Shapes.loss("sigmoidCrossEntropy", logits, logits, logits, s(4), -1));
        Shapes.loss("sigmoidCrossEntropy", logits, logits, logits, s(4), 3);
        Shapes.view(s(10), 6, 4);
        assertThrows(IllegalArgumentException.class, () -> Shapes.view(s(10), 7, 4));
        assertEquals("view: [-1, 3) outside [10]", assertThrows(IllegalArgumentException.class, () -> Shapes.view(s(10), -1, 4)).getMessage());
        assertEquals("zeros: negative dimension in [2, -3]", assertThrows(IllegalArgumentException.class, () -> Shapes.zeros(2, -3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.zeros(65536, 65536));
    }

    @Test
    void decoderVariantChecks() {
        Tensor x = s(1, 2, 4, 4), weight = s(2, 3, 3, 3), bias = s(3);
        Shapes.transposedConv("transposedConv3x3", x, weight, bias, s(1, 3, 7, 8));
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> Shapes.transposedConv("transposedConv3x3", x, weight, bias, s(1, 3, 9, 8)));
        assertTrue(tooLarge.getMessage().contains("2 x input - 1 or 2 x input"), tooLarge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.transposedConv("transposedConv3x3", x, s(3, 3, 3, 3), bias, s(1, 3, 8, 8)));
        assertThrows(IllegalArgumentException.class, () -> Shapes.transposedConvBackward("transposedConv3x3Backward", x, weight, null,
                s(1, 3, 8, 8), true, null, s(2, 3, 3, 3), bias));
        assertThrows(IllegalArgumentException.class, () -> Shapes.unpoolBackward("maxUnpoolBackward", s(1, 2, 7, 7), s(1, 2, 4, 4),
                s(1, 2, 7, 6), s(1, 2, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> Shapes.bilinearResize("bilinearResize", s(1, 2, 0, 4), s(1, 2, 7, 7)));
    }
}
