package cae.data;

import java.util.Arrays;

/**
 * A block of images in host memory: {@code count} images of {@code height} x {@code width}
 * unsigned-byte pixels, row-major, and optionally one label per image.
 */
public final class Images {
    private final String name;
    private final byte[] pixels;
    private final byte[] labels;
    private final int count;
    private final int height;
    private final int width;

    /** {@code labels} may be null; otherwise it has one entry per image. */
    public Images(String name, byte[] pixels, byte[] labels, int count, int height, int width) {
        if ((long) count * height * width != pixels.length) {
            throw new IllegalArgumentException(
                    name + ": " + pixels.length + " pixels is not " + count + " x " + height + " x " + width);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + count + " images");
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.height = height;
        this.width = width;
    }

    /** What these images are, e.g. "train" or "test". */
    public String name() { return name; }

    /** count x height x width pixels, 0..255 as unsigned bytes. Not a copy. */
    public byte[] pixels() { return pixels; }

    /** One label per image, or null when the data set has no labels. Not a copy. */
    public byte[] labels() { return labels; }

    public boolean hasLabels() { return labels != null; }

    public int count() { return count; }

    public int height() { return height; }

    public int width() { return width; }

    /** A copy of images {@code [from, to)} under a new name. */
    public Images slice(String sliceName, int from, int to) {
        if (from < 0 || to > count || from > to) {
            throw new IndexOutOfBoundsException(name + ": [" + from + ", " + to + ") of " + count);
        }
        int imageSize = height * width;
        return new Images(sliceName,
                Arrays.copyOfRange(pixels, from * imageSize, to * imageSize),
                labels == null ? null : Arrays.copyOfRange(labels, from, to),
                to - from, height, width);
    }

    @Override public String toString() {
        return name + ": " + count + " images of " + height + " x " + width + (labels == null ? ", no labels" : "");
    }
}
