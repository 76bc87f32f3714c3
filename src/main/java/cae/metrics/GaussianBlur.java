package cae.metrics;

import java.util.function.IntFunction;

/**
 * The classical baseline a denoiser has to beat: a Gaussian blur of each channel, as
 * scipy.ndimage.gaussian_filter(sigma) computes it (window truncated at 4 sigma, 'reflect' border,
 * rows then columns, in double, rounded to float at the end), with its width chosen as the one of a
 * small grid that gives the best mean PSNR on validation images (noisy, blurred, against clean).
 * Memory is a few rows besides the output, whatever the image's size.
 */
public final class GaussianBlur {
    /** The sigmas (in pixels) {@link #choose} tries by default: from a light touch to a heavy blur. */
    public static final double[] GRID = {0.5, 0.75, 1.0, 1.5, 2.0, 3.0};

    private GaussianBlur() {}

    /** {@code image} blurred with a Gaussian of {@code sigma} pixels (sigma > 0), each channel on its own. */
    public static FloatImage blur(FloatImage image, double sigma) {
        GaussianWindow window = new GaussianWindow(sigma, GaussianWindow.BLUR_TRUNCATE);
        int h = image.height(), w = image.width(), r = window.radius, n = window.size();
        float[] in = image.values(), out = new float[in.length];
        double[] column = new double[n];
        // one row of column-filtered values, padded by the window's radius with the row's reflection
        double[] row = new double[w + 2 * r];
        for (int c = 0; c < image.channels(); c++) {
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < n; k++) column[k] = in[plane + GaussianWindow.reflect(y - r + k, h) * w + x];
                    row[r + x] = window.apply(column, r, 1);
                }
                for (int k = 1; k <= r; k++) {
                    row[r - k] = row[r + GaussianWindow.reflect(-k, w)];
                    row[r + w - 1 + k] = row[r + GaussianWindow.reflect(w - 1 + k, w)];
                }
                for (int x = 0; x < w; x++) out[plane + y * w + x] = (float) window.apply(row, r + x, 1);
            }
        }
        return new FloatImage(image.channels(), h, w, out);
    }

    /** A clean image and its noisy copy, of one shape. */
    public record Pair(FloatImage clean, FloatImage noisy) {
        public Pair {
            clean.requireSameShape(noisy, "a blur pair");
        }
    }

    /**
     * The blur width chosen on some images, and the mean PSNR (dB) of the blurred noisy images against
     * the clean ones at each sigma of the grid, in the grid's order.
     */
    public record Choice(double sigma, double[] grid, double[] meanPsnr) {}

    /**
     * The sigma of {@code grid} whose blur of the noisy images is closest to the clean ones by mean PSNR
     * (the first of the grid on a tie). {@code pairs} gives image i of {@code count} (each is asked
     * for once, so a caller may make them one at a time).
     */
    public static Choice choose(int count, IntFunction<Pair> pairs, double[] grid) {
        if (count < 1) throw new IllegalArgumentException("choosing a blur needs at least one image");
        if (grid.length < 1) throw new IllegalArgumentException("choosing a blur needs at least one sigma");
        double[] sums = new double[grid.length];
        for (int i = 0; i < count; i++) {
            Pair pair = pairs.apply(i);
            for (int s = 0; s < grid.length; s++) sums[s] += Psnr.of(pair.clean(), blur(pair.noisy(), grid[s]));
        }
        int best = 0;
        for (int s = 0; s < grid.length; s++) {
            sums[s] /= count;
            if (sums[s] > sums[best]) best = s;
        }
        return new Choice(grid[best], grid.clone(), sums);
    }
}
