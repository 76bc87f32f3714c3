package cae.engine.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How --fusion auto decides that a fused way computed the same as the separate way (no GPU needed). */
class FusionChoicesTest {
    @Test
    void roundingAgreesAndAFaultDoesNot() {
        float[] expected = {1f, -2f, 3f, 0.5f};
        float[] rounded = expected.clone();
        rounded[2] = Math.nextUp(rounded[2]);
        assertTrue(FusionChoices.relativeError(new float[][] {rounded}, new float[][] {expected}) <= FusionChoices.AGREEMENT);

        float[] wrongCell = expected.clone();
        wrongCell[1] = 0f;  // an unwritten or misplaced element
        assertFalse(FusionChoices.relativeError(new float[][] {wrongCell}, new float[][] {expected}) <= FusionChoices.AGREEMENT);

        float[] unwritten = expected.clone();
        unwritten[3] = FusionChoices.UNWRITTEN;  // what a cell the fused way skipped still holds
        assertFalse(FusionChoices.relativeError(new float[][] {unwritten}, new float[][] {expected}) <= FusionChoices.AGREEMENT);

        float[] nan = expected.clone();
        nan[0] = Float.NaN;
        assertFalse(FusionChoices.relativeError(new float[][] {nan}, new float[][] {expected}) <= FusionChoices.AGREEMENT);
    }

    @Test
    void theWorstTensorDecidesAndAbsentOnesAreSkipped() {
        float[][] expected = {{1f, 1f}, null, {0f, 0f}, {4f, 4f}};
        float[][] actual = {{1f, 1f}, null, {0f, 0f}, {4f, 5f}};
        assertEquals(1 / Math.sqrt(32), FusionChoices.relativeError(actual, expected), 1e-12);
        assertEquals(0, FusionChoices.relativeError(new float[][] {{0f}}, new float[][] {{0f}}));
        // a NaN in one tensor is not hidden by an exact one after it
        assertTrue(Double.isNaN(FusionChoices.relativeError(new float[][] {{Float.NaN}, {1f}}, new float[][] {{1f}, {1f}})));
    }

    /** Only auto times (a case it has not seen yet, which needs a GPU to settle); off runs the separate way untimed. */
    @Test
    void needsTimingOnlyUnderAutoAndOffRunsTheSeparateWay() {
        assertFalse(new FusionChoices(Fusion.OFF, null, true).needsTiming("direct conv forward 2x3->4 5x5"));
        assertFalse(new FusionChoices(Fusion.ON, null, true).needsTiming("direct conv forward 2x3->4 5x5"));
        FusionChoices auto = new FusionChoices(Fusion.AUTO, null, true);
        assertTrue(auto.needsTiming("direct conv forward 2x3->4 5x5"));
        boolean[] ran = new boolean[1];
        new FusionChoices(Fusion.OFF, null, true).run("x", () -> ran[0] = true, () -> { throw new AssertionError("off fused"); });
        assertTrue(ran[0]);
    }
}
