package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class GreyImagesTest {
    @TempDir Path dir;

    private Path save(BufferedImage image, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, format, file.toFile()), "no writer for " + format);
        return file;
    }

    @Test
    void writesAnEightBitGreyPngThatReadsBackExactly() throws IOException {
        float[] pixels = new float[3 * 2];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (i * 40) / 255f;
        Path file = dir.resolve("digit.png");
        GreyImages.write(file, pixels, 3, 2);

        BufferedImage written = ImageIO.read(file.toFile());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, written.getType());
        assertEquals(3, written.getWidth());
        assertEquals(2, written.getHeight());
        assertEquals(200, written.getRaster().getSample(2, 1, 0));

        GreyImages.Image read = GreyImages.read(file);
        assertEquals(3, read.width());
        assertEquals(2, read.height());
        assertArrayEquals(pixels, read.pixels());
    }

    @Test
    void writingClipsAndRounds() throws IOException {
        Path file = dir.resolve("clip.png");
        GreyImages.write(file, new float[]{-0.5f, 1.7f, Float.NaN, 0.5f, 0.2f, Float.POSITIVE_INFINITY}, 6, 1);
        int[] samples = ImageIO.read(file.toFile()).getRaster().getSamples(0, 0, 6, 1, 0, (int[]) null);
        assertArrayEquals(new int[]{0, 255, 0, 128, 51, 255}, samples);
    }

    @Test
    void readsGreySamplesWithoutGammaConversion() throws IOException {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(0, 0, 0, 100);
        image.getRaster().setSample(1, 0, 0, 7);
        GreyImages.Image read = GreyImages.read(save(image, "png", "grey.png"));
        assertArrayEquals(new float[]{100 / 255f, 7 / 255f}, read.pixels());
    }

    @Test
    void readsSixteenBitGrey() throws IOException {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSamples(0, 0, 3, 1, 0, new int[]{0, 65535, 32768});
        GreyImages.Image read = GreyImages.read(save(image, "png", "deep.png"));
        assertArrayEquals(new float[]{0f, 1f, 32768f / 65535f}, read.pixels(), 1e-7f);
    }

    @Test
    void convertsColourWithLumaWeightsAndIgnoresAlpha() throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0xFFFF0000);  // opaque red
        image.setRGB(1, 0, 0xFF0AC81E);  // (10, 200, 30)
        image.setRGB(0, 1, 0x00FFFFFF);  // fully transparent white
        image.setRGB(1, 1, 0x800000FF);  // half transparent blue
        GreyImages.Image read = GreyImages.read(save(image, "png", "colour.png"));
        assertEquals(2, read.width());
        assertEquals(2, read.height());
        assertArrayEquals(new float[]{
                0.299f, (0.299f * 10 + 0.587f * 200 + 0.114f * 30) / 255f,
                1f, 0.114f}, read.pixels(), 1e-6f);
    }

    @Test
    void readsPaletteImages() throws IOException {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY);
        image.getRaster().setSample(1, 0, 0, 1);
        GreyImages.Image read = GreyImages.read(save(image, "png", "binary.png"));
        assertArrayEquals(new float[]{0f, 1f, 0f}, read.pixels(), 1e-6f);
    }

    @Test
    void readsJpeg() throws IOException {
        BufferedImage image = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) image.setRGB(x, y, 0xC86432); // (200, 100, 50)
        GreyImages.Image read = GreyImages.read(save(image, "jpg", "photo.jpg"));
        assertEquals(16, read.width());
        assertEquals(8, read.height());
        float expected = (0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255f;
        for (float v : read.pixels()) assertEquals(expected, v, 3 / 255f); // JPEG is lossy
    }

    @Test
    void namesTheFileWhenItIsNotAnImage() throws IOException {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "not a picture");
        IOException e = assertThrows(IOException.class, () -> GreyImages.read(text));
        assertEquals(text + " is not an image in a format Java can read (PNG, JPEG, GIF or BMP)", e.getMessage());

        Path broken = dir.resolve("broken.png");
        GreyImages.write(broken, new float[64 * 64], 64, 64);
        byte[] bytes = Files.readAllBytes(broken);
        Files.write(broken, java.util.Arrays.copyOf(bytes, 40));
        e = assertThrows(IOException.class, () -> GreyImages.read(broken));
        assertTrue(e.getMessage().startsWith(broken + " could not be read as an image: "), e.getMessage());

        Path missing = dir.resolve("missing.png");
        e = assertThrows(IOException.class, () -> GreyImages.read(missing));
        assertEquals("image file " + missing + " does not exist", e.getMessage());
    }
}
