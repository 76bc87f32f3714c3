package cae.engine;

/** A set of grey images (unsigned bytes, count x height x width) uploaded once to an engine. */
public abstract class ImageSet {
    private final int count, height, width;

    protected ImageSet(int count, int height, int width) {
        this.count = count; this.height = height; this.width = width;
    }

    public final int count() { return count; }
    public final int height() { return height; }
    public final int width() { return width; }
}
