package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The ReLU's gradient, shared by both convolutions' backward passes. */
final class Relu {
    private Relu() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** dy = 0 where y <= 0, as a vector blend: a branch per element costs more than the convolutions. */
    static void mask(float[] y, int yo, float[] dy, int dyo, int length) {
        int i = 0;
        for (int upper = SPECIES.loopBound(length); i < upper; i += SPECIES.length()) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, yo + i);
            FloatVector.fromArray(SPECIES, dy, dyo + i).blend(0f, yv.compare(VectorOperators.LE, 0f)).intoArray(dy, dyo + i);
        }
        for (; i < length; i++) if (y[yo + i] <= 0f) dy[dyo + i] = 0f;
    }
}
