package cae.io;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Grey images as the model sees them: row-major floats in [0, 1]. Reads any PNG or JPEG ImageIO
 * understands (grey or colour, 8 or 16 bits, palette, with or without alpha) and writes 8-bit grey PNGs.
 */
public final class GreyImages {
    private GreyImages() {}

    /** A grey image, {@code pixels[y * width + x]} in [0, 1]. The array is not copied. */
    public record Image(int width, int height, float[] pixels) {
        public Image {
            if (width < 1 || height < 1 || (long) width * height != pixels.length) {
                throw new IllegalArgumentException("a " + width + " x " + height + " image needs "
                        + (long) width * height + " pixels, got " + pixels.length);
            }
        }
    }

    /**
     * Reads an image file as grey values: the stored sample values scaled to [0, 1] (no colour
     * management), colour converted with the luma weights 0.299 R + 0.587 G + 0.114 B, alpha ignored.
     */
    public static Image read(Path file) throws IOException {
        return read(file, Integer.MAX_VALUE - 8, warning -> {});
    }

    /** An image whose header gives more pixels than the reader may decode. */
    public static final class TooLargeException extends IOException {
        private final long pixels;

        TooLargeException(String message, long pixels) {
            super(message);
            this.pixels = pixels;
        }

        /** Width x height, as the file's header gives them. */
        public long pixels() { return pixels; }
    }

    /**
     * As {@link #read(Path)}, but refuses an image of more than {@code maxPixels} pixels by the size in
     * its header, before anything is decoded (a small file may claim a huge image), and hands the
     * decoder's warnings (a JPEG whose data ends early is decoded, the rest filled in) to {@code warnings}.
     */
    public static Image read(Path file, long maxPixels, Consumer<String> warnings) throws IOException {
        BufferedImage image = ImageFiles.decode(file, maxPixels, warnings);
        return new Image(image.getWidth(), image.getHeight(), toGrey(image));
    }

    /** Writes an 8-bit grey PNG, atomically: values are clipped to [0, 1] and rounded to 0..255; NaN becomes 0. */
    public static void write(Path file, Image image) throws IOException {
        Awt.writePng(file, toBufferedImage(image));
    }

    public static void write(Path file, float[] pixels, int width, int height) throws IOException {
        write(file, new Image(width, height, pixels));
    }

    /** An 8-bit grey image of {@code image}: values clipped to [0, 1] and rounded to 0..255; NaN becomes 0. */
    public static BufferedImage toBufferedImage(Image image) {
        BufferedImage result = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = result.getRaster();
        int[] row = new int[image.width()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < row.length; x++) row[x] = toByte(image.pixels()[y * row.length + x]);
            raster.setSamples(0, y, row.length, 1, 0, row);
        }
        return result;
    }

    /** [0, 1] to 0..255, clipping; NaN gives 0. */
    static int toByte(float value) {
        if (!(value > 0f)) return 0;
        if (value >= 1f) return 255;
        return Math.round(value * 255f);
    }

    /**
     * Planar pixels ({@code pixels[c * height * width + y * width + x]}) as grey: one channel is taken
     * as it is (not copied), three (R, G, B) with the luma weights {@link #read} uses.
     */
    public static float[] toGrey(float[] pixels, int channels, int height, int width) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("images have 1 (grey) or 3 (RGB) channels, got " + channels);
        if (height < 1 || width < 1) throw new IllegalArgumentException("image size " + height + " x " + width);
        int plane = height * width;
        if ((long) channels * plane != pixels.length)
            throw new IllegalArgumentException(channels + " x " + height + " x " + width + " pixels expected, got " + pixels.length);
        if (channels == 1) return pixels;
        float[] grey = new float[plane];
        for (int i = 0; i < plane; i++) grey[i] = (float) luma(pixels[i], pixels[plane + i], pixels[2 * plane + i]);
        return grey;
    }

    /** The grey values of {@code image} as {@link #read} computes them for a file: stored samples scaled to [0, 1], colour by luma. */
    public static float[] toGrey(BufferedImage image) {
        int width = image.getWidth(), height = image.getHeight();
        float[] grey = new float[width * height];
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int[] row = new int[width];

        if (model instanceof IndexColorModel palette) {
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int i = row[x];
                    grey[y * width + x] = (float) (luma(palette.getRed(i), palette.getGreen(i), palette.getBlue(i)) / 255.0);
                }
            }
        } else if (ImageFiles.storedGrey(image)) {
            // Raw samples: getRGB would push grey through a gamma conversion and change the values.
            float max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) grey[y * width + x] = row[x] / max;
            }
        } else if (ImageFiles.storedRgb(image)) {
            // Bands 0, 1, 2 are R, G, B in both component and packed colour models.
            double[] max = new double[3];
            for (int b = 0; b < 3; b++) max[b] = (1 << raster.getSampleModel().getSampleSize(b)) - 1;
            int[] green = new int[width], blue = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                raster.getSamples(0, y, width, 1, 1, green);
                raster.getSamples(0, y, width, 1, 2, blue);
                for (int x = 0; x < width; x++) {
                    grey[y * width + x] = (float) luma(row[x] / max[0], green[x] / max[1], blue[x] / max[2]);
                }
            }
        } else {
            // Anything else (other colour spaces, float samples): let Java convert to 8-bit sRGB.
            for (int y = 0; y < height; y++) {
                image.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    int argb = row[x];
                    grey[y * width + x] = (float) (luma((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff) / 255.0);
                }
            }
        }
        return grey;
    }

    private static double luma(double red, double green, double blue) {
        return 0.299 * red + 0.587 * green + 0.114 * blue;
    }
}
