package cae.engine;

/**
 * A set of 8-bit images uploaded once to an engine: count images of {@link #channels} planes each,
 * all of one size (IDX data) or of any sizes (a folder of photos, trained on crops).
 */
public abstract class ImageSet {
    private final int count, channels, height, width, minHeight, minWidth;
    private final int[] heights, widths;

    /** {@code count} grey images of height x width. */
    protected ImageSet(int count, int height, int width) {
        this.count = count;
        this.channels = 1;
        this.height = this.minHeight = height;
        this.width = this.minWidth = width;
        heights = widths = null;
    }

    /** The images {@code pixels} describes (their sizes and channels; the engine keeps the bytes). */
    protected ImageSet(Pixels pixels) {
        count = pixels.count();
        channels = pixels.channels();
        boolean same = pixels.sameSize() && count > 0;
        height = same ? pixels.height(0) : 0;
        width = same ? pixels.width(0) : 0;
        minHeight = pixels.minHeight();
        minWidth = pixels.minWidth();
        heights = new int[count];
        widths = new int[count];
        for (int i = 0; i < count; i++) {
            heights[i] = pixels.height(i);
            widths[i] = pixels.width(i);
        }
    }

    public final int count() { return count; }
    public final int channels() { return channels; }
    /** The height every image has, or 0 where the sizes differ. */
    public final int height() { return height; }
    /** The width every image has, or 0 where the sizes differ. */
    public final int width() { return width; }
    public final boolean sameSize() { return heights == null || height > 0; }
    public final int minHeight() { return minHeight; }
    public final int minWidth() { return minWidth; }
    public final int height(int image) { return heights == null ? height : heights[image]; }
    public final int width(int image) { return widths == null ? width : widths[image]; }
}
