package cae.metrics;

/**
 * Peak signal-to-noise ratio for pixels on the [0, 1] scale (data range 1): 10 log10(1 / MSE), the
 * mean squared error over every value of every channel, summed in double in index order. An exact
 * match has no finite PSNR; it reads as {@link #EXACT} dB, so that means and JSON stay finite.
 */
public final class Psnr {
    /** The PSNR of two equal images. */
    public static final double EXACT = 100;

    private Psnr() {}

    /** PSNR of {@code image} against {@code reference}, values [offset, offset + length) of each. */
    public static double of(float[] reference, float[] image, int offset, int length) {
        if (length < 1) throw new IllegalArgumentException("PSNR of no pixels");
        double se = 0;
        for (int i = offset; i < offset + length; i++) {
            double d = (double) reference[i] - image[i];
            se += d * d;
        }
        double mse = se / length;
        return mse == 0 ? EXACT : 10 * Math.log10(1 / mse);
    }

    /** PSNR of {@code image} against {@code reference}, which must have its shape. */
    public static double of(FloatImage reference, FloatImage image) {
        reference.requireSameShape(image, "PSNR");
        return of(reference.values(), image.values(), 0, reference.values().length);
    }
}
