package cae.io;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Image files as every command reads them: the size in the header checked against a pixel cap before
 * anything is decoded (a small file may claim a huge image), the decoder's warnings handed on (a JPEG
 * whose data ends early is decoded, the rest filled in), and every failure an {@link IOException} of
 * one line naming the file. Pixels become values in [0, 1] as stored (no colour management): grey by
 * {@link GreyImages#toGrey(BufferedImage)}, colour by {@link #toRgb}; alpha is dropped (the colour
 * stored under a transparent pixel is used as it is), as it always was for grey.
 */
public final class ImageFiles {
    private ImageFiles() {}

    /** What a file's header says: its size, and whether it stores colour. */
    public record Header(int width, int height, boolean colour) {
        public long pixels() { return (long) width * height; }
    }

    /** Reads only the header: the size (checked against {@code maxPixels}) and whether the image has colour. */
    public static Header header(Path file, long maxPixels) throws IOException {
        return withReader(file, maxPixels, (reader, width, height) -> new Header(width, height, colour(file, reader)));
    }

    /**
     * Decodes the first image of {@code file}, refusing one of more than {@code maxPixels} pixels by the
     * size in its header before anything is decoded; the decoder's warnings go to {@code warnings}, one
     * line each.
     */
    public static BufferedImage decode(Path file, long maxPixels, Consumer<String> warnings) throws IOException {
        return withReader(file, maxPixels, (reader, width, height) -> {
            reader.addIIOReadWarningListener((source, warning) ->
                    warnings.accept(String.valueOf(warning).lines().findFirst().orElse("").strip()));
            try {
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw unreadable(file, e);
            } catch (OutOfMemoryError e) {
                throw new IOException(file + " is " + width + " x " + height + " pixels, too many for the Java heap; give the JVM more memory, "
                        + "e.g. CAE_JAVA_OPTS=-Xmx8g");
            }
        });
    }

    @FunctionalInterface
    private interface ReaderTask<T> {
        T apply(ImageReader reader, int width, int height) throws IOException;
    }

    /** Opens a reader on {@code file}, reads and checks the size in its header, and runs {@code task} on it. */
    private static <T> T withReader(Path file, long maxPixels, ReaderTask<T> task) throws IOException {
        if (!Files.exists(file)) throw new IOException("image file " + file + " does not exist");
        if (!Files.isRegularFile(file)) throw new IOException(file + " is not a file, so it cannot be read as an image");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in != null ? ImageIO.getImageReaders(in) : Collections.emptyIterator();
            if (!readers.hasNext()) throw new IOException(file + " is not an image in a format Java can read (PNG, JPEG, GIF or BMP)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width, height;
                try {
                    width = reader.getWidth(0);
                    height = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
                if (width < 1 || height < 1) throw new IOException(file + " could not be read as an image: its header gives a size of "
                        + width + " x " + height + " pixels");
                if (width * height > maxPixels)
                    throw new GreyImages.TooLargeException(file + " is " + width + " x " + height + " = " + width * height
                            + " pixels by its header, more than the " + maxPixels + " allowed", width * height);
                return task.apply(reader, (int) width, (int) height);
            } finally {
                reader.dispose();
            }
        } catch (OutOfMemoryError e) {
            throw new IOException(file + " is too large for the Java heap; give the JVM more memory, e.g. CAE_JAVA_OPTS=-Xmx8g");
        }
    }

    static IOException unreadable(Path file, Exception e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new IOException(file + " could not be read as an image: " + reason, e);
    }

    /**
     * Whether the image the reader is on stores colour: a colour space other than grey, or a palette
     * with an entry that is not grey (CMYK counts as colour). A file for which the decoder offers no
     * image type at all is refused.
     */
    private static boolean colour(Path file, ImageReader reader) throws IOException {
        ImageTypeSpecifier type;
        try {
            type = reader.getRawImageType(0);
            if (type == null) {
                Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
                type = types.hasNext() ? types.next() : null;
            }
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
        if (type == null)
            throw new IOException(file + " stores its colours in a way Java cannot decode; save it as RGB or grey");
        return colour(type.getColorModel());
    }

    /** Whether images of this colour model store colour: a colour space other than grey, or a palette with an entry that is not grey. */
    public static boolean colour(ColorModel model) {
        if (model instanceof IndexColorModel palette) {
            for (int i = 0; i < palette.getMapSize(); i++)
                if (palette.getRed(i) != palette.getGreen(i) || palette.getGreen(i) != palette.getBlue(i)) return true;
            return false;
        }
        return model.getColorSpace().getType() != ColorSpace.TYPE_GRAY;
    }

    /** Whether the image's samples are integers of at most 16 bits, which are scaled to [0, 1] as stored. */
    static boolean integerSamples(BufferedImage image) {
        Raster raster = image.getRaster();
        int transfer = raster.getTransferType();
        boolean integer = transfer == java.awt.image.DataBuffer.TYPE_BYTE || transfer == java.awt.image.DataBuffer.TYPE_USHORT
                || transfer == java.awt.image.DataBuffer.TYPE_INT;
        for (int bits : raster.getSampleModel().getSampleSize()) integer &= bits <= 16;
        return integer && !image.getColorModel().isAlphaPremultiplied();
    }

    /** Whether the image stores one grey sample per pixel, taken as it is. */
    static boolean storedGrey(BufferedImage image) {
        ColorModel model = image.getColorModel();
        return !(model instanceof IndexColorModel) && integerSamples(image) && model.getNumColorComponents() == 1
                && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** Whether the image stores R, G and B samples (bands 0, 1, 2 in both component and packed colour models). */
    static boolean storedRgb(BufferedImage image) {
        ColorModel model = image.getColorModel();
        return !(model instanceof IndexColorModel) && integerSamples(image) && model.getNumColorComponents() == 3
                && model.getColorSpace().getType() == ColorSpace.TYPE_RGB;
    }

    /**
     * The colour planes of {@code image}, {@code rgb[c * height * width + y * width + x]} for c = R, G, B
     * in [0, 1]: the stored samples scaled by their range (a grey image's sample in all three; a
     * palette's colours); other colour spaces and float samples converted to 8-bit sRGB by Java.
     */
    public static float[] toRgb(BufferedImage image) {
        int width = image.getWidth(), height = image.getHeight(), plane = width * height;
        float[] rgb = new float[3 * plane];
        Raster raster = image.getRaster();
        int[] row = new int[width];
        if (image.getColorModel() instanceof IndexColorModel palette) {
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int i = y * width + x;
                    rgb[i] = palette.getRed(row[x]) / 255f;
                    rgb[plane + i] = palette.getGreen(row[x]) / 255f;
                    rgb[2 * plane + i] = palette.getBlue(row[x]) / 255f;
                }
            }
        } else if (storedGrey(image) || storedRgb(image)) {
            boolean grey = storedGrey(image);
            for (int c = 0; c < 3; c++) {
                int band = grey ? 0 : c;
                float max = (1 << raster.getSampleModel().getSampleSize(band)) - 1;
                for (int y = 0; y < height; y++) {
                    raster.getSamples(0, y, width, 1, band, row);
                    for (int x = 0; x < width; x++) rgb[c * plane + y * width + x] = row[x] / max;
                }
            }
        } else {
            for (int y = 0; y < height; y++) {
                image.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    int i = y * width + x, argb = row[x];
                    rgb[i] = ((argb >> 16) & 0xff) / 255f;
                    rgb[plane + i] = ((argb >> 8) & 0xff) / 255f;
                    rgb[2 * plane + i] = (argb & 0xff) / 255f;
                }
            }
        }
        return rgb;
    }

    /** Rows converted at a time by {@link #toBytes}, so that the float values of a large image never exist at once. */
    private static final int STRIP_ROWS = 64;

    /**
     * {@code image} as 8-bit planar pixels into {@code out} from {@code offset}: {@code channels} 1 is
     * grey (as {@link GreyImages#toGrey(BufferedImage)} computes it), 3 is R, G, B (as {@link #toRgb});
     * each value rounded to 0..255 as an 8-bit PNG of it would be written.
     */
    public static void toBytes(BufferedImage image, int channels, byte[] out, int offset) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("images have 1 (grey) or 3 (RGB) channels, got " + channels);
        int width = image.getWidth(), height = image.getHeight(), plane = width * height;
        if (offset < 0 || (long) offset + (long) channels * plane > out.length)
            throw new IllegalArgumentException(channels + " x " + height + " x " + width + " pixels do not fit at " + offset + " of " + out.length);
        for (int top = 0; top < height; top += STRIP_ROWS) {
            int rows = Math.min(STRIP_ROWS, height - top), stripPlane = rows * width;
            BufferedImage strip = image.getSubimage(0, top, width, rows);
            float[] values = channels == 1 ? GreyImages.toGrey(strip) : toRgb(strip);
            for (int c = 0; c < channels; c++) {
                int to = offset + c * plane + top * width;
                for (int i = 0; i < stripPlane; i++) out[to + i] = (byte) GreyImages.toByte(values[c * stripPlane + i]);
            }
        }
    }

    /**
     * Writes planar values (1 grey or 3 R, G, B planes of height x width) as an 8-bit PNG, atomically:
     * each value clipped to [0, 1] and rounded to 0..255 as {@link GreyImages#toByte} does.
     */
    public static void writePng(Path file, float[] planes, int channels, int width, int height) throws IOException {
        if (channels == 1) {
            GreyImages.write(file, planes, width, height);
            return;
        }
        Awt.writePng(file, toBufferedImage(planes, channels, width, height));
    }

    /**
     * Planar values (1 grey or 3 R, G, B planes of height x width) as an 8-bit image, grey or RGB: each
     * value clipped to [0, 1] and rounded to 0..255 as {@link GreyImages#toByte} does, so that the image
     * holds what {@link #writePng} writes.
     */
    public static BufferedImage toBufferedImage(float[] planes, int channels, int width, int height) {
        if ((channels != 1 && channels != 3) || planes.length != (long) channels * width * height)
            throw new IllegalArgumentException(planes.length + " values are not " + channels + " planes of " + width + " x " + height);
        if (channels == 1) return GreyImages.toBufferedImage(new GreyImages.Image(width, height, planes));
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.image.WritableRaster raster = image.getRaster();
        int[] row = new int[width];
        int plane = width * height;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) row[x] = GreyImages.toByte(planes[c * plane + y * width + x]);
                raster.setSamples(0, y, width, 1, c, row);
            }
        return image;
    }

    /** At most this many distinct decoder warnings are listed for one image. */
    public static final int LISTED_WARNINGS = 3;

    /**
     * One line for the decoder's warnings about {@code file}: "warning: FILE: W1; W2; W3; and N more
     * (CONSEQUENCE)", at most {@value #LISTED_WARNINGS} listed.
     */
    public static String warningLine(Path file, Collection<String> warnings, String consequence) {
        List<String> listed = warnings.stream().limit(LISTED_WARNINGS).toList();
        return "warning: " + file + ": " + String.join("; ", listed)
                + (warnings.size() > listed.size() ? "; and " + (warnings.size() - listed.size()) + " more" : "")
                + " (" + consequence + ")";
    }
}
