package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Reading with a pixel cap (checked on the header, before decoding) and with the decoder's warnings. */
class GreyImagesLimitsTest {
    @TempDir Path dir;

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }

    @Test
    void theCapIsCheckedOnTheHeaderBeforeDecoding() throws Exception {
        Path file = Files.write(dir.resolve("wide.png"), encode(new BufferedImage(300, 200, BufferedImage.TYPE_BYTE_GRAY), "png"));
        GreyImages.TooLargeException e = assertThrows(GreyImages.TooLargeException.class, () -> GreyImages.read(file, 59_999, w -> {}));
        assertEquals(file + " is 300 x 200 = 60000 pixels by its header, more than the 59999 allowed", e.getMessage());
        assertEquals(60_000, e.pixels());
        assertEquals(300, GreyImages.read(file, 60_000, w -> {}).width());

        byte[] png = encode(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png");
        ByteBuffer.wrap(png).putInt(16, 0);  // a width of 0
        Path zero = Files.write(dir.resolve("zero.png"), png);
        IOException bad = assertThrows(IOException.class, () -> GreyImages.read(zero, 100, w -> {}));
        assertTrue(bad.getMessage().startsWith(zero + " could not be read as an image: "), bad.getMessage());
    }

    @Test
    void aJpegCutShortIsReadWithTheDecodersWarnings() throws Exception {
        BufferedImage photo = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(3);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 40; x++) photo.setRGB(x, y, random.nextInt());
        byte[] jpeg = encode(photo, "jpg");
        Path whole = Files.write(dir.resolve("whole.jpg"), jpeg), cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        List<String> warnings = new ArrayList<>();
        GreyImages.read(whole, 10_000, warnings::add);
        assertEquals(List.of(), warnings);
        GreyImages.Image image = GreyImages.read(cut, 10_000, warnings::add);
        assertEquals(40, image.width());
        assertFalse(warnings.isEmpty(), "the decoder said the data ends early");
        for (String w : warnings) assertFalse(w.contains("\n"), w);
    }
}
