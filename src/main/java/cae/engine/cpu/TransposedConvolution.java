package cae.engine.cpu;

import java.util.Arrays;

/**
 * The 3x3 stride-2 transposed convolution with padding 1, run on the stride-1 kernels: it is an
 * ordinary 3x3 SAME convolution of the input spread over the output grid with zeros between
 * (up[2 iy][2 ix] = x[iy][ix], zero elsewhere) by the kernel with its channel axes swapped and its
 * taps flipped: w'[co][ci][ky][kx] = w[ci][co][2 - ky][2 - kx]. (Output cell oy takes x[iy] through
 * tap ky = oy - 2 iy + 1 of w; the SAME convolution reads up[2 iy] = up[oy + a - 1] through tap
 * a = 2 - ky.) Backward follows: the gradient of x is the gradient of the spread input at its even
 * cells, and the gradient of w' maps back to w.
 */
final class TransposedConvolution {
    private final WorkerPool pool;
    private final ConvKernels[] kernels;
    private final boolean vectors;
    private final GradientBlocks gradients;
    private final Spread[] spread;
    /** The kernel as the equivalent stride-1 convolution's, w' (cout, cin, 3, 3). */
    private float[] swappedKernel = new float[0];
    private final Forward forward = new Forward();
    private final Backward backward = new Backward();

    TransposedConvolution(WorkerPool pool, ConvKernels[] kernels, boolean vectors, GradientBlocks gradients) {
        this.pool = pool;
        this.kernels = kernels;
        this.vectors = vectors;
        this.gradients = gradients;
        spread = new Spread[kernels.length];
        for (int i = 0; i < spread.length; i++) spread[i] = new Spread();
    }

    /**
     * Where element {@code i} of a kernel laid out (rows, cols, 3, 3) goes in the swapped and flipped
     * layout (cols, rows, 3, 3). The mapping is its own inverse once rows and cols are exchanged.
     */
    static int swappedIndex(int i, int rows, int cols) {
        int tap = i % 9, pair = i / 9, r = pair / cols, c = pair % cols;
        return (c * rows + r) * 9 + 8 - tap;
    }

    /** w' (cout, cin, 3, 3) from the transposed convolution's w (cin, cout, 3, 3) at {@code wo}. */
    static void swapAndFlip(float[] w, int wo, int cin, int cout, float[] swapped) {
        int n = cin * cout * 9;
        for (int i = 0; i < n; i++) swapped[swappedIndex(i, cin, cout)] = w[wo + i];
    }

    private void swapKernel(CpuTensor weight, int cin, int cout) {
        if (swappedKernel.length < weight.size()) swappedKernel = new float[weight.size()];
        swapAndFlip(weight.data, weight.offset, cin, cout, swappedKernel);
    }

    /** One worker's spread input and spread-input gradient, grown once per shape. */
    static final class Spread {
        private float[] spread = new float[0];
        private int channels = -1, height = -1, width = -1; // the shape whose odd cells `spread` holds as zeros
        private float[] gradient = new float[0];

        /** One sample's input (channels x h x w at {@code xo}) spread over oh x ow, zeros between. */
        float[] input(float[] x, int xo, int channels, int h, int w, int oh, int ow) {
            int need = channels * oh * ow;
            if (spread.length < need) {
                spread = new float[need];
            } else if (channels != this.channels || oh != height || ow != width) {
                Arrays.fill(spread, 0, need, 0f);
            }
            this.channels = channels; height = oh; width = ow;
            for (int c = 0; c < channels; c++)
                for (int iy = 0; iy < h; iy++) {
                    int src = xo + (c * h + iy) * w, dst = (c * oh + 2 * iy) * ow;
                    for (int ix = 0; ix < w; ix++) spread[dst + 2 * ix] = x[src + ix];
                }
            return spread;
        }

        /** Scratch for the gradient of the spread input, at least {@code size} long. */
        float[] gradient(int size) {
            if (gradient.length < size) gradient = new float[size];
            return gradient;
        }
    }

    /** dx[c][iy][ix] = up[c][2 iy][2 ix]: the inverse of {@link Spread#input}, and its adjoint. */
    static void evenCells(float[] up, int channels, int oh, int ow, float[] dx, int dxo, int h, int w) {
        for (int c = 0; c < channels; c++)
            for (int iy = 0; iy < h; iy++) {
                int src = (c * oh + 2 * iy) * ow, dst = dxo + (c * h + iy) * w;
                for (int ix = 0; ix < w; ix++) dx[dst + ix] = up[src + 2 * ix];
            }
    }

    private final class Forward implements WorkerPool.Task {
        CpuTensor x, bias, y; boolean relu;

        @Override public void run(int s, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = y.c(), oh = y.h(), ow = y.w();
            float[] up = spread[worker].input(x.data, x.offset + s * cin * h * w, cin, h, w, oh, ow);
            kernels[worker].forward(up, 0, cin, oh, ow, swappedKernel, 0, bias.data, bias.offset, cout,
                    y.data, y.offset + s * cout * oh * ow, relu);
        }
    }

    void forward(CpuTensor x, CpuTensor weight, CpuTensor bias, CpuTensor y, boolean relu) {
        swapKernel(weight, x.c(), y.c());
        Forward f = forward;
        f.x = x; f.bias = bias; f.y = y; f.relu = relu;
        pool.forEach(x.n(), f);
    }

    /** Per sample, as {@link Convolution}'s: dx, and the sample's partial w' and bias gradients. */
    private final class Backward implements GradientBlocks.SampleBody {
        CpuTensor x, dy, dx;

        @Override public void run(int s, int worker, float[] partials, int partial) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = dy.c(), oh = dy.h(), ow = dy.w(), plane = oh * ow;
            Spread scratch = spread[worker];
            int dyo = dy.offset + s * cout * plane;
            if (dx != null) {
                float[] dUp = scratch.gradient(cin * plane);
                kernels[worker].backwardData(dy.data, dyo, cout, oh, ow, swappedKernel, 0, cin, dUp, 0);
                evenCells(dUp, cin, oh, ow, dx.data, dx.offset + s * cin * h * w, h, w);
            }
            float[] up = scratch.input(x.data, x.offset + s * cin * h * w, cin, h, w, oh, ow);
            kernels[worker].backwardFilter(up, 0, cin, oh, ow, dy.data, dyo, cout,
                    partials, partial, partials, partial + cout * cin * 9);
        }
    }

    void backward(CpuTensor x, CpuTensor weight, CpuTensor y, CpuTensor dy, boolean relu,
                  CpuTensor dx, CpuTensor dWeight, CpuTensor dBias) {
        int cout = dy.c();
        swapKernel(weight, x.c(), cout);
        Backward b = backward;
        b.x = x; b.dy = dy; b.dx = dx;
        gradients.backward(pool, vectors, y, dy, relu, b, cout, dWeight, dBias);
    }
}
