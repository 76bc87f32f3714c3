package cae.metrics;

/**
 * The one-dimensional Gaussian window of scipy.ndimage.gaussian_filter, which both SSIM and the blur
 * baseline use: weights exp(-x^2 / (2 sigma^2)) for x from -radius to radius, radius = floor(truncate
 * sigma + 0.5), divided by their sum; and scipy's 'reflect' border (d c b a | a b c d | d c b a, the
 * edge cell repeated), so a blurred border matches scipy's. The sum of a window is taken as scipy's
 * correlate1d takes a symmetric one: the centre first, then the pairs from the outermost in.
 */
final class GaussianWindow {
    /** scipy's default truncation, the blur's. */
    static final double BLUR_TRUNCATE = 4.0;

    final double sigma;
    final int radius;
    /** weights[k] for offset k - radius. */
    final double[] weights;

    GaussianWindow(double sigma, double truncate) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) throw new IllegalArgumentException("a Gaussian window needs sigma > 0, got " + sigma);
        this.sigma = sigma;
        radius = (int) (truncate * sigma + 0.5);
        weights = new double[2 * radius + 1];
        double sum = 0, scale = -0.5 / (sigma * sigma);
        for (int k = -radius; k <= radius; k++) sum += weights[k + radius] = Math.exp(scale * k * k);
        for (int k = 0; k < weights.length; k++) weights[k] /= sum;
    }

    /** The window's size, 2 radius + 1. */
    int size() { return weights.length; }

    /** The cell that 'reflect' reads for index i along an axis of n cells (any i: the pattern repeats with period 2n). */
    static int reflect(int i, int n) {
        int period = 2 * n, m = Math.floorMod(i, period);
        return m < n ? m : period - 1 - m;
    }

    /**
     * sum over k of weights[k] line[at + (k - radius) step], scipy's order; the caller makes sure every
     * index read lies inside {@code line}.
     */
    double apply(double[] line, int at, int step) {
        double sum = line[at] * weights[radius];
        for (int k = radius; k >= 1; k--) sum += (line[at - k * step] + line[at + k * step]) * weights[radius - k];
        return sum;
    }
}
