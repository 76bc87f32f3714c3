package cae.engine.reference;

import cae.engine.Tensor;

/** A tensor of doubles, possibly a window of a larger one (parameter views). */
final class ReferenceTensor extends Tensor {
    final double[] data;
    final int offset;

    ReferenceTensor(double[] data, int offset, int... shape) {
        super(shape);
        this.data = data;
        this.offset = offset;
    }

    /** A copy of the values. */
    double[] values() {
        double[] v = new double[size()];
        System.arraycopy(data, offset, v, 0, v.length);
        return v;
    }

    void set(double[] values) { System.arraycopy(values, 0, data, offset, size()); }
}
