package cae.engine.cpu;

import cae.engine.Tensor;

/** A tensor in a Java float array, possibly a window of a larger one (parameter views). */
final class CpuTensor extends Tensor {
    final float[] data;
    final int offset;

    CpuTensor(float[] data, int offset, int... shape) {
        super(shape);
        if (offset < 0 || offset + size() > data.length)
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + size()) + ") outside buffer of " + data.length);
        this.data = data;
        this.offset = offset;
    }
}
