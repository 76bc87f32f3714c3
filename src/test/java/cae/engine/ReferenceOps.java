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
