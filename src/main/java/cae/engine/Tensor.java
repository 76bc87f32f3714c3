package cae.engine;

import java.util.Arrays;

/**
 * A float32 array with a shape, living in one engine's memory. Shapes are NCHW for activations,
 * OIHW for convolution kernels and flat for parameter buffers. Only the engine that made a tensor can
 * read or write its contents.
 */
public abstract class Tensor {
    private final int[] shape;
    private final int size;

    protected Tensor(int... shape) {
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        this.size = (int) n;
    }

    public final int[] shape() { return shape.clone(); }
    public final int dim(int i) { return shape[i]; }
    public final int rank() { return shape.length; }
    public final int size() { return size; }

    /** Batch, channels, height, width of a rank-4 tensor. */
    public final int n() { return shape[0]; }
    public final int c() { return shape[1]; }
    public final int h() { return shape[2]; }
    public final int w() { return shape[3]; }

    @Override public String toString() { return getClass().getSimpleName() + Arrays.toString(shape); }
}
