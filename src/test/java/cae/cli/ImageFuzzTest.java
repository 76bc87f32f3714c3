package cae.cli;

import cae.fuzz.Fuzz;
import cae.io.GreyImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of damaged PNG and JPEG files (seeds fixed), read as denoise reads them: each is read
 * correctly or refused with one line naming the file; a size claimed in the header above the pixel cap
 * is refused before anything is decoded.
 */
class ImageFuzzTest {
    private static final int CASES = 4_000;
    private static final long MAX_PIXELS = 1_000_000;

    @Test
    void damagedImagesAreReadOrRefusedInOneLine(@TempDir Path dir) throws Exception {
        byte[][] seeds = {encode(picture(24, 16, BufferedImage.TYPE_BYTE_GRAY), "png"), encode(picture(20, 20, BufferedImage.TYPE_INT_RGB), "png"),
                encode(picture(16, 16, BufferedImage.TYPE_INT_RGB), "jpg"), encode(picture(12, 9, BufferedImage.TYPE_BYTE_GRAY), "jpg")};
        Fuzz.Source source = (r, i) -> Fuzz.mutate(seeds[i % seeds.length], r, 64);
        PrintStream warnings = new PrintStream(new ByteArrayOutputStream());
        Fuzz.Parser parser = file -> {
            GreyImages.Image image = DenoiseCommand.readImage(file, MAX_PIXELS, warnings);
            assertTrue((long) image.width() * image.height() <= MAX_PIXELS, "within the cap");
            for (float v : image.pixels()) assertTrue(v >= 0 && v <= 1, "grey values in [0, 1]");
        };
        Fuzz.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> Fuzz.run("images", dir, "case-image", 19, CASES,
                source, parser, length -> (16L << 20) + 64L * length + 48 * MAX_PIXELS, UserError.class));
        Fuzz.assertClean(report);
    }

    private static BufferedImage picture(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) image.setRGB(x, y, (x * 37 + y * 11) * 0x010305 & 0xffffff);
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }
}
