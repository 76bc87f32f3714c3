package cae.engine;

import java.nio.ByteBuffer;

/**
 * Images of 8-bit pixels on the host, as an engine uploads them: each image planar (its channel
 * planes one after another, rows in order) at an offset of one of a few byte buffers, which may be
 * memory-mapped files so that a set larger than memory still trains. Images may differ in size; all
 * have the same number of channels (1 grey, 3 RGB).
 */
public final class Pixels {
    private final int channels;
    private final ByteBuffer[] buffers;
    private final int[] buffer, offsets, heights, widths;
    private final int minHeight, minWidth;
    private final boolean sameSize;

    private Pixels(int channels, ByteBuffer[] buffers, int[] buffer, int[] offsets, int[] heights, int[] widths) {
        if (channels < 1) throw new IllegalArgumentException("images need at least one channel, got " + channels);
        this.channels = channels;
        this.buffers = buffers;
        this.buffer = buffer;
        this.offsets = offsets;
        this.heights = heights;
        this.widths = widths;
        int minH = Integer.MAX_VALUE, minW = Integer.MAX_VALUE;
        boolean same = true;
        for (int i = 0; i < heights.length; i++) {
            minH = Math.min(minH, heights[i]);
            minW = Math.min(minW, widths[i]);
            same &= heights[i] == heights[0] && widths[i] == widths[0];
        }
        minHeight = heights.length == 0 ? 0 : minH;
        minWidth = widths.length == 0 ? 0 : minW;
        sameSize = same;
    }

    /** {@code count} images of {@code channels} x height x width, one after another in {@code data}. */
    public static Pixels of(byte[] data, int count, int channels, int height, int width) {
        Shapes.upload(data.length, count * channels, height, width);
        int[] zero = new int[count], offsets = new int[count], h = new int[count], w = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = i * channels * height * width;
            h[i] = height;
            w[i] = width;
        }
        return new Pixels(channels, new ByteBuffer[] {ByteBuffer.wrap(data)}, zero, offsets, h, w);
    }

    /** Collects images of any sizes: each a region of one of the given buffers. */
    public static final class Builder {
        private final int channels;
        private final java.util.List<ByteBuffer> buffers = new java.util.ArrayList<>();
        private final java.util.Map<ByteBuffer, Integer> bufferIndex = new java.util.IdentityHashMap<>();
        private int[] buffer = new int[16], offsets = new int[16], heights = new int[16], widths = new int[16];
        private int count;

        public Builder(int channels) { this.channels = channels; }

        /** Adds the image at {@code offset} of {@code bytes} (channels x height x width bytes). */
        public Builder add(ByteBuffer bytes, int offset, int height, int width) {
            if (height < 1 || width < 1) throw new IllegalArgumentException("an image of " + height + "x" + width);
            if (offset < 0 || (long) offset + (long) channels * height * width > bytes.capacity())
                throw new IllegalArgumentException("an image of " + height + "x" + width + " at " + offset + " outside its buffer of " + bytes.capacity());
            int b = bufferIndex.computeIfAbsent(bytes, k -> {
                buffers.add(k);
                return buffers.size() - 1;
            });
            if (count == offsets.length) {
                int n = 2 * count;
                buffer = java.util.Arrays.copyOf(buffer, n);
                offsets = java.util.Arrays.copyOf(offsets, n);
                heights = java.util.Arrays.copyOf(heights, n);
                widths = java.util.Arrays.copyOf(widths, n);
            }
            buffer[count] = b;
            offsets[count] = offset;
            heights[count] = height;
            widths[count] = width;
            count++;
            return this;
        }

        public Pixels build() {
            return new Pixels(channels, buffers.toArray(ByteBuffer[]::new), java.util.Arrays.copyOf(buffer, count),
                    java.util.Arrays.copyOf(offsets, count), java.util.Arrays.copyOf(heights, count), java.util.Arrays.copyOf(widths, count));
        }
    }

    public int count() { return heights.length; }
    public int channels() { return channels; }
    public int height(int image) { return heights[image]; }
    public int width(int image) { return widths[image]; }
    /** Whether every image has the same size. */
    public boolean sameSize() { return sameSize; }
    /** The smallest height and width of any image: the largest crop every image can give. */
    public int minHeight() { return minHeight; }
    public int minWidth() { return minWidth; }

    /** The buffer holding image {@code image}, and where in it the image starts. */
    public ByteBuffer buffer(int image) { return buffers[buffer[image]]; }
    public int offset(int image) { return offsets[image]; }

    /** The first {@code n} images (all of them where there are no more), sharing these buffers. */
    public Pixels first(int n) {
        int k = Math.max(0, Math.min(n, count()));
        return new Pixels(channels, buffers, java.util.Arrays.copyOf(buffer, k), java.util.Arrays.copyOf(offsets, k),
                java.util.Arrays.copyOf(heights, k), java.util.Arrays.copyOf(widths, k));
    }

    /** Pixel (c, y, x) of an image, 0 to 255. */
    public int get(int image, int c, int y, int x) {
        return buffers[buffer[image]].get(offsets[image] + (c * heights[image] + y) * widths[image] + x) & 0xFF;
    }

    /** All pixels in one array, image after image (for an engine that copies them whole); at most 2^31 - 1 bytes. */
    public byte[] toArray() {
        long total = 0;
        for (int i = 0; i < count(); i++) total += (long) channels * heights[i] * widths[i];
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("the images hold " + total + " bytes, more than one array can");
        byte[] all = new byte[(int) total];
        int at = 0;
        for (int i = 0; i < count(); i++) {
            int n = channels * heights[i] * widths[i];
            buffer(i).get(offsets[i], all, at, n);
            at += n;
        }
        return all;
    }
}
