package cae.engine.cuda;

import cae.engine.Tensor;

/**
 * The argument checks of every op, the same rules as the CPU engine's, run on the host before
 * anything is queued on the GPU (a bad shape there would read or write out of bounds, not throw).
 */
final class ShapeChecks {
    private ShapeChecks() {}

    static void size(Tensor t, long size, String what) {
        if (t.size() != size) throw new IllegalArgumentException(what + ": expected " + size + " elements, got " + t);
    }

    static void conv(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n() || x.h() != y.h() || x.w() != y.w())
            throw new IllegalArgumentException("conv3x3: input " + x + " and output " + y + " do not match");
        size(weight, (long) y.c() * x.c() * 9, "conv3x3 weight");
        size(bias, y.c(), "conv3x3 bias");
    }

    static void convBackward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                             Tensor dx, Tensor dWeight, Tensor dBias) {
        conv(x, weight, dBias, dy);
        if (dx != null) size(dx, x.size(), "conv3x3Backward dx");
        if (relu) {
            if (y == null) throw new IllegalArgumentException("conv3x3Backward: relu needs the layer output y");
            size(y, dy.size(), "conv3x3Backward y");
        }
        size(dWeight, weight.size(), "conv3x3Backward dWeight");
    }

    static void pool(Tensor x, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n() || x.c() != y.c()
                || y.h() != (x.h() + 1) / 2 || y.w() != (x.w() + 1) / 2)
            throw new IllegalArgumentException("maxPool: " + x + " cannot pool to " + y);
    }

    static void resize(Tensor small, Tensor large) {
        if (small.rank() != 4 || large.rank() != 4 || small.n() != large.n() || small.c() != large.c())
            throw new IllegalArgumentException("resize: " + small + " and " + large + " do not match");
    }

    /** The transposed convolution's output side must be 2 H - 1 or 2 H (stride 2, padding 1, kernel 3). */
    static void transposedConv(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        if (x.rank() != 4 || y.rank() != 4 || x.n() != y.n() || !stride2Output(x.h(), y.h()) || !stride2Output(x.w(), y.w()))
            throw new IllegalArgumentException("transposedConv3x3: input " + x + " cannot give output " + y
                    + " (each output side must be 2 x input - 1 or 2 x input)");
        size(weight, (long) x.c() * y.c() * 9, "transposedConv3x3 weight");
        size(bias, y.c(), "transposedConv3x3 bias");
    }

    private static boolean stride2Output(int in, int out) { return out == 2 * in - 1 || out == 2 * in; }

    static void transposedConvBackward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                       Tensor dx, Tensor dWeight, Tensor dBias) {
        transposedConv(x, weight, dBias, dy);
        if (dx != null) size(dx, x.size(), "transposedConv3x3Backward dx");
        if (relu) {
            if (y == null) throw new IllegalArgumentException("transposedConv3x3Backward: relu needs the layer output y");
            size(y, dy.size(), "transposedConv3x3Backward y");
        }
        size(dWeight, weight.size(), "transposedConv3x3Backward dWeight");
    }

    static void unpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) {
        pool(poolInput, pooled);
        size(dOut, poolInput.size(), "maxUnpoolBackward dOut");
        size(dValues, pooled.size(), "maxUnpoolBackward dValues");
    }

    static void gather(int from, int n, int orderLength, Tensor clean, Tensor noisy, int plane) {
        if (from < 0 || from + n > orderLength)
            throw new IllegalArgumentException("batch [" + from + ", " + (from + n) + ") outside an order of " + orderLength);
        size(clean, (long) n * plane, "gather clean");
        if (noisy != null) size(noisy, clean.size(), "gather noisy");
    }

    static void slot(Tensor losses, int slot) {
        if (slot < 0 || slot >= losses.size())
            throw new IllegalArgumentException("loss slot " + slot + " outside " + losses);
    }

    static void view(Tensor base, int offset, Tensor view) {
        if (offset < 0 || (long) offset + view.size() > base.size())
            throw new IllegalArgumentException("view [" + offset + ", " + ((long) offset + view.size()) + ") outside " + base);
    }
}
