package cae.io;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of equally sized grey or colour images composed into one picture, e.g. reconstructions.png with the
 * rows "clean", "noisy" and "denoised". Images are enlarged by nearest neighbour so each pixel stays
 * a crisp square, separated by a white gap, with optional row labels on the left.
 */
public final class ImageGrid {
    static {
        Awt.useHeadlessUnlessSet();
    }

    private final int width;
    private final int height;
    private final int channels;
    private final List<String> labels = new ArrayList<>();
    private final List<List<float[]>> rows = new ArrayList<>();
    private int scale = 1;

    /** A grid of grey images that are each {@code width} x {@code height} pixels. */
    public ImageGrid(int width, int height) { this(width, height, 1); }

    /** A grid of images of {@code channels} planes (1 grey, 3 RGB) of {@code width} x {@code height} pixels. */
    public ImageGrid(int width, int height, int channels) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size " + width + " x " + height);
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("images of 1 or 3 channels, got " + channels);
        this.width = width;
        this.height = height;
        this.channels = channels;
    }

    /** Adds a row of images, each its planes one after another, row-major, with values in [0, 1]; {@code label} may be null. */
    public ImageGrid row(String label, List<float[]> images) {
        for (float[] image : images) {
            if (image.length != channels * width * height) {
                throw new IllegalArgumentException("row '" + label + "': an image has " + image.length
                        + " values, expected " + channels + " x " + width + " x " + height);
            }
        }
        labels.add(label);
        rows.add(List.copyOf(images));
        return this;
    }

    /** Enlarges every image {@code factor} times, by nearest neighbour. */
    public ImageGrid scale(int factor) {
        if (factor < 1) throw new IllegalArgumentException("scale must be at least 1, got " + factor);
        scale = factor;
        return this;
    }

    public BufferedImage render() {
        int cellWidth = width * scale, cellHeight = height * scale;
        int gap = 2 * scale;
        int columns = 0;
        for (List<float[]> row : rows) columns = Math.max(columns, row.size());

        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, Math.min(18, cellHeight / 4)));
        int labelWidth = 0;
        boolean labelled = labels.stream().anyMatch(l -> l != null && !l.isEmpty());
        if (labelled) {
            Graphics2D measuring = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY).createGraphics();
            FontMetrics metrics = measuring.getFontMetrics(font);
            for (String label : labels) if (label != null) labelWidth = Math.max(labelWidth, metrics.stringWidth(label));
            measuring.dispose();
            labelWidth += gap;
        }

        int totalWidth = gap + labelWidth + columns * (cellWidth + gap);
        int totalHeight = gap + rows.size() * (cellHeight + gap);
        BufferedImage picture = new BufferedImage(Math.max(1, totalWidth), Math.max(1, totalHeight),
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        WritableRaster raster = picture.getRaster();
        int[] white = new int[picture.getWidth()];
        Arrays.fill(white, 255);
        for (int band = 0; band < channels; band++)
            for (int y = 0; y < picture.getHeight(); y++) raster.setSamples(0, y, white.length, 1, band, white);

        // Pixels go straight into the raster so the stored grey values are exact.
        int[] line = new int[cellWidth];
        for (int r = 0; r < rows.size(); r++) {
            int top = gap + r * (cellHeight + gap);
            for (int c = 0; c < rows.get(r).size(); c++) {
                float[] image = rows.get(r).get(c);
                int left = gap + labelWidth + c * (cellWidth + gap);
                for (int band = 0; band < channels; band++)
                    for (int y = 0; y < cellHeight; y++) {
                        int source = (band * height + y / scale) * width;
                        for (int x = 0; x < cellWidth; x++) line[x] = GreyImages.toByte(image[source + x / scale]);
                        raster.setSamples(left, top + y, cellWidth, 1, band, line);
                    }
            }
        }

        if (labelled) {
            Graphics2D g = picture.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(font);
            FontMetrics metrics = g.getFontMetrics();
            for (int r = 0; r < rows.size(); r++) {
                String label = labels.get(r);
                if (label == null || label.isEmpty()) continue;
                int top = gap + r * (cellHeight + gap);
                int baseline = top + (cellHeight + metrics.getAscent() - metrics.getDescent()) / 2;
                g.drawString(label, gap, baseline);
            }
            g.dispose();
        }
        return picture;
    }

    /** Writes the grid as an 8-bit grey or RGB PNG, atomically. */
    public void write(Path file) throws IOException {
        Awt.writePng(file, render());
    }
}
