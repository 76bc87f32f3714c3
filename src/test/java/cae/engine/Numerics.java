package cae.engine;

import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random test data and the comparisons the op tests share. */
public final class Numerics {
    private Numerics() {}

    public static float[] uniform(Random random, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return a;
    }

    /** Random values in [-1, 1] at least 0.05 away from zero, all distinct with probability 1 (no exact ties). */
    public static float[] awayFromZero(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v = 0.05f + 0.95f * random.nextFloat();
            a[i] = random.nextBoolean() ? v : -v;
        }
        return a;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** ||actual - expected|| / ||expected||, or ||actual - expected|| when expected is all zeros. */
    public static double relativeError(double[] expected, float[] actual) {
        if (expected.length != actual.length) throw new IllegalArgumentException("lengths differ");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    public static void assertClose(String what, double[] expected, float[] actual, double tolerance) {
        double error = relativeError(expected, actual);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    /** {@code count} distinct indices below {@code n} (all of them when n <= count), in random order. */
    public static int[] sample(Random random, int n, int count) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, Math.min(n, count));
    }

    /**
     * Checks {@code gradient} (from an engine's backward) against central differences of the double
     * function {@code loss} at {@code at}, over up to {@code count} sampled coordinates.
     */
    public static void assertGradient(String what, ToDoubleFunction<double[]> loss, double[] at, float[] gradient,
                                      Random random, int count, double step, double tolerance) {
        int[] coords = sample(random, at.length, count);
        double[] numeric = new double[coords.length];
        float[] analytic = new float[coords.length];
        for (int k = 0; k < coords.length; k++) {
            int i = coords[k];
            double saved = at[i];
            at[i] = saved + step;
            double plus = loss.applyAsDouble(at);
            at[i] = saved - step;
            double minus = loss.applyAsDouble(at);
            at[i] = saved;
            numeric[k] = (plus - minus) / (2 * step);
            analytic[k] = gradient[i];
        }
        assertClose(what + " vs central differences", numeric, analytic, tolerance);
    }
}
