package cae.engine.reference;

import cae.engine.Shapes;

/**
 * Every op of docs/SPEC.md §2, forward and backward, written the plainest way in double precision:
 * the specification the engines are held to, and the function whose finite differences check their
 * gradients. Tensors are flat NCHW arrays, convolution kernels OIHW (transposed ones (Cin, Cout, 3,
 * 3)); every function returns a new array. The index rules are {@link Shapes}'.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    // ---- convolution ----

    /** The input cell that tap (ky, kx) of a 3x3 SAME convolution reads for output (r, c), or -1 in the padding. */
    private static int tap(int r, int c, int ky, int kx, int h, int w) {
        int sr = r + ky - 1, sc = c + kx - 1;
        return sr < 0 || sr >= h || sc < 0 || sc >= w ? -1 : sr * w + sc;
    }

    /** 3x3 stride-1 convolution with one cell of zero padding on every side, plus bias, then ReLU if asked. */
    public static double[] conv3x3(double[] x, double[] weight, double[] bias, int n, int cin, int cout, int h, int w, boolean relu) {
        double[] y = new double[n * cout * h * w];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++) {
                        double sum = bias[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int i = tap(r, c, ky, kx, h, w);
                                    if (i >= 0) sum += weight[((co * cin + ci) * 3 + ky) * 3 + kx] * x[(s * cin + ci) * h * w + i];
                                }
                        y[((s * cout + co) * h + r) * w + c] = relu ? Math.max(sum, 0) : sum;
                    }
        return y;
    }

    /** The gradient through a ReLU: dy where y > 0, else 0. */
    public static double[] reluMask(double[] y, double[] dy) {
        double[] masked = new double[dy.length];
        for (int i = 0; i < dy.length; i++) masked[i] = y[i] > 0 ? dy[i] : 0;
        return masked;
    }

    /** The convolution's input gradient: each output gradient goes back through every tap that read a cell. */
    public static double[] conv3x3InputGradient(double[] dy, double[] weight, int n, int cin, int cout, int h, int w) {
        double[] dx = new double[n * cin * h * w];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++) {
                        double g = dy[((s * cout + co) * h + r) * w + c];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int i = tap(r, c, ky, kx, h, w);
                                    if (i >= 0) dx[(s * cin + ci) * h * w + i] += weight[((co * cin + ci) * 3 + ky) * 3 + kx] * g;
                                }
                    }
        return dx;
    }

    /** The convolution's weight gradient (Cout, Cin, 3, 3), summed over the batch. */
    public static double[] conv3x3WeightGradient(double[] x, double[] dy, int n, int cin, int cout, int h, int w) {
        double[] dWeight = new double[cout * cin * 9];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++) {
                        double g = dy[((s * cout + co) * h + r) * w + c];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int i = tap(r, c, ky, kx, h, w);
                                    if (i >= 0) dWeight[((co * cin + ci) * 3 + ky) * 3 + kx] += x[(s * cin + ci) * h * w + i] * g;
                                }
                    }
        return dWeight;
    }

    /** Each channel's sum over the batch and the plane. */
    public static double[] biasGradient(double[] dy, int n, int channels, int plane) {
        double[] dBias = new double[channels];
        for (int i = 0; i < n * channels * plane; i++) dBias[i / plane % channels] += dy[i];
        return dBias;
    }

    /**
     * 3x3 transposed convolution, stride 2, padding 1, straight from its definition: every input cell
     * adds its kernel-weighted copy to y[co][2 iy + ky - 1][2 ix + kx - 1], where that is inside the
     * oh x ow output; then bias and ReLU if asked. weight is (cin, cout, 3, 3).
     */
    public static double[] transposedConv3x3(double[] x, double[] weight, double[] bias, int n, int cin, int cout,
                                             int h, int w, int oh, int ow, boolean relu) {
        double[] y = new double[n * cout * oh * ow];
        for (int s = 0; s < n; s++) {
            for (int ci = 0; ci < cin; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++) {
                        double v = x[((s * cin + ci) * h + iy) * w + ix];
                        for (int co = 0; co < cout; co++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int r = 2 * iy + ky - 1, c = 2 * ix + kx - 1;
                                    if (r < 0 || r >= oh || c < 0 || c >= ow) continue;
                                    y[((s * cout + co) * oh + r) * ow + c] += v * weight[((ci * cout + co) * 3 + ky) * 3 + kx];
                                }
                    }
            for (int co = 0; co < cout; co++)
                for (int i = 0; i < oh * ow; i++) {
                    int k = (s * cout + co) * oh * ow + i;
                    y[k] += bias[co];
                    if (relu) y[k] = Math.max(y[k], 0);
                }
        }
        return y;
    }

    /** The transposed convolution's input gradient: each input cell collects the output gradients it was spread to. */
    public static double[] transposedConv3x3InputGradient(double[] dy, double[] weight, int n, int cin, int cout,
                                                          int h, int w, int oh, int ow) {
        double[] dx = new double[n * cin * h * w];
        for (int s = 0; s < n; s++)
            for (int ci = 0; ci < cin; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++) {
                        double sum = 0;
                        for (int co = 0; co < cout; co++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int r = 2 * iy + ky - 1, c = 2 * ix + kx - 1;
                                    if (r < 0 || r >= oh || c < 0 || c >= ow) continue;
                                    sum += dy[((s * cout + co) * oh + r) * ow + c] * weight[((ci * cout + co) * 3 + ky) * 3 + kx];
                                }
                        dx[((s * cin + ci) * h + iy) * w + ix] = sum;
                    }
        return dx;
    }

    /** The transposed convolution's weight gradient (Cin, Cout, 3, 3), summed over the batch. */
    public static double[] transposedConv3x3WeightGradient(double[] x, double[] dy, int n, int cin, int cout,
                                                           int h, int w, int oh, int ow) {
        double[] dWeight = new double[cin * cout * 9];
        for (int s = 0; s < n; s++)
            for (int ci = 0; ci < cin; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++) {
                        double v = x[((s * cin + ci) * h + iy) * w + ix];
                        for (int co = 0; co < cout; co++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int r = 2 * iy + ky - 1, c = 2 * ix + kx - 1;
                                    if (r < 0 || r >= oh || c < 0 || c >= ow) continue;
                                    dWeight[((ci * cout + co) * 3 + ky) * 3 + kx] += v * dy[((s * cout + co) * oh + r) * ow + c];
                                }
                    }
        return dWeight;
    }

    // ---- pooling ----

    /**
     * The index (in its plane of h x w) of the first largest real cell, row-major, of the 2x2 SAME
     * window (oy, ox); padded cells take no part.
     */
    public static int windowArgMax(double[] x, int planeStart, int h, int w, int oy, int ox) {
        int top = oy * 2 - Shapes.poolPadBefore(h), left = ox * 2 - Shapes.poolPadBefore(w), best = -1;
        for (int r = top; r < top + 2; r++)
            for (int c = left; c < left + 2; c++) {
                if (r < 0 || r >= h || c < 0 || c >= w) continue;
                int i = r * w + c;
                if (best < 0 || x[planeStart + i] > x[planeStart + best]) best = i;
            }
        return best;
    }

    /** 2x2 stride-2 max-pool, SAME padding. */
    public static double[] maxPool(double[] x, int n, int channels, int h, int w) {
        int oh = Shapes.pooled(h), ow = Shapes.pooled(w);
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    y[(p * oh + oy) * ow + ox] = x[p * h * w + windowArgMax(x, p * h * w, h, w, oy, ox)];
        return y;
    }

    /** Each window's value put back at its first arg-max in {@code poolInput}, zeros elsewhere: max-unpooling, and the max-pool's gradient. */
    public static double[] maxUnpool(double[] values, double[] poolInput, int n, int channels, int h, int w) {
        int oh = Shapes.pooled(h), ow = Shapes.pooled(w);
        double[] out = new double[n * channels * h * w];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    out[p * h * w + windowArgMax(poolInput, p * h * w, h, w, oy, ox)] = values[(p * oh + oy) * ow + ox];
        return out;
    }

    /** The gradient of max-unpooling: each window takes the output gradient at its first arg-max. */
    public static double[] maxUnpoolGradient(double[] dOut, double[] poolInput, int n, int channels, int h, int w) {
        int oh = Shapes.pooled(h), ow = Shapes.pooled(w);
        double[] dValues = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    dValues[(p * oh + oy) * ow + ox] = dOut[p * h * w + windowArgMax(poolInput, p * h * w, h, w, oy, ox)];
        return dValues;
    }

    // ---- resizing ----

    /** Nearest-neighbour resize from h x w to oh x ow, TF1 rule ({@link Shapes#nearestSource}). */
    public static double[] resize(double[] x, int n, int channels, int h, int w, int oh, int ow) {
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    y[(p * oh + oy) * ow + ox] = x[(p * h + Shapes.nearestSource(oy, h, oh)) * w + Shapes.nearestSource(ox, w, ow)];
        return y;
    }

    /** The nearest resize's gradient: each output cell's gradient summed into its source cell. */
    public static double[] resizeGradient(double[] dy, int n, int channels, int h, int w, int oh, int ow) {
        double[] dx = new double[n * channels * h * w];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    dx[(p * h + Shapes.nearestSource(oy, h, oh)) * w + Shapes.nearestSource(ox, w, ow)] += dy[(p * oh + oy) * ow + ox];
        return dx;
    }

    /** The weight of the upper source cell along one axis, in double. */
    private static double bilinearWeight(int dst, int in, int out) { return (double) Shapes.bilinearRemainder(dst, in, out) / out; }

    /**
     * Bilinear resize, TF1 rule (align_corners = half_pixel_centers = false): each output cell is the
     * weighted sum of its four source cells ({@link Shapes#bilinearLow}, {@link Shapes#bilinearHigh}).
     */
    public static double[] bilinearResize(double[] x, int n, int channels, int h, int w, int oh, int ow) {
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int y0 = Shapes.bilinearLow(oy, h, oh), y1 = Shapes.bilinearHigh(oy, h, oh);
                    int x0 = Shapes.bilinearLow(ox, w, ow), x1 = Shapes.bilinearHigh(ox, w, ow);
                    double ty = bilinearWeight(oy, h, oh), tx = bilinearWeight(ox, w, ow);
                    int base = p * h * w;
                    y[(p * oh + oy) * ow + ox] = (1 - ty) * (1 - tx) * x[base + y0 * w + x0] + (1 - ty) * tx * x[base + y0 * w + x1]
                            + ty * (1 - tx) * x[base + y1 * w + x0] + ty * tx * x[base + y1 * w + x1];
                }
        return y;
    }

    /** The bilinear resize's gradient: each output cell's gradient spread over its four source cells with the same weights. */
    public static double[] bilinearResizeGradient(double[] dy, int n, int channels, int h, int w, int oh, int ow) {
        double[] dx = new double[n * channels * h * w];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int y0 = Shapes.bilinearLow(oy, h, oh), y1 = Shapes.bilinearHigh(oy, h, oh);
                    int x0 = Shapes.bilinearLow(ox, w, ow), x1 = Shapes.bilinearHigh(ox, w, ow);
                    double ty = bilinearWeight(oy, h, oh), tx = bilinearWeight(ox, w, ow), g = dy[(p * oh + oy) * ow + ox];
                    int base = p * h * w;
                    dx[base + y0 * w + x0] += (1 - ty) * (1 - tx) * g;
                    dx[base + y0 * w + x1] += (1 - ty) * tx * g;
                    dx[base + y1 * w + x0] += ty * (1 - tx) * g;
                    dx[base + y1 * w + x1] += ty * tx * g;
                }
        return dx;
    }

    // ---- output, loss, optimizer ----

    public static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** Mean over all elements of the stable sigmoid cross-entropy max(x,0) - x z + log(1 + exp(-|x|)). */
    public static double sigmoidCrossEntropy(double[] logits, double[] target) {
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            double x = logits[i];
            sum += Math.max(x, 0) - x * target[i] + Math.log1p(Math.exp(-Math.abs(x)));
        }
        return sum / logits.length;
    }

    /** The mean cross-entropy's gradient with respect to the logits: (sigmoid(x) - z) / count. */
    public static double[] sigmoidCrossEntropyGradient(double[] logits, double[] target) {
        double[] g = new double[logits.length];
        for (int i = 0; i < logits.length; i++) g[i] = (sigmoid(logits[i]) - target[i]) / logits.length;
        return g;
    }

    /** One Adam step, TensorFlow 1 form, in place on p, m and v. */
    public static void adam(double[] p, double[] g, double[] m, double[] v, double lrT, double beta1, double beta2, double epsilon) {
        for (int i = 0; i < p.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            p[i] -= lrT * m[i] / (Math.sqrt(v[i]) + epsilon);
        }
    }
}
