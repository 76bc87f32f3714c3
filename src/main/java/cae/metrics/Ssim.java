package cae.metrics;

/**
 * The structural similarity index (Wang, Bovik, Sheikh and Simoncelli, IEEE TIP 2004) exactly as
 * scikit-image's {@code structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, channel_axis=...)} computes it, in double:
 * <ul>
 * <li>local means mu_a, mu_b and (population) moments E[a^2], E[b^2], E[ab] under a Gaussian window of
 *     sigma 1.5 truncated at 3.5 sigma (11 x 11: scipy.ndimage.gaussian_filter, rows then columns);
 * <li>per pixel S = (2 mu_a mu_b + C1)(2 cov_ab + C2) / ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2)),
 *     C1 = (0.01)^2, C2 = (0.03)^2 for data range 1;
 * <li>the mean of S over the map cropped by (11 - 1) / 2 = 5 pixels at each border, and for colour the
 *     mean of the channels' means.
 * </ul>
 * Because the crop is as wide as the window's radius, no cell of the mean ever reads past the image's
 * border, so scipy's border mode does not enter the result. Like scikit-image it refuses an image with
 * a side below the window's 11 pixels. Memory is a few rows, whatever the image's size.
 * Checked against numbers scikit-image printed ({@code anchors/ssim_check.py}).
 */
public final class Ssim {
    public static final double SIGMA = 1.5, TRUNCATE = 3.5, K1 = 0.01, K2 = 0.03;
    private static final GaussianWindow WINDOW = new GaussianWindow(SIGMA, TRUNCATE);
    /** The window's side (11): the smallest image side SSIM takes. */
    public static final int WINDOW_SIZE = WINDOW.size();

    private Ssim() {}

    /** SSIM of {@code image} against {@code reference} (symmetric), which must have its shape: 1 for equal images. */
    public static double of(FloatImage reference, FloatImage image) {
        reference.requireSameShape(image, "SSIM");
        int h = reference.height(), w = reference.width();
        if (h < WINDOW_SIZE || w < WINDOW_SIZE)
            throw new IllegalArgumentException("SSIM needs images of at least " + WINDOW_SIZE + "x" + WINDOW_SIZE
                    + " pixels (its Gaussian window's size), got " + h + "x" + w);
        double sum = 0;
        for (int c = 0; c < reference.channels(); c++) sum += channel(reference.values(), image.values(), c * h * w, h, w);
        return sum / reference.channels();
    }

    /** The mean SSIM of one plane at {@code offset} of each array. */
    private static double channel(float[] a, float[] b, int offset, int h, int w) {
        int r = WINDOW.radius, n = WINDOW.size();
        double c1 = K1 * K1, c2 = K2 * K2;
        // the 11 source rows of one output row, each value and product widened to double once per row it serves
        double[] column = new double[n];
        double[] ma = new double[w], mb = new double[w], maa = new double[w], mbb = new double[w], mab = new double[w];
        double total = 0;
        for (int y = r; y < h - r; y++) {
            for (int x = 0; x < w; x++) {
                // rows first, as gaussian_filter filters axis 0 before axis 1
                for (int k = 0; k < n; k++) column[k] = a[offset + (y - r + k) * w + x];
                ma[x] = WINDOW.apply(column, r, 1);
                for (int k = 0; k < n; k++) column[k] *= column[k];
                maa[x] = WINDOW.apply(column, r, 1);
                for (int k = 0; k < n; k++) column[k] = b[offset + (y - r + k) * w + x];
                mb[x] = WINDOW.apply(column, r, 1);
                for (int k = 0; k < n; k++) column[k] *= (double) a[offset + (y - r + k) * w + x];
                mab[x] = WINDOW.apply(column, r, 1);
                for (int k = 0; k < n; k++) {
                    double v = b[offset + (y - r + k) * w + x];
                    column[k] = v * v;
                }
                mbb[x] = WINDOW.apply(column, r, 1);
            }
            double row = 0;
            for (int x = r; x < w - r; x++) {
                double ux = WINDOW.apply(ma, x, 1), uy = WINDOW.apply(mb, x, 1);
                double vx = WINDOW.apply(maa, x, 1) - ux * ux, vy = WINDOW.apply(mbb, x, 1) - uy * uy;
                double vxy = WINDOW.apply(mab, x, 1) - ux * uy;
                row += (2 * ux * uy + c1) * (2 * vxy + c2) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
            }
            total += row;
        }
        return total / ((double) (h - 2 * r) * (w - 2 * r));
    }
}
