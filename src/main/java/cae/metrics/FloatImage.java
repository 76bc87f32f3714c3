package cae.metrics;

/**
 * One image as the metrics see it: {@code channels} planes of {@code height} x {@code width} float
 * pixels on the [0, 1] scale, plane after plane, rows in order (the engines' CHW layout for one sample).
 */
public record FloatImage(int channels, int height, int width, float[] values) {
    public FloatImage {
        if (channels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("an image needs at least one channel, row and column, got " + channels + "x" + height + "x" + width);
        if (values == null || values.length != (long) channels * height * width)
            throw new IllegalArgumentException("an image of " + channels + "x" + height + "x" + width + " holds "
                    + ((long) channels * height * width) + " values, got " + (values == null ? "none" : values.length));
    }

    /** Pixel (c, y, x). */
    public float get(int c, int y, int x) { return values[(c * height + y) * width + x]; }

    /** Whether {@code other} has this image's channels, height and width. */
    public boolean sameShape(FloatImage other) {
        return channels == other.channels && height == other.height && width == other.width;
    }

    void requireSameShape(FloatImage other, String what) {
        if (!sameShape(other))
            throw new IllegalArgumentException(what + " compares images of one shape, got " + channels + "x" + height + "x" + width
                    + " and " + other.channels + "x" + other.height + "x" + other.width);
    }
}
