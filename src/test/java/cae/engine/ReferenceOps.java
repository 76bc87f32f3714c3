package cae.engine;

/**
 * SPEC section 2's ops written the plainest way, in double precision: the yardstick the engines'
 * float32 forwards are checked against and whose finite differences check their backwards.
 * Tensors are flat NCHW arrays; kernels are OIHW.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    /** 3x3 stride-1 convolution with one cell of zero padding on every side, plus bias, then ReLU if asked. */
    public static double[] conv3x3(double[] x, double[] weight, double[] bias,
                                   int n, int cin, int cout, int h, int w, boolean relu) {
        double[] y = new double[n * cout * h * w];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++) {
                        double sum = bias[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int sr = r + ky - 1, sc = c + kx - 1;
                                    if (sr < 0 || sr >= h || sc < 0 || sc >= w) continue;
                                    sum += weight[((co * cin + ci) * 3 + ky) * 3 + kx]
                                            * x[((s * cin + ci) * h + sr) * w + sc];
                                }
                        y[((s * cout + co) * h + r) * w + c] = relu ? Math.max(sum, 0) : sum;
                    }
        return y;
    }

    /** TensorFlow SAME padding before the first window of a 2x2 stride-2 pool over {@code in} cells. */
    public static int poolPadBefore(int in) {
        int out = (in + 1) / 2;
        int total = Math.max((out - 1) * 2 + 2 - in, 0);
        return total / 2;
    }

    /** 2x2 stride-2 max-pool, SAME padding; padded cells take no part in the max. */
    public static double[] maxPool(double[] x, int n, int channels, int h, int w) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2, top = poolPadBefore(h), left = poolPadBefore(w);
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int r = oy * 2 - top; r < oy * 2 - top + 2; r++)
                        for (int c = ox * 2 - left; c < ox * 2 - left + 2; c++)
                            if (r >= 0 && r < h && c >= 0 && c < w) max = Math.max(max, x[(p * h + r) * w + c]);
                    y[(p * oh + oy) * ow + ox] = max;
                }
        return y;
    }

    /** TF1 nearest-neighbour source index: min(floor(dst * in / out), in - 1). */
    public static int nearestSource(int dst, int in, int out) {
        return Math.min((int) Math.floor((double) dst * in / out), in - 1);
    }

    /** Nearest-neighbour resize from h x w to oh x ow, TF1 rule (align_corners = half_pixel_centers = false). */
    public static double[] resize(double[] x, int n, int channels, int h, int w, int oh, int ow) {
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    y[(p * oh + oy) * ow + ox] = x[(p * h + nearestSource(oy, h, oh)) * w + nearestSource(ox, w, ow)];
        return y;
    }

    /**
     * Bilinear resize, TF1 rule (align_corners = half_pixel_centers = false), per axis:
     * src = dst * in / out, i0 = floor(src), i1 = min(i0 + 1, in - 1), t = src - i0.
     */
    public static double[] bilinearResize(double[] x, int n, int channels, int h, int w, int oh, int ow) {
        double[] y = new double[n * channels * oh * ow];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++) {
                double sy = (double) oy * h / oh, ty = sy - Math.floor(sy);
                int y0 = (int) Math.floor(sy), y1 = Math.min(y0 + 1, h - 1);
                for (int ox = 0; ox < ow; ox++) {
                    double sx = (double) ox * w / ow, tx = sx - Math.floor(sx);
                    int x0 = (int) Math.floor(sx), x1 = Math.min(x0 + 1, w - 1);
                    int base = p * h * w;
                    y[(p * oh + oy) * ow + ox] = (1 - ty) * (1 - tx) * x[base + y0 * w + x0]
                            + (1 - ty) * tx * x[base + y0 * w + x1]
                            + ty * (1 - tx) * x[base + y1 * w + x0]
                            + ty * tx * x[base + y1 * w + x1];
                }
            }
        return y;
    }

    /**
     * 3x3 transposed convolution, stride 2, padding 1, straight from its definition: every input
     * cell adds its kernel-weighted copy to y[co][2 iy + ky - 1][2 ix + kx - 1], where that is inside
     * the oh x ow output; then bias and ReLU if asked. weight is (cin, cout, 3, 3).
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

    /**
     * Max-unpooling: each value goes to the first (row-major) largest real cell of its 2x2 SAME
     * window in {@code poolInput} (n x channels x h x w), zeros elsewhere.
     */
    public static double[] maxUnpool(double[] values, double[] poolInput, int n, int channels, int h, int w) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2, top = poolPadBefore(h), left = poolPadBefore(w);
        double[] out = new double[n * channels * h * w];
        for (int p = 0; p < n * channels; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int best = -1;
                    for (int r = oy * 2 - top; r < oy * 2 - top + 2; r++)
                        for (int c = ox * 2 - left; c < ox * 2 - left + 2; c++) {
                            if (r < 0 || r >= h || c < 0 || c >= w) continue;
                            int i = (p * h + r) * w + c;
                            if (best < 0 || poolInput[i] > poolInput[best]) best = i;
                        }
                    out[best] = values[(p * oh + oy) * ow + ox];
                }
        return out;
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Mean over all elements of the stable sigmoid cross-entropy max(x,0) - x z + log(1 + exp(-|x|)). */
    public static double sigmoidCrossEntropy(double[] logits, double[] target) {
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            double x = logits[i];
            sum += Math.max(x, 0) - x * target[i] + Math.log1p(Math.exp(-Math.abs(x)));
        }
        return sum / logits.length;
    }
}
