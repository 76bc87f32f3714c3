package cae.engine.cpu;

import java.util.Arrays;

/**
 * A 3x3 stride-2 transposed convolution with padding 1 is an ordinary 3x3 SAME convolution of the
 * input spread over the output grid with zeros between (up[2 iy][2 ix] = x[iy][ix], zero elsewhere)
 * by the kernel with its channel axes swapped and its taps flipped:
 * w'[co][ci][ky][kx] = w[ci][co][2 - ky][2 - kx]. (Output cell oy takes x[iy] through tap
 * ky = oy - 2 iy + 1 of w; the SAME convolution reads up[2 iy] = up[oy + a - 1] through tap a = 2 - ky.)
 * So the engine runs it on the vectorised stride-1 kernels, and backward follows: the gradient of x
 * is the gradient of the spread input at its even cells, and the gradient of w' maps back to w.
 *
 * <p>One instance per worker: it holds that worker's spread input and spread-input gradient, grown
 * once per shape.
 */
final class TransposedConvolution {
    private float[] spread = new float[0];
    private int channels = -1, height = -1, width = -1; // the shape whose odd cells `spread` holds as zeros
    private float[] spreadGradient = new float[0];

    /** Whether an (h, w) input may give an (oh, ow) output: 2 h - 1 or 2 h per axis. */
    static boolean validOutput(int h, int w, int oh, int ow) {
        return (oh == 2 * h - 1 || oh == 2 * h) && (ow == 2 * w - 1 || ow == 2 * w);
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

    /** One sample's input (channels x h x w at {@code xo}) spread over oh x ow, zeros between. */
    float[] spread(float[] x, int xo, int channels, int h, int w, int oh, int ow) {
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
    float[] spreadGradient(int size) {
        if (spreadGradient.length < size) spreadGradient = new float[size];
        return spreadGradient;
    }

    /** dx[c][iy][ix] = up[c][2 iy][2 ix]: the inverse of {@link #spread}, and its adjoint. */
    static void evenCells(float[] up, int channels, int oh, int ow, float[] dx, int dxo, int h, int w) {
        for (int c = 0; c < channels; c++)
            for (int iy = 0; iy < h; iy++) {
                int src = (c * oh + 2 * iy) * ow, dst = dxo + (c * h + iy) * w;
                for (int ix = 0; ix < w; ix++) dx[dst + ix] = up[src + 2 * ix];
            }
    }
}
