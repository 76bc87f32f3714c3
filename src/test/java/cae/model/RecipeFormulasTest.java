package cae.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * docs/SPEC.md §2's formulas with the numbers written out, not recomputed by the code under test: Adam's
 * TF1 step size and the Glorot-uniform initialisation.
 */
class RecipeFormulasTest {
    @Test
    void adamStepSizeIsTheTf1BiasCorrectionForOneBasedSteps() {
        // lr * sqrt(1 - 0.999^t) / (1 - 0.9^t): 3.16228e-4 at t = 1, 2.35317e-4 at t = 2, -> lr
        assertEquals(3.16228e-4, Adam.stepSize(1e-3f, 1), 3.16228e-4 * 1e-5);
        assertEquals(2.35317e-4, Adam.stepSize(1e-3f, 2), 2.35317e-4 * 1e-5);
        assertEquals(1e-3, Adam.stepSize(1e-3f, 100_000), 1e-3 * 1e-5);
    }

    @Test
    void adamsDescriptionStatesItsConstants() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("adam\\(beta1=([^,]+), beta2=([^,]+), epsilon=([^,]+), tf1 form\\)")
                .matcher(Adam.describe());
        assertTrue(m.matches(), Adam.describe());
        assertEquals(Adam.BETA1, Float.parseFloat(m.group(1)));
        assertEquals(Adam.BETA2, Float.parseFloat(m.group(2)));
        assertEquals(Adam.EPSILON, Float.parseFloat(m.group(3)));
    }

    @Test
    void glorotUniformKernelsWithinTheirLimitsAndZeroBiases() {
        Architecture arch = Architecture.RECIPE;
        float[] values = Parameters.glorotInit(arch, 1);
        assertArrayEquals(values, Parameters.glorotInit(arch, 1), "one seed, one initialisation");
        assertFalse(java.util.Arrays.equals(values, Parameters.glorotInit(arch, 2)), "another seed, another one");
        double[] limits = {0.14213, 0.10206, 0.11785, 0.14434, 0.11785, 0.10206, 0.14213};  // sqrt(6 / (9 cin + 9 cout))
        assertEquals(limits.length, arch.layers().size());
        int offset = 0;
        for (int i = 0; i < limits.length; i++) {
            ConvLayer l = arch.layer(i);
            double largest = 0, sum = 0;
            for (int k = 0; k < l.weightCount(); k++) {
                double w = values[offset + k];
                largest = Math.max(largest, Math.abs(w));
                sum += w;
            }
            assertTrue(largest <= limits[i] + 1e-4 && largest > 0.9 * limits[i], l.name() + ": largest |w| " + largest + ", limit " + limits[i]);
            assertEquals(0, sum / l.weightCount(), 3 * limits[i] / Math.sqrt(l.weightCount()), l.name() + ": centred on 0 (5 standard errors)");
            for (int k = 0; k < l.outChannels(); k++) assertEquals(0f, values[offset + l.weightCount() + k], l.name() + " bias");
            offset += l.parameterCount();
        }
        assertEquals(arch.parameterCount(), offset);
    }
}
